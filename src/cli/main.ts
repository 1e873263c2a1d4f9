// The `insiders` command line: a thin entry point that parses arguments, loads the configuration
// and hands over to one command module per sub-command.
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { loadConfig } from '../config.js';
import { InsidersError } from '../errors.js';
import { createLogger } from '../log.js';
import { runSmoke } from './smoke.js';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

export async function main(argv: readonly string[]): Promise<number> {
  const program = new Command()
    .name('insiders')
    .description('Streaming customer segmentation: who the Insiders are, kept current from order events.')
    .version(version)
    .exitOverride();

  let exitCode = 0;
  program
    .command('smoke')
    .description('round-trip one message through Kafka, a Lua script through Redis and a table through ClickHouse')
    .action(async () => {
      const config = loadConfig(process.env);
      exitCode = await runSmoke(config, createLogger(config.log), process.stdout);
    });

  try {
    await program.parseAsync([...argv]);
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    if (err instanceof InsidersError) {
      process.stderr.write(`insiders: ${err.message}\n`);
      return 2;
    }
    process.stderr.write(`insiders: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return 1;
  }
}
