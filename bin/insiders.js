#!/usr/bin/env -S node --max-semi-space-size=16
// Entry point for `npx insiders <command>`; the CLI is compiled to dist/ by `npm run build`.
// --max-semi-space-size=16 (MB): Node 24 lets V8's young generation grow to 128 MB and keeps the
// pages it used resident; for the long-running service that was about 300 MB of RSS (the soak in
// docs/benchmarks.md), at no measurable CPU cost. Start the service with the same flag when
// running `node bin/insiders.js` directly (the image does).
import { main } from '../dist/cli/main.js';
import { printProcessWarnings } from '../dist/cli/process-warnings.js';

printProcessWarnings();
process.exitCode = await main(process.argv);
