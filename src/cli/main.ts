// The `insiders` command line: a thin entry point. Each sub-command lives in its own module under
// src/cli and registers itself on the program; this file only parses, runs and maps errors to
// exit codes (0 ok, 1 failure, 2 bad input or configuration).
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { applyEnvFile } from '../config.js';
import { InsidersError } from '../errors.js';
import type { CommandOutcome } from './outcome.js';

type Register = (program: Command, outcome: CommandOutcome) => void;

/**
 * Each sub-command's module, loaded only when needed: a command's module brings its clients
 * (kafkajs, ioredis, ClickHouse, the report's charts), and loading all of them took about 1.5 s of
 * CPU before `insiders segment` read its first byte. Listed in the order of the help text.
 */
const commands: Readonly<Record<string, () => Promise<Register>>> = {
  smoke: async () => (await import('./smoke.js')).registerSmoke,
  replay: async () => (await import('./replay.js')).registerReplay,
  consume: async () => (await import('./consume.js')).registerConsume,
  features: async () => (await import('./features.js')).registerFeatures,
  segment: async () => (await import('./segment.js')).registerSegment,
  run: async () => (await import('./run.js')).registerRun,
  refit: async () => (await import('./refit.js')).registerRefit,
  migrate: async () => (await import('./migrate.js')).registerMigrate,
  report: async () => (await import('./report.js')).registerReport,
  forget: async () => (await import('./forget.js')).registerForget,
  metabase: async () => (await import('./metabase.js')).registerMetabase,
};

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
  // The command named first on the line alone; every command for anything else (help, version,
  // an unknown command), so that commander answers as it always did.
  const first = argv[2];
  const named = first !== undefined && Object.hasOwn(commands, first) ? commands[first] : undefined;
  for (const load of named === undefined ? Object.values(commands) : [named]) (await load())(program, outcome);

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
