// The `insiders` command line from source, for the benchmark's child processes (the service in a
// process of its own, as in production).
import { main } from '../../src/cli/main.js';

process.exitCode = await main(process.argv);
