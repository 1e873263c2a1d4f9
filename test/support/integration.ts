// Configuration for one integration test file: the stack found by global-setup.ts, with a Redis
// key prefix and a ClickHouse database of the test's own (and, for a whole pipeline, Kafka topics
// and a consumer group of its own too).
import type { Admin, Kafka } from 'kafkajs';
import { inject } from 'vitest';
import { loadConfig, type Config } from '../../src/config.js';
import { createKafka } from '../../src/infra/kafka.js';
import { createRedisClient, type RedisClient } from '../../src/infra/redis.js';
import { silentLogger } from '../../src/log.js';
import { uniqueName } from './names.js';
import { howToStartTheCluster, redisClusterNodes } from './stack-env.js';

/**
 * Where the state goes: the stack's single Redis, or — in the `integration-cluster` lane, which
 * sets INSIDERS_TEST_REDIS=cluster — its Redis Cluster. A lane that asks for the cluster and finds
 * none fails with instructions.
 */
export function testRedisSettings(): Record<string, string> {
  if (process.env.INSIDERS_TEST_REDIS !== 'cluster') return {};
  const nodes = redisClusterNodes();
  if (nodes === undefined) throw new Error(howToStartTheCluster);
  // An empty value counts as unset: the stack's REDIS_URL would exclude the cluster.
  return { REDIS_URL: '', REDIS_CLUSTER_NODES: nodes };
}

/**
 * What a killed process leaves behind lasts less than in production, so that the tests that kill
 * and restart the service do not wait out the defaults: its consumers' partitions stay taken for
 * 10 s rather than 30 s, its leases for 20 s rather than 60 s (still above a refit's fit on the
 * test data sets on a loaded machine, so a live holder never loses one).
 */
const shortTimeouts = { KAFKA_SESSION_TIMEOUT_MS: '10000', LEASE_TTL_MS: '20000' };

export function integrationConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({
    ...inject('stackEnv'),
    ...testRedisSettings(),
    ...shortTimeouts,
    REDIS_KEY_PREFIX: uniqueName('t'),
    CLICKHOUSE_DATABASE: uniqueName('t'),
    LOG_LEVEL: 'silent',
    ...overrides,
  });
}

/** Refit, sweep and due-check schedules an hour off: the test asks for refits and sweeps itself. */
export const modelDrivenByTest = {
  REFIT_INTERVAL_MS: '3600000',
  SWEEP_INTERVAL_MS: '3600000',
  DUE_CHECK_INTERVAL_MS: '3600000',
} as const;

/** A pipeline's settings for a test of the model: `partitions` orders partitions, `k` segments, refits and sweeps asked for by the test. */
export function modelDriven(partitions: number, k: number): Record<string, string> {
  return { ORDERS_PARTITIONS: String(partitions), MODEL_K: String(k), ...modelDrivenByTest };
}

/**
 * integrationConfig plus an orders topic, its dead-letter and change topics and a consumer group of
 * the test's own: everything a test of the whole pipeline writes to. removePipeline() removes it.
 */
export function pipelineConfig(overrides: Record<string, string> = {}): Config {
  const topic = uniqueName('orders');
  return integrationConfig({
    ORDERS_TOPIC: topic,
    DEAD_LETTER_TOPIC: `${topic}.dlq`,
    SEGMENT_CHANGES_TOPIC: `${topic}.changes`,
    CONSUMER_GROUP: uniqueName('state'),
    ...overrides,
  });
}

/** A Kafka client, its admin and a Redis client for `config`, connected; the caller disconnects them. */
export async function connectClients(config: Config): Promise<{ kafka: Kafka; admin: Admin; redis: RedisClient }> {
  const kafka = createKafka(config.kafka, silentLogger);
  const admin = kafka.admin();
  await admin.connect();
  const redis = createRedisClient(config.redis);
  await redis.connect();
  return { kafka, admin, redis };
}
