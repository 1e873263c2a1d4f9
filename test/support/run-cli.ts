// Runs the CLI from source, for tests that need the service in a process of its own
// (started with `node --import tsx test/support/run-cli.ts <command>`).
import { main } from '../../src/cli/main.js';

process.exitCode = await main(process.argv);
