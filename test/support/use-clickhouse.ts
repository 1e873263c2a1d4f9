// Clients of the stack's ClickHouse for a test file with a database of its own (integrationConfig's
// unique one): one on the server's `default` database, one on the file's. After the file's tests
// the database is dropped and both clients closed. The database is not created here: creating it
// may be what a test checks.
import { afterAll, beforeAll } from 'vitest';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Config } from '../../src/config.js';
import { createClickHouse } from '../../src/infra/clickhouse.js';
import { integrationConfig } from './integration.js';

export interface ClickHouseDatabase {
  readonly config: Config;
  /** the file's database */
  readonly database: string;
  /** the client on `default`, opened in beforeAll; throws before then */
  readonly server: () => ClickHouseClient;
  /** the client on the file's database, opened in beforeAll; throws before then */
  readonly db: () => ClickHouseClient;
}

export function useClickHouse(): ClickHouseDatabase {
  const config = integrationConfig();
  const database = config.clickhouse.database;
  let server: ClickHouseClient | undefined;
  let db: ClickHouseClient | undefined;
  beforeAll(() => {
    server = createClickHouse(config.clickhouse, 'default');
    db = createClickHouse(config.clickhouse);
  });
  afterAll(async () => {
    await server?.command({ query: `DROP DATABASE IF EXISTS ${database}` });
    await db?.close();
    await server?.close();
  });
  const opened = (client: ClickHouseClient | undefined) => {
    if (client === undefined) throw new Error('useClickHouse(): the clients open in beforeAll, not before');
    return client;
  };
  return { config, database, server: () => opened(server), db: () => opened(db) };
}
