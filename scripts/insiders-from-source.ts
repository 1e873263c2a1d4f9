// The `insiders` command line run from source, without a build, for the tests and benchmarks that
// need a command or the whole service in a process of its own, as in production:
//   node --import tsx scripts/insiders-from-source.ts <command> [options]
import { main } from '../src/cli/main.js';
import { printProcessWarnings } from '../src/cli/process-warnings.js';

printProcessWarnings();
process.exitCode = await main(process.argv);
