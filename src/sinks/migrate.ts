// The ClickHouse schema as ordered migrations: src/sinks/migrations/NNN_name.sql, numbered from 001
// without gaps, applied in order and recorded in `schema_migrations`, so running migrate again
// applies nothing. Every statement is itself idempotent (IF NOT EXISTS; an ADD COLUMN of one column
// whose column exists counts as done, since 18.16 has no ADD COLUMN IF NOT EXISTS): a run stopped
// between a migration's statements and its record is completed by the next run, and two instances
// starting at once do no harm (both records collapse into one row).
//
// Statements name their objects `{database}.<name>`, which migrate replaces by the target database:
// views store fully qualified names, so they read the right tables whatever database a client of
// the dashboard has selected.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClickHouseClient } from '@clickhouse/client';
import { clickhouseErrorCode, InsidersError } from '../errors.js';
import { clickhouseDateTime } from './schema.js';

/** src/sinks/migrations, reached the same way from src/sinks (tests) and dist/sinks (the built CLI). */
export const migrationsDir = fileURLToPath(new URL('../../src/sinks/migrations/', import.meta.url));

export const MIGRATIONS_TABLE = 'schema_migrations';

const fileName = /^(\d{3})_([a-z0-9_]+)\.sql$/;
const addColumn = /^ALTER TABLE \S+ ADD COLUMN [a-z_]+ [^,]+$/;
/**
 * What an ADD COLUMN of an existing column is refused with: ILLEGAL_COLUMN (44) on 18.16,
 * DUPLICATE_COLUMN (15) on current releases.
 */
const COLUMN_EXISTS = new Set([44, 15]);
const identifier = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface Migration {
  readonly version: number;
  /** the file name without number and extension: `001_customer_segments.sql` -> customer_segments */
  readonly name: string;
  readonly file: string;
  /** with the `{database}` placeholder, comments removed */
  readonly statements: readonly string[];
}

/**
 * Splits a migration into statements: a `;` at the end of a line ends one. Whole-line `--`
 * comments are dropped, so a part that is only comments is no statement.
 */
export function splitStatements(sql: string): string[] {
  return sql
    .split(/;[ \t]*(?:\r?\n|$)/)
    .map((part) =>
      part
        .split(/\r?\n/)
        .filter((line) => !/^\s*--/.test(line))
        .join('\n')
        .trim(),
    )
    .filter((statement) => statement !== '');
}

/** Reads the migrations of `dir` in order; throws when a file is misnamed or the numbers have gaps. */
export async function loadMigrations(dir: string = migrationsDir): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  const migrations: Migration[] = [];
  for (const file of files) {
    const m = fileName.exec(file);
    if (m?.[1] === undefined || m[2] === undefined) {
      throw new InsidersError('CONFIG_INVALID', `migration ${file}: expected a name such as 001_customer_segments.sql`);
    }
    const version = Number(m[1]);
    const expected = migrations.length + 1;
    if (version !== expected) {
      throw new InsidersError('CONFIG_INVALID', `migration ${file}: expected number ${expected} (no gaps, no repeats)`);
    }
    const statements = splitStatements(await readFile(path.join(dir, file), 'utf8'));
    if (statements.length === 0) throw new InsidersError('CONFIG_INVALID', `migration ${file}: no statement`);
    migrations.push({ version, name: m[2], file, statements });
  }
  return migrations;
}

export interface MigrateResult {
  readonly database: string;
  /** migrations applied by this run, in order */
  readonly applied: readonly Migration[];
  /** migrations found already recorded */
  readonly alreadyApplied: number;
}

export interface MigrateOptions {
  /** the migrations to apply; those of src/sinks/migrations by default */
  readonly migrations?: readonly Migration[];
  /** the applied_at of the records, epoch ms (default: now) */
  readonly nowMs?: number;
}

function failure(what: string, err: unknown): InsidersError {
  const code = clickhouseErrorCode(err);
  const detail = err instanceof Error ? err.message : String(err);
  // No server code: the request did not get an answer (network, timeout), which a retry can fix.
  return new InsidersError('CLICKHOUSE_FAILED', `${what}: ${detail}`, { retryable: code === undefined, cause: err });
}

/**
 * Brings `database` to the latest schema: creates it if absent, then applies each migration not yet
 * recorded in its `schema_migrations`, in order, recording each after its last statement.
 *
 * `client` may have any current database that exists: ClickHouse refuses every request that names
 * a missing one, so where `database` may not exist yet pass a client on `default`
 * (`createClickHouse(config.clickhouse, 'default')`).
 */
export async function migrate(
  client: ClickHouseClient,
  database: string,
  options: MigrateOptions = {},
): Promise<MigrateResult> {
  if (!identifier.test(database)) {
    throw new InsidersError('CONFIG_INVALID', `database ${JSON.stringify(database)}: expected an identifier`);
  }
  const migrations = options.migrations ?? (await loadMigrations());
  const run = async (what: string, query: string) => {
    try {
      await client.command({ query });
    } catch (err) {
      if (addColumn.test(query) && COLUMN_EXISTS.has(clickhouseErrorCode(err) ?? -1)) return;
      throw failure(what, err);
    }
  };

  await run(`creating database ${database}`, `CREATE DATABASE IF NOT EXISTS ${database}`);
  await run(
    `creating ${database}.${MIGRATIONS_TABLE}`,
    `CREATE TABLE IF NOT EXISTS ${database}.${MIGRATIONS_TABLE}
     (version UInt32, name String, applied_at DateTime('UTC'))
     ENGINE = ReplacingMergeTree ORDER BY version`,
  );

  let recorded: Set<number>;
  try {
    const result = await client.query({
      query: `SELECT DISTINCT version FROM ${database}.${MIGRATIONS_TABLE}`,
      format: 'JSONEachRow',
    });
    recorded = new Set((await result.json<{ version: number }>()).map((r) => Number(r.version)));
  } catch (err) {
    throw failure(`reading ${database}.${MIGRATIONS_TABLE}`, err);
  }

  const applied: Migration[] = [];
  for (const migration of migrations) {
    if (recorded.has(migration.version)) continue;
    for (const [i, statement] of migration.statements.entries()) {
      await run(
        `migration ${migration.file}, statement ${i + 1} of ${migration.statements.length}`,
        statement.replaceAll('{database}', database),
      );
    }
    try {
      await client.insert({
        table: `${database}.${MIGRATIONS_TABLE}`,
        format: 'JSONEachRow',
        values: [
          {
            version: migration.version,
            name: migration.name,
            applied_at: clickhouseDateTime(options.nowMs ?? Date.now()),
          },
        ],
      });
    } catch (err) {
      throw failure(`recording migration ${migration.file}`, err);
    }
    applied.push(migration);
  }
  return { database, applied, alreadyApplied: migrations.length - applied.length };
}
