// One integration test file's own pipeline, set up before its tests and removed after them: a
// config with topics (orders, dead letters, changes), a consumer group, a Redis key prefix and a
// ClickHouse database of its own (pipelineConfig), the state's keys (stateKeys), connected Kafka,
// admin and Redis clients, and the services and topic readers the tests start through it. After the
// tests: readers and services stopped, then topics, keys and database removed, then the clients
// closed. Call it at the top of a describe block, before the block's own afterAll hooks: vitest runs
// those first (hooks unwind as a stack), so whatever else a test started is stopped before that.
// A pipeline on a server of the file's own takes its overrides as a function, called in beforeAll
// once the server (useServer, called before) runs.
import { afterAll, beforeAll } from 'vitest';
import type { Admin, Consumer, Kafka, KafkaMessage } from 'kafkajs';
import type { Config } from '../../src/config.js';
import type { RedisClient } from '../../src/infra/redis.js';
import { silentLogger } from '../../src/log.js';
import { startService, type Service } from '../../src/service/service.js';
import type { StateKeys } from '../../src/state/keys.js';
import { removePipeline } from './cleanup.js';
import { connectClients, pipelineConfig } from './integration.js';
import { caughtUp, readTopic, replayDataSet } from './pipeline.js';
import { keysOf } from './state.js';

export interface Pipeline {
  readonly config: Config;
  readonly keys: StateKeys;
  /** the clients, from the file's beforeAll on */
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly redis: RedisClient;
  /** `insiders run` in this process on the pipeline's config (startService); stopped after the tests */
  startService(): Promise<Service>;
  /**
   * The data set's first `limit` events (all of them without a limit) replayed onto the orders
   * topic, then startService, resolving once the service has consumed them (caughtUp).
   */
  startOnDataSet(limit?: number): Promise<Service>;
  /** waits until the pipeline's consumer group has consumed its orders topic to the end */
  caughtUp(): Promise<void>;
  /** reads `topic` from its beginning (readTopic); the reader stops after the tests */
  readTopic(topic: string, onMessage: (message: KafkaMessage, partition: number) => void): Promise<Consumer>;
}

/**
 * A pipeline of the file's own (pipelineConfig with `overrides`), connected before and removed after
 * its tests. With overrides given as a function, its config exists from the file's beforeAll on.
 */
export function usePipeline(overrides: Record<string, string> | (() => Record<string, string>) = {}): Pipeline {
  let made: Config | undefined = typeof overrides === 'function' ? undefined : pipelineConfig(overrides);
  let clients: { kafka: Kafka; admin: Admin; redis: RedisClient } | undefined;
  const services: Service[] = [];
  const readers: Consumer[] = [];
  beforeAll(async () => {
    made ??= pipelineConfig(typeof overrides === 'function' ? overrides() : overrides);
    clients = await connectClients(made);
  });
  const configured = (): Config => {
    if (made === undefined) throw new Error('usePipeline(): a config from a function exists from beforeAll on');
    return made;
  };
  afterAll(async () => {
    for (const reader of readers) await reader.disconnect();
    for (const service of services) await service.close();
    if (clients === undefined) return;
    const config = configured();
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
  const startOwnService = async (): Promise<Service> => {
    const service = await startService(configured(), silentLogger);
    services.push(service);
    return service;
  };
  return {
    get config() {
      return configured();
    },
    get keys() {
      return keysOf(configured());
    },
    get kafka() {
      return connected().kafka;
    },
    get admin() {
      return connected().admin;
    },
    get redis() {
      return connected().redis;
    },
    startService: startOwnService,
    startOnDataSet: async (limit) => {
      await replayDataSet(configured(), limit === undefined ? {} : { limit });
      const service = await startOwnService();
      await caughtUp(connected().admin, configured());
      return service;
    },
    caughtUp: () => caughtUp(connected().admin, configured()),
    readTopic: async (topic, onMessage) => {
      const reader = await readTopic(connected().kafka, topic, onMessage);
      readers.push(reader);
      return reader;
    },
  };
}
