// Steps the pipeline tests share: publishing the bundled data set to a topic with the CLI, and
// waiting until a consumer group has caught up with it.
import { expect } from 'vitest';
import type { Admin } from 'kafkajs';
import type { Config } from '../../src/config.js';
import { consumerLag } from '../../src/consumers/lag.js';
import { OrderConsumer, type ConsumerTotals } from '../../src/consumers/order-consumer.js';
import { defaultRules } from '../../src/features/filters.js';
import { createKafka } from '../../src/infra/kafka.js';
import { silentLogger } from '../../src/log.js';
import { StateStore, storeOptions } from '../../src/state/state-store.js';
import { exited, spawnCli } from './cli.js';
import { onlineRetailCsv } from './data-set.js';
import { redisState } from './service-process.js';
import { waitFor } from './wait.js';
import type { RedisClient } from '../../src/infra/redis.js';

/** `insiders replay` of the bundled data set (its first `limit` events) to `config`'s orders topic. */
export async function replayDataSet(config: Config, options: { limit?: number; topic?: string } = {}): Promise<void> {
  const args = ['replay', onlineRetailCsv, '--topic', options.topic ?? config.kafka.ordersTopic];
  if (options.limit !== undefined) args.push('--limit', String(options.limit));
  const child = spawnCli(args, {
    KAFKA_BROKERS: config.kafka.brokers.join(','),
    ORDERS_PARTITIONS: String(config.kafka.ordersPartitions),
    LOG_LEVEL: 'warn',
  });
  expect(await exited(child), child.output()).toBe(0);
}

/** Waits until `config`'s consumer group has no lag left on its orders topic. */
export async function caughtUp(admin: Admin, config: Config, timeoutMs = 180_000): Promise<void> {
  await waitFor(async () => (await consumerLag(admin, config.kafka.consumerGroup, config.kafka.ordersTopic)) === 0, {
    timeoutMs,
    intervalMs: 250,
    what: 'the consumer to catch up',
  });
}

/**
 * The reference a fault test compares against: one OrderConsumer, in this process, consumes
 * `config`'s orders topic into `redis` until it has caught up, undisturbed. Returns the state it
 * left (redisState) and its totals.
 */
export async function cleanPass(
  admin: Admin,
  redis: RedisClient,
  config: Config,
): Promise<{ state: Map<string, string>; totals: ConsumerTotals }> {
  const store = await StateStore.open(redis, storeOptions(config));
  const consumer = new OrderConsumer({
    kafka: createKafka(config.kafka, silentLogger),
    store,
    config,
    rules: defaultRules,
    logger: silentLogger,
  });
  await consumer.start();
  await caughtUp(admin, config);
  await consumer.close();
  return { state: await redisState(redis, config), totals: consumer.totals };
}
