// Setup file of the clickhouse-26.7 lane: every createClickHouse() of the test and of the code it
// calls returns a client of the in-process ClickHouse 26.7 engine (chdb-engine.ts).
import { afterAll, vi } from 'vitest';
import type * as clickhouse from '../../src/infra/clickhouse.js';
import { removeDataFolder } from './chdb-engine.js';

vi.mock('../../src/infra/clickhouse.js', async (importOriginal) => {
  const original = await importOriginal<typeof clickhouse>();
  const { chdbClient } = await import('./chdb-engine.js');
  // the production settings, as createClickHouse() sends them
  const createClickHouse: typeof original.createClickHouse = (config, database = config.database) =>
    chdbClient(database, original.clickhouseSettings);
  return { ...original, createClickHouse };
});

// after the file's own afterAll hooks (they close its clients): hooks run in stack order
afterAll(removeDataFolder);
