// The `insiders` command line: a thin entry point. Each sub-command lives in its own module under
// src/cli and registers itself on the program; this file only parses, runs and maps errors to
// exit codes (0 ok, 1 failure, 2 bad input or configuration).
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { applyEnvFile } from '../config.js';
import { InsidersError } from '../errors.js';
import { registerConsume } from './consume.js';
import { registerFeatures } from './features.js';
import { registerForget } from './forget.js';
import { registerMetabase } from './metabase.js';
import { registerMigrate } from './migrate.js';
import { registerReplay } from './replay.js';
import { registerReport } from './report.js';
import { registerRun } from './run.js';
import { registerSegment } from './segment.js';
import { registerSmoke } from './smoke.js';
import type { CommandOutcome } from './outcome.js';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

export async function main(argv: readonly string[]): Promise<number> {
  // `insiders features | head`: a closed pipe ends the output, not the process with a stack trace.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  const outcome: CommandOutcome = { exitCode: 0 };
  const program = new Command()
    .name('insiders')
    .description('Streaming customer segmentation: who the Insiders are, kept current from order events.')
    .version(version)
    .exitOverride();
  for (const register of [
    registerSmoke,
    registerReplay,
    registerConsume,
    registerFeatures,
    registerSegment,
    registerRun,
    registerMigrate,
    registerReport,
    registerForget,
    registerMetabase,
  ])
    register(program, outcome);

  try {
    // Once, before any command reads its configuration: the environment wins over the file.
    applyEnvFile(process.env, process.cwd());
    await program.parseAsync([...argv]);
    return outcome.exitCode;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    if (err instanceof InsidersError) {
      process.stderr.write(`insiders: ${err.message}\n`);
      // 2: the same input and settings would fail again (fix them); 1: a service was unreachable
      // or failed, and running again may succeed (what a supervisor's restart is for).
      return err.retryable ? 1 : 2;
    }
    process.stderr.write(`insiders: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return 1;
  }
}
