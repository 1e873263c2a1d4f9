// Configuration for one integration test file: the stack found by global-setup.ts, with a Redis
// key prefix and a ClickHouse database of the test's own.
import { inject } from 'vitest';
import { loadConfig, type Config } from '../../src/config.js';
import { uniqueName } from './names.js';

export function integrationConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({
    ...inject('stackEnv'),
    REDIS_KEY_PREFIX: uniqueName('t'),
    CLICKHOUSE_DATABASE: uniqueName('t'),
    LOG_LEVEL: 'silent',
    ...overrides,
  });
}
