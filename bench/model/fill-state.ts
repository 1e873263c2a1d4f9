// Fills a StateStore with the synthetic customers of bench/ingest/synthetic-data.ts through the
// state script, as the consumer would (the business rules applied, 2,000 events a batch, the
// watermark advanced): what the model benchmarks place and read. Not measured itself. Also the
// Redis, state and change topic such a benchmark opens and removes again.
import type { Redis } from 'ioredis';
import type { Producer } from 'kafkajs';
import type { Config } from '../../src/config.js';
import { acceptEvent, EARLIEST_EVENT_MS, MAX_FUTURE_MS } from '../../src/events/decode.js';
import { classify, defaultRules } from '../../src/features/filters.js';
import { createKafka, createProducer } from '../../src/infra/kafka.js';
import { createRedis } from '../../src/infra/redis.js';
import { silentLogger } from '../../src/log.js';
import { StateStore, storeOptions, type StateChange } from '../../src/state/state-store.js';
import { note, unlinkPrefix } from '../ingest/lib.js';
import { SyntheticOrders } from '../ingest/synthetic-data.js';

/** What withBenchState opens: Redis, the state in it, and a producer for the change topic. */
export interface BenchState {
  readonly redis: Redis;
  readonly store: StateStore;
  readonly producer: Producer;
}

/**
 * Opens Redis and the state under `config`'s key prefix, creates the change topic `topic` (three
 * partitions) with a producer, and runs `bench` on them; afterwards removes the prefix's keys and
 * the topic and closes the connections, whether `bench` threw or not.
 */
export async function withBenchState(
  config: Config,
  topic: string,
  bench: (state: BenchState) => Promise<void>,
): Promise<void> {
  const redis = createRedis(config.redis);
  await redis.connect();
  const kafka = createKafka(config.kafka, silentLogger);
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 3 }] });
  const producer = createProducer(kafka);
  await producer.connect();
  try {
    await bench({ redis, store: await StateStore.open(redis, storeOptions(config)), producer });
  } finally {
    note(`removed ${await unlinkPrefix(redis, config.redis.keyPrefix)} keys`);
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await producer.disconnect();
    await admin.disconnect();
    await redis.quit();
  }
}

export async function fillSyntheticState(
  store: StateStore,
  config: Pick<Config, 'events'>,
  customers: number,
  ordersPerCustomer: number,
): Promise<void> {
  const data = new SyntheticOrders({ customers, orders: customers * ordersPerCustomer, seed: 7 });
  const decodeOptions = {
    currency: config.events.currency,
    earliestMs: EARLIEST_EVENT_MS,
    maxFutureMs: MAX_FUTURE_MS,
    wallClockMs: Date.now(),
  };
  let batch: StateChange[] = [];
  let latest = 0;
  for (const input of data.events()) {
    const decoded = acceptEvent(input, decodeOptions);
    if (!decoded.ok) continue;
    const c = classify(decoded.event, defaultRules);
    latest = Math.max(latest, decoded.event.occurredAtMs);
    if (c.kind === 'customer') batch.push({ event: decoded.event, customerId: c.customerId, lines: c.lines });
    if (batch.length >= 2000) {
      await store.applyBatch(batch, latest);
      batch = [];
    }
  }
  await store.applyBatch(batch, latest);
}
