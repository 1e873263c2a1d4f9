// The whole data set through the real pipeline — CSV replayer -> Kafka -> consumer -> Redis — and
// every customer's features compared with an independent batch computation over the same CSV.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrderConsumer } from '../../src/consumers/order-consumer.js';
import { defaultRules } from '../../src/features/filters.js';
import { featuresAt } from '../../src/features/features.js';
import { silentLogger } from '../../src/log.js';
import { StateStore, storeOptions } from '../../src/state/state-store.js';
import { onlineRetailCsv } from '../support/data-set.js';
import { caughtUp, replayDataSet } from '../support/pipeline.js';
import { usePipeline } from '../support/use-pipeline.js';
import { referenceFeatures, type ReferenceFeatures } from '../support/reference-features.js';

const dataSet = onlineRetailCsv;

describe('ingest: the full Online Retail data set through Kafka into Redis', () => {
  const pipeline = usePipeline({ ORDERS_PARTITIONS: '3' });
  const { config } = pipeline;
  let consumer: OrderConsumer;
  let store: StateStore;

  beforeAll(async () => {
    store = await StateStore.open(pipeline.redis, storeOptions(config));
    consumer = new OrderConsumer({ kafka: pipeline.kafka, store, config, rules: defaultRules, logger: silentLogger });
  });

  afterAll(async () => {
    await consumer.close();
  });

  it('gives every customer the features of an independent batch computation, to the penny', async () => {
    await replayDataSet(config);

    await consumer.start();
    await caughtUp(pipeline.admin, config, 240_000);
    expect(consumer.totals.deadLettered).toBe(0);

    const reference = await referenceFeatures(dataSet, config.state.windowDays);
    const nowMs = await store.watermarkMs();
    expect(nowMs).toBe(reference.nowMs);

    const streamed = new Map<string, ReferenceFeatures>();
    // as the placement passes read customers (read-placement.lua), not their whole hashes
    for await (const page of store.customers(nowMs!)) {
      for (const state of page) {
        const f = featuresAt(state, nowMs!, config.state.windowDays);
        streamed.set(f.customerId, {
          customerId: f.customerId,
          recencyDays: f.recencyDays,
          orders: f.orders,
          frequency: f.frequency,
          grossRevenuePence: f.grossRevenueMills / 10,
          items: f.items,
          products: f.products,
          returns: f.returns,
          returnEvents: f.returnEvents,
          returnedPence: f.returnedMills / 10,
          lifetimeOrders: f.lifetimeOrders,
          lifetimeRevenuePence: f.lifetimeRevenueMills / 10,
        });
      }
    }
    expect(streamed.size).toBe(reference.customers.size);
    expect(streamed.size).toBeGreaterThan(4000);
    const mismatches: string[] = [];
    for (const [id, want] of reference.customers) {
      const got = streamed.get(id);
      if (!got) {
        mismatches.push(`${id}: missing`);
        continue;
      }
      for (const key of Object.keys(want) as (keyof ReferenceFeatures)[]) {
        const a = got[key];
        const b = want[key];
        const same = key === 'frequency' ? Math.abs((a as number) - (b as number)) < 1e-12 : a === b;
        if (!same) mismatches.push(`${id}.${key}: streamed ${String(a)}, batch ${String(b)}`);
      }
    }
    expect(mismatches.slice(0, 20)).toEqual([]);

    // Totals over all customers, as a second look at the same numbers.
    let revenuePence = 0;
    for (const f of streamed.values()) revenuePence += f.grossRevenuePence;
    let referencePence = 0;
    for (const f of reference.customers.values()) referencePence += f.grossRevenuePence;
    expect(revenuePence).toBe(referencePence);
  });
});
