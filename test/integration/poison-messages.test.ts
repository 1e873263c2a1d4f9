// Poison messages between valid events, on several partitions, through the real Kafka and Redis:
// a type nested 10,000 levels deep and a bad message with a header named __proto__ or constructor
// (each of which stopped the consumer before), invalid UTF-8, a number a float parser rounds and
// an event id re-sent with other content. Each poison is dead-lettered once with its reason; every
// valid event before it, after it and on the other partitions is applied; a consumer started again
// on the same group changes nothing. A consumer whose script fails deterministically fails for good
// with the cause, instead of retrying for ever.
import type { IHeaders, Message } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrderConsumer } from '../../src/consumers/order-consumer.js';
import { ConsumerFailedError } from '../../src/errors.js';
import { defaultRules } from '../../src/features/filters.js';
import { createProducer } from '../../src/infra/kafka.js';
import { silentLogger } from '../../src/log.js';
import { StateStore } from '../../src/state/state-store.js';
import { usePipeline, type Pipeline } from '../support/use-pipeline.js';
import { waitFor } from '../support/wait.js';

const PARTITIONS = 3;

const order = (n: number, customerId: string, quantity = 1) => ({
  schemaVersion: 1,
  type: 'order',
  eventId: `order:${n}`,
  orderId: `${n}`,
  customerId,
  occurredAt: new Date(Date.UTC(2011, 5, 1) + n * 60_000).toISOString(),
  currency: 'GBP',
  country: 'United Kingdom',
  lines: [{ sku: '85123A', quantity, unitPrice: '2.55' }],
});

/** Headers with one named `name`, as data (a literal would set the prototype instead). */
const headerNamed = (name: string): IHeaders =>
  Object.fromEntries([
    [name, 'x'],
    ['content-type', 'application/json'],
  ]);

/** The poison messages, each with the reason it must be dead-lettered for; `customer` is its partition's. */
function poisons(customer: string, n: number): { reason: string; message: Message }[] {
  const valid = JSON.stringify(order(n, customer));
  const [before, after] = valid.split('85123A');
  return [
    {
      reason: 'unknown_type',
      message: { value: `{"type":${'['.repeat(10_000)}${']'.repeat(10_000)},"schemaVersion":1}` },
    },
    { reason: 'bad_json', message: { value: '{"type":"order"', headers: headerNamed('__proto__') } },
    { reason: 'bad_json', message: { value: '{"type":"order"', headers: headerNamed('constructor') } },
    {
      reason: 'bad_json',
      message: { value: Buffer.concat([Buffer.from(`${before}85123A`), Buffer.from([0xff]), Buffer.from(after!)]) },
    },
    { reason: 'schema', message: { value: valid.replace('"unitPrice":"2.55"', '"unitPrice":2.5500000000000000001') } },
    // the id of the partition's first valid event, with other content
    { reason: 'conflict', message: { value: JSON.stringify(order(0, customer, 99)) } },
    // an event of a customer whose state in Redis is corrupt (not a hash): Redis refuses it alone
    {
      reason: 'internal',
      message: { key: `${customer}-corrupt`, value: JSON.stringify(order(n, `${customer}-corrupt`)) },
    },
  ];
}

describe('poison messages between valid events on several partitions', () => {
  const pipeline = usePipeline({ ORDERS_PARTITIONS: String(PARTITIONS) });
  // the second test's consumer, whose script fails, on a pipeline of its own
  const broken = usePipeline({ ORDERS_PARTITIONS: String(PARTITIONS) });
  const topic = pipeline.config.kafka.ordersTopic;
  let store: StateStore;
  const consumers: OrderConsumer[] = [];
  /** dead letters read so far, by "partition/offset" of their source */
  const dead = new Map<string, { reason: string; detail: string; headers: IHeaders }>();
  /** sources dead-lettered more than once */
  const deadTwice: string[] = [];

  const startConsumer = async (on: Pipeline, onStore: StateStore): Promise<OrderConsumer> => {
    const consumer = new OrderConsumer({
      kafka: on.kafka,
      store: onStore,
      config: on.config,
      rules: defaultRules,
      logger: silentLogger,
    });
    consumers.push(consumer);
    await consumer.start();
    return consumer;
  };
  const ordersOf = async (customer: string) => (await store.customer(customer))?.lifetime.orders ?? 0;

  beforeAll(async () => {
    store = await StateStore.open(pipeline.redis, { keyPrefix: pipeline.config.redis.keyPrefix, windowDays: 3650 });
  });

  afterAll(async () => {
    for (const c of consumers) await c.close().catch(() => undefined);
  });

  it('dead-letters each poison once with its reason and applies every valid event; a restart changes nothing', async () => {
    const { kafka, redis } = pipeline;
    const first = await startConsumer(pipeline, store);
    const producer = createProducer(kafka);
    await producer.connect();
    // Per partition: valid events, then each poison followed by a valid event, then more valid ones.
    const expectedPoisons: { partition: number; reason: string }[] = [];
    const validPerCustomer = new Map<string, number>();
    let n = 0;
    for (let partition = 0; partition < PARTITIONS; partition++) {
      const customer = `p${partition}`;
      const messages: Message[] = [];
      const valid = (eventNumber: number) => {
        validPerCustomer.set(customer, (validPerCustomer.get(customer) ?? 0) + 1);
        return { partition, key: customer, value: JSON.stringify(order(eventNumber, customer)) };
      };
      // the conflict poison re-sends this id (order:0) for every customer: one event per customer
      messages.push(valid(0), valid(++n + 1000 * partition));
      await redis.set(store.keys.customer(`${customer}-corrupt`), 'not a hash');
      for (const poison of poisons(customer, ++n + 1000 * partition)) {
        messages.push({ key: customer, ...poison.message, partition });
        expectedPoisons.push({ partition, reason: poison.reason });
        messages.push(valid(++n + 1000 * partition));
      }
      messages.push(valid(++n + 1000 * partition));
      for (const m of messages) await producer.send({ topic, acks: -1, messages: [m] });
    }
    await pipeline.caughtUp();
    for (const [customer, count] of validPerCustomer) expect(await ordersOf(customer), customer).toBe(count);
    expect(first.totals.deadLettered).toBe(expectedPoisons.length);
    expect(first.totals.conflicts).toBe(PARTITIONS);
    // every partition committed: none left waiting (the gauge and readiness read this)
    await waitFor(
      () => {
        const progress = first.partitionProgress();
        return progress.length === PARTITIONS && progress.every((p) => p.secondsSinceCommit === 0);
      },
      { what: 'every partition committed' },
    );

    await pipeline.readTopic(pipeline.config.kafka.deadLetterTopic, (message) => {
      const h = message.headers ?? {};
      const source = `${h['dlq-source-partition']?.toString()}/${h['dlq-source-offset']?.toString()}`;
      if (dead.has(source)) deadTwice.push(source);
      dead.set(source, {
        reason: h['dlq-reason']?.toString() ?? '',
        detail: h['dlq-detail']?.toString() ?? '',
        headers: h,
      });
    });
    await waitFor(() => dead.size === expectedPoisons.length, { what: 'every dead letter' });
    const byPartition = (p: number) =>
      [...dead.entries()]
        .filter(([source]) => source.startsWith(`${p}/`))
        .sort(([a], [b]) => Number(a.split('/')[1]) - Number(b.split('/')[1]))
        .map(([, d]) => d.reason);
    for (let p = 0; p < PARTITIONS; p++) {
      expect(byPartition(p)).toEqual(expectedPoisons.filter((e) => e.partition === p).map((e) => e.reason));
    }
    const headerKeys = [...dead.values()].flatMap((d) => Object.keys(d.headers));
    expect(headerKeys.filter((k) => k === '__proto__')).toHaveLength(PARTITIONS);
    expect(headerKeys.filter((k) => k === 'constructor')).toHaveLength(PARTITIONS);
    const conflict = [...dead.values()].find((d) => d.reason === 'conflict');
    expect(conflict?.detail).toMatch(/^eventId order:0 was applied before for customer p\d with other content/);
    const refused = [...dead.values()].filter((d) => d.reason === 'internal');
    expect(refused).toHaveLength(PARTITIONS);
    for (const d of refused) expect(d.detail).toMatch(/^InsidersError: redis script failed: WRONGTYPE/);

    // Started again on the same group, with a valid event more per partition: only those change anything.
    await first.close();
    const second = await startConsumer(pipeline, store);
    for (let partition = 0; partition < PARTITIONS; partition++) {
      const customer = `p${partition}`;
      validPerCustomer.set(customer, (validPerCustomer.get(customer) ?? 0) + 1);
      await producer.send({
        topic,
        acks: -1,
        messages: [{ partition, key: customer, value: JSON.stringify(order(9000 + partition, customer)) }],
      });
    }
    await producer.disconnect();
    await pipeline.caughtUp();
    for (const [customer, count] of validPerCustomer) expect(await ordersOf(customer), customer).toBe(count);
    expect(second.totals.deadLettered).toBe(0);
    expect(second.totals.applied).toBe(PARTITIONS);
    expect(dead.size).toBe(expectedPoisons.length);
    expect(deadTwice).toEqual([]);
    await second.close();
  });

  it('fails for good, naming the cause, when its script fails for every event', async () => {
    const brokenTopic = broken.config.kafka.ordersTopic;
    const brokenStore = await StateStore.open(broken.redis, {
      keyPrefix: broken.config.redis.keyPrefix,
      windowDays: 365,
    });
    // A script that fails the same way every time, as one with a bug would.
    broken.redis.defineCommand('applyEvents', { lua: "return redis.error_reply('ERR apply-events is broken')" });
    const consumer = await startConsumer(broken, brokenStore);
    const producer = createProducer(broken.kafka);
    await producer.connect();
    await producer.send({
      topic: brokenTopic,
      acks: -1,
      // several customers' events in one batch: a refusal of all of them is no one customer's
      messages: [1, 2, 3].map((i) => ({ partition: 0, key: `b${i}`, value: JSON.stringify(order(i, `b${i}`)) })),
    });
    await producer.disconnect();
    const failure = await Promise.race([
      consumer.failed,
      new Promise<'still retrying'>((resolve) => setTimeout(() => resolve('still retrying'), 60_000).unref()),
    ]);
    expect(failure).toBeInstanceOf(ConsumerFailedError);
    expect((failure as ConsumerFailedError).message).toContain('ERR apply-events is broken');
    await consumer.close();
    // nothing was committed for the group: its messages are consumed again once the script is fixed
    const offsets = await broken.admin.fetchOffsets({
      groupId: broken.config.kafka.consumerGroup,
      topics: [brokenTopic],
    });
    expect(offsets[0]?.partitions.map((p) => p.offset)).toEqual(Array.from({ length: PARTITIONS }, () => '-1'));
  });
});
