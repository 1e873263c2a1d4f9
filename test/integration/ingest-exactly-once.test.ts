// Exactly-once state from at-least-once delivery: every event published twice, and the consumer
// process SIGKILLed mid-stream and restarted, must leave Redis exactly as one clean pass does.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin } from 'kafkajs';
import type { Config } from '../../src/config.js';
import { OrderConsumer } from '../../src/consumers/order-consumer.js';
import { defaultRules } from '../../src/features/filters.js';
import { createKafka } from '../../src/infra/kafka.js';
import { createRedisClient, type RedisClient } from '../../src/infra/redis.js';
import { silentLogger } from '../../src/log.js';
import { StateStore, storeOptions } from '../../src/state/state-store.js';
import { exited, spawnCli } from '../support/cli.js';
import { replayDataSet } from '../support/pipeline.js';
import { integrationConfig } from '../support/integration.js';
import { consumerLag } from '../../src/consumers/lag.js';
import { uniqueName } from '../support/names.js';
import { waitFor } from '../support/wait.js';
import { keysOf } from '../support/state.js';
import { redisEnv, redisState } from '../support/service-process.js';
import { unlinkPrefix } from '../support/cleanup.js';

const LIMIT = 12_000;

function pipelineConfig(): Config {
  const topic = uniqueName('orders');
  return integrationConfig({
    ORDERS_TOPIC: topic,
    DEAD_LETTER_TOPIC: `${topic}.dlq`,
    CONSUMER_GROUP: uniqueName('state'),
    ORDERS_PARTITIONS: '3',
  });
}

function cliEnv(config: Config): Record<string, string> {
  return {
    KAFKA_BROKERS: config.kafka.brokers.join(','),
    ...redisEnv(config),
    REDIS_KEY_PREFIX: config.redis.keyPrefix,
    ORDERS_TOPIC: config.kafka.ordersTopic,
    DEAD_LETTER_TOPIC: config.kafka.deadLetterTopic,
    CONSUMER_GROUP: config.kafka.consumerGroup,
    ORDERS_PARTITIONS: String(config.kafka.ordersPartitions),
    KAFKA_SESSION_TIMEOUT_MS: String(config.kafka.sessionTimeoutMs),
    LOG_LEVEL: 'warn',
  };
}

async function replay(config: Config): Promise<void> {
  await replayDataSet(config, { limit: LIMIT });
}

/** Every key of a prefix with its full content (hash fields sorted), keyed without the prefix. */
describe('ingest: duplicates and a killed consumer change nothing', () => {
  const clean = pipelineConfig();
  const faulty = pipelineConfig();
  let admin: Admin;
  let redis: RedisClient;

  beforeAll(async () => {
    admin = createKafka(clean.kafka, silentLogger).admin();
    await admin.connect();
    redis = createRedisClient(clean.redis);
    await redis.connect();
  });

  afterAll(async () => {
    for (const c of [clean, faulty]) {
      await unlinkPrefix(redis, c.redis.keyPrefix);
      await admin.deleteTopics({ topics: [c.kafka.ordersTopic, c.kafka.deadLetterTopic] }).catch(() => undefined);
    }
    await redis.quit();
    await admin.disconnect();
  });

  it('ends in the state of one clean pass', async () => {
    // One clean pass, in process.
    await replay(clean);
    const kafka = createKafka(clean.kafka, silentLogger);
    const store = await StateStore.open(redis, storeOptions(clean));
    const consumer = new OrderConsumer({ kafka, store, config: clean, rules: defaultRules, logger: silentLogger });
    await consumer.start();
    await waitFor(async () => (await consumerLag(admin, clean.kafka.consumerGroup, clean.kafka.ordersTopic)) === 0, {
      timeoutMs: 180_000,
      intervalMs: 250,
      what: 'the clean pass',
    });
    await consumer.close();
    const expected = await redisState(redis, clean);
    expect(expected.size).toBeGreaterThan(1000);

    // The same events twice, consumed by a process that is SIGKILLed part-way and restarted.
    await replay(faulty);
    await replay(faulty);
    const first = spawnCli(['consume'], cliEnv(faulty));
    await waitFor(async () => (await redis.exists(keysOf(faulty).watermark)) === 1, {
      timeoutMs: 60_000,
      intervalMs: 20,
      what: 'the first consumer to apply something',
    });
    first.kill('SIGKILL');
    expect(await exited(first)).toBe('SIGKILL');
    const lagAtKill = await consumerLag(admin, faulty.kafka.consumerGroup, faulty.kafka.ordersTopic);
    expect(lagAtKill).toBeGreaterThan(0); // it really died mid-stream

    const second = spawnCli(['consume'], cliEnv(faulty));
    await waitFor(async () => (await consumerLag(admin, faulty.kafka.consumerGroup, faulty.kafka.ordersTopic)) === 0, {
      timeoutMs: 180_000,
      intervalMs: 250,
      what: 'the restarted consumer to catch up',
    });
    second.kill('SIGTERM');
    expect(await exited(second), second.output()).toBe(0);

    const actual = await redisState(redis, faulty);
    expect(actual.size).toBe(expected.size);
    const differing = [...expected.keys()].filter((k) => actual.get(k) !== expected.get(k));
    expect(differing.slice(0, 10)).toEqual([]);
  }, 300_000);
});
