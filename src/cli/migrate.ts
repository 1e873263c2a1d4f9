// `insiders migrate`: brings the configured ClickHouse database (CLICKHOUSE_DATABASE) to the latest
// schema and the Redis state under REDIS_KEY_PREFIX to the layout this version reads, and prints
// what it did. Safe to run any number of times; the Redis part wants the service stopped.
import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import { loadConfig, type Config } from '../config.js';
import { createClickHouse } from '../infra/clickhouse.js';
import { createRedisClient } from '../infra/redis.js';
import { migrateStateLayout } from '../state/layout-migration.js';
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
  } finally {
    await client.close();
  }
  const redis = createRedisClient(config.redis);
  try {
    await redis.connect();
    const state = await migrateStateLayout(redis, config.redis.keyPrefix);
    const where = `Redis state under prefix "${config.redis.keyPrefix}"`;
    if (state.kind === 'no-state') out.write(`${where}: none yet\n`);
    else if (state.kind === 'up-to-date') out.write(`${where} is up to date (layout ${state.layout})\n`);
    else if (state.kind === 'migrated') {
      out.write(`${where}: layout ${state.from} -> ${state.to}, ${state.changes} unpublished changes moved\n`);
    } else {
      out.write(
        `${where} has layout ${state.layout}, which no migration carries: rebuild it by replay (docs/operations.md: "State layout")\n`,
      );
      return 1;
    }
    return 0;
  } finally {
    redis.disconnect();
  }
}

export function registerMigrate(program: Command, outcome: CommandOutcome): void {
  program
    .command('migrate')
    .description('create or update the ClickHouse tables and views, and carry the Redis state to the current layout')
    .action(async () => {
      outcome.exitCode = await runMigrate(loadConfig(process.env), process.stdout);
    });
}
