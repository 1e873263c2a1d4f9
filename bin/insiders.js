#!/usr/bin/env node
// Entry point for `npx insiders <command>`; the CLI is compiled to dist/ by `npm run build`.
import { main } from '../dist/cli/main.js';
import { printProcessWarnings } from '../dist/cli/process-warnings.js';

printProcessWarnings();
process.exitCode = await main(process.argv);
