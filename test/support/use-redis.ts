// A Redis connection for a test file of the state's own (the stack's Redis, or its Redis Cluster
// in that lane: testRedisSettings), with a config whose key prefix is the file's alone; the keys
// under the prefix are removed and the connection closed after the file's tests.
import { afterAll, beforeAll } from 'vitest';
import type { Config } from '../../src/config.js';
import { createRedisClient, type RedisClient } from '../../src/infra/redis.js';
import { unlinkPrefix } from './cleanup.js';
import { integrationConfig } from './integration.js';

export interface StateRedis {
  readonly config: Config;
  /** the connection, opened in beforeAll; throws before then */
  readonly redis: () => RedisClient;
}

export function useRedis(overrides: Record<string, string> = {}): StateRedis {
  const config = integrationConfig(overrides);
  let client: RedisClient | undefined;
  beforeAll(async () => {
    client = createRedisClient(config.redis);
    await client.connect();
  });
  afterAll(async () => {
    if (client === undefined) return;
    await unlinkPrefix(client, config.redis.keyPrefix);
    await client.quit();
  });
  return {
    config,
    redis: () => {
      if (client === undefined) throw new Error('useRedis(): the connection opens in beforeAll, not before');
      return client;
    },
  };
}
