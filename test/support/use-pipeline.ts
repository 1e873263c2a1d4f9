// One integration test file's own pipeline, set up before its tests and removed after them: a
// config with topics (orders, dead letters, changes), a consumer group, a Redis key prefix and a
// ClickHouse database of its own (pipelineConfig), the state's keys (stateKeys) and connected Kafka,
// admin and Redis clients. Call it at the top of a describe block, before the block's own afterAll
// hooks: vitest runs those first (hooks unwind as a stack), so a service the test started is closed
// before its topics, keys and database go.
import { afterAll, beforeAll } from 'vitest';
import type { Admin, Kafka } from 'kafkajs';
import type { Config } from '../../src/config.js';
import type { RedisClient } from '../../src/infra/redis.js';
import type { StateKeys } from '../../src/state/keys.js';
import { removePipeline } from './cleanup.js';
import { connectClients, pipelineConfig } from './integration.js';
import { keysOf } from './state.js';

export interface Pipeline {
  readonly config: Config;
  readonly keys: StateKeys;
  /** the clients, from the file's beforeAll on */
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly redis: RedisClient;
}

/** A pipeline of the file's own (pipelineConfig with `overrides`), connected before and removed after its tests. */
export function usePipeline(overrides: Record<string, string> = {}): Pipeline {
  const config = pipelineConfig(overrides);
  let clients: { kafka: Kafka; admin: Admin; redis: RedisClient } | undefined;
  beforeAll(async () => {
    clients = await connectClients(config);
  });
  afterAll(async () => {
    if (clients === undefined) return;
    const { admin, redis } = clients;
    try {
      await removePipeline(config, redis, admin);
    } finally {
      await redis.quit();
      await admin.disconnect();
    }
  });
  const connected = (): { kafka: Kafka; admin: Admin; redis: RedisClient } => {
    if (clients === undefined) throw new Error('usePipeline(): its clients connect in beforeAll, not before');
    return clients;
  };
  return {
    config,
    keys: keysOf(config),
    get kafka() {
      return connected().kafka;
    },
    get admin() {
      return connected().admin;
    },
    get redis() {
      return connected().redis;
    },
  };
}
