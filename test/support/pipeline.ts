// Steps the pipeline tests share: publishing the bundled data set to a topic, and
// waiting until a consumer group has caught up with it.
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { expect, inject } from 'vitest';
import type { Admin, Consumer, Kafka, KafkaMessage } from 'kafkajs';
import type { Config } from '../../src/config.js';
import { consumerLag } from '../../src/consumers/lag.js';
import { OrderConsumer, type ConsumerTotals } from '../../src/consumers/order-consumer.js';
import { defaultRules } from '../../src/features/filters.js';
import { createKafka, createProducer, ensureTopics } from '../../src/infra/kafka.js';
import type { CheckoutEvent, OrderEvent } from '../../src/events/schema.js';
import { publishEvents } from '../../src/replay/publish.js';
import { silentLogger } from '../../src/log.js';
import { StateStore, storeOptions } from '../../src/state/state-store.js';
import { uniqueName } from './names.js';
import { redisState } from './service-process.js';
import { waitFor } from './wait.js';
import type { RedisClient } from '../../src/infra/redis.js';

/** The data set's events in replay order, read once per test process from data-set-setup.ts's file. */
let dataSetEvents: Promise<CheckoutEvent[]> | undefined;

function eventsOfDataSet(): Promise<CheckoutEvent[]> {
  dataSetEvents ??= readFile(inject('dataSetEvents'), 'utf8').then((text) =>
    text
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as CheckoutEvent),
  );
  return dataSetEvents;
}

/**
 * The bundled data set (its first `limit` events) on `config`'s orders topic, as `insiders replay`
 * publishes it: the topic created with ORDERS_PARTITIONS when missing, the same messages and
 * batches (publishEvents). The CSV itself is read once per run (data-set-setup.ts); replay.test.ts
 * holds the command to account.
 */
export async function replayDataSet(
  config: Config,
  options: { limit?: number; topic?: string; from?: number } = {},
): Promise<void> {
  const topic = options.topic ?? config.kafka.ordersTopic;
  const all = await eventsOfDataSet();
  // events [from, limit) of the data set
  const events = all.slice(options.from ?? 0, options.limit ?? all.length);
  const kafka = createKafka(config.kafka, silentLogger);
  const admin = kafka.admin();
  await admin.connect();
  try {
    await ensureTopics(admin, [{ topic, numPartitions: config.kafka.ordersPartitions }]);
  } finally {
    await admin.disconnect();
  }
  const producer = createProducer(kafka);
  await producer.connect();
  try {
    const published = await publishEvents(Readable.from(events) as AsyncIterable<CheckoutEvent>, producer, { topic });
    expect(published).toBe(events.length);
  } finally {
    await producer.disconnect();
  }
}

/**
 * One order of `quantity` units of the data set's most sold product (85123A at 2.55 GBP), from the
 * United Kingdom, published on `topic` keyed by its customer as a checkout sends it: an event a
 * test places at a time of its choosing, after or instead of the data set.
 */
export async function publishOrder(
  kafka: Kafka,
  topic: string,
  order: { orderId: string; customerId: string; occurredAt: string; quantity: number },
): Promise<void> {
  const event: OrderEvent = {
    schemaVersion: 1,
    type: 'order',
    orderId: order.orderId,
    customerId: order.customerId,
    occurredAt: order.occurredAt,
    currency: 'GBP',
    country: 'United Kingdom',
    lines: [{ sku: '85123A', quantity: order.quantity, unitPrice: '2.55' }],
  };
  const producer = createProducer(kafka);
  await producer.connect();
  try {
    await producer.send({ topic, messages: [{ key: order.customerId, value: JSON.stringify(event) }] });
  } finally {
    await producer.disconnect();
  }
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

/**
 * Reads `topic` from its beginning in a consumer group of its own, handing every message to
 * `onMessage`; the caller disconnects the consumer it returns.
 */
export async function readTopic(
  kafka: Kafka,
  topic: string,
  onMessage: (message: KafkaMessage, partition: number) => void,
): Promise<Consumer> {
  const consumer = kafka.consumer({ groupId: uniqueName('topic-reader') });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: ({ partition, message }) => {
      onMessage(message, partition);
      return Promise.resolve();
    },
  });
  return consumer;
}
