// ClickHouse 26.7 in the test process: the `chdb` package's engine behind @clickhouse/client, for
// the clickhouse-26.7 lane (see vitest.config.ts). A real engine with its own storage, not a
// stand-in: the statements, formats and settings are those of a current server.
//
// chDB binds one engine and one data folder per process, so every client of a test file shares
// the folder made here (a fresh one per file's process, removed after the file). The client's `database`
// option does not reach the engine; each statement runs after a `USE` of the client's database
// instead, in the same call, so two clients of one process never see each other's choice.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createClient, type ClickHouseClient, type ClickHouseSettings } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';

/**
 * The client's connection contract. chdb declares it with @clickhouse/client-common's types, of
 * which @clickhouse/client bundles its own copy: the same contract, separate declarations.
 */
type Connection = NonNullable<NonNullable<Parameters<typeof createClient>[0]>['connection']>;

let dataFolder: string | undefined;

function processDataFolder(): string {
  dataFolder ??= mkdtempSync(path.join(tmpdir(), 'insiders-chdb-'));
  return dataFolder;
}

/** Removes the engine's data folder of this process (the lane's setup file does, after each file). */
export function removeDataFolder(): void {
  if (dataFolder !== undefined) rmSync(dataFolder, { recursive: true, force: true });
  dataFolder = undefined;
}

/** The connection's statements, each run in `database`. */
function inDatabase(connection: Connection, database: string): Connection {
  const use = <P extends { query: string }>(params: P): P => ({ ...params, query: `USE ${database}; ${params.query}` });
  return {
    query: (params) => connection.query(use(params)),
    command: (params) => connection.command(use(params)),
    exec: (params) => connection.exec(use(params)),
    insert: (params) => connection.insert(use(params)),
    ping: (params) => connection.ping(params),
    close: () => connection.close(),
  };
}

/** A client of the in-process 26.7 engine whose statements run in `database`, with `settings`. */
export function chdbClient(database: string, settings: ClickHouseSettings): ClickHouseClient {
  return createClient({
    connection: inDatabase(createChdbConnection({ path: processDataFolder() }) as unknown as Connection, database),
    clickhouse_settings: settings,
  });
}
