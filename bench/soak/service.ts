// Runs the CLI from source, so that the soak measures the service as `src` has it now (no build).
import { main } from '../../src/cli/main.js';

process.exitCode = await main(process.argv);
