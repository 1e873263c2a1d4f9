// `insiders migrate`: brings the configured ClickHouse database (CLICKHOUSE_DATABASE) to the latest
// schema and prints each migration it applied. Safe to run any number of times.
import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import { loadConfig, type Config } from '../config.js';
import { createClickHouse } from '../infra/clickhouse.js';
import { migrate } from '../sinks/migrate.js';
import type { CommandOutcome } from './outcome.js';

export async function runMigrate(config: Config, out: Writable): Promise<number> {
  // On `default`: the target database may not exist yet, and a client naming it would be refused.
  const client = createClickHouse(config.clickhouse, 'default');
  try {
    const result = await migrate(client, config.clickhouse.database);
    for (const m of result.applied) out.write(`applied  ${m.file}\n`);
    const total = result.applied.length + result.alreadyApplied;
    out.write(
      result.applied.length === 0
        ? `database ${result.database} is up to date (${total} migrations)\n`
        : `database ${result.database}: applied ${result.applied.length} of ${total} migrations\n`,
    );
    return 0;
  } finally {
    await client.close();
  }
}

export function registerMigrate(program: Command, outcome: CommandOutcome): void {
  program
    .command('migrate')
    .description('create or update the ClickHouse tables and views in CLICKHOUSE_DATABASE')
    .action(async () => {
      outcome.exitCode = await runMigrate(loadConfig(process.env), process.stdout);
    });
}
