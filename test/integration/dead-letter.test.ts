// A corpus of malformed messages interleaved with valid ones: every bad one lands in the
// dead-letter topic with its reason and original bytes, every valid one is applied once, and the
// consumer keeps running.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Consumer, Message } from 'kafkajs';
import { OrderConsumer } from '../../src/consumers/order-consumer.js';
import type { RejectReason } from '../../src/events/decode.js';
import { defaultRules } from '../../src/features/filters.js';
import { createProducer } from '../../src/infra/kafka.js';
import { silentLogger } from '../../src/log.js';
import { StateStore, storeOptions } from '../../src/state/state-store.js';
import { usePipeline } from '../support/use-pipeline.js';
import { consumerLag } from '../../src/consumers/lag.js';
import { uniqueName } from '../support/names.js';
import { waitFor } from '../support/wait.js';

const validOrder = (n: number) => ({
  schemaVersion: 1,
  type: 'order',
  eventId: `valid-${n}`,
  orderId: `V${n}`,
  customerId: `c${n % 7}`,
  occurredAt: new Date(Date.UTC(2011, 5, 1) + n * 60_000).toISOString(),
  currency: 'GBP',
  country: 'United Kingdom',
  lines: [{ sku: '85123A', quantity: 1 + (n % 3), unitPrice: '2.55' }],
});

/** Malformed payloads, each with the reason it must be dead-lettered for. */
function corpus(): [RejectReason, string | Buffer][] {
  const base = validOrder(0);
  const json = (o: unknown) => JSON.stringify(o);
  const withLine = (l: object) => json({ ...base, lines: [{ ...base.lines[0], ...l }] });
  const kinds: ((i: number) => [RejectReason, string | Buffer])[] = [
    (i) => ['bad_json', `{"type":"order","orderId":"${i}"`],
    (i) => ['bad_json', `not json ${i}`],
    (i) => ['bad_json', `{"quantity": NaN, "i": ${i}}`],
    (i) => ['bad_json', `{"quantity": Infinity, "i": ${i}}`],
    (i) => ['unknown_type', json({ ...base, type: 'refund', orderId: `R${i}` })],
    (i) => ['unknown_type', json([base, i])],
    (i) => ['unknown_type', json({ i })],
    (i) => ['schema', `{"__proto__":{"admin":true},${json({ ...base, orderId: `P${i}` }).slice(1)}`],
    (i) => ['schema', json({ ...base, orderId: `K${i}`, constructor: { prototype: {} } })],
    (i) => ['schema', withLine({ quantity: -1 - i })],
    (i) => ['schema', withLine({ quantity: 1e30 + i })],
    (_i) => ['schema', withLine({ quantity: 0 })],
    (i) => ['schema', withLine({ quantity: 1.5 + i })],
    (i) => ['schema', `${json({ ...base, orderId: `I${i}` }).slice(0, -1)},"extra":1e400}`],
    (i) => ['schema', withLine({ unitPrice: -2.55 - i })],
    (_i) => ['schema', withLine({ unitPrice: 'NaN' })],
    (i) => ['schema', json({ ...base, customerId: 'x'.repeat(10_240 + i) })],
    (i) => ['schema', json({ ...base, orderId: `M${i}`, lines: [] })],
    (i) => ['schema', json({ ...base, occurredAt: `2011-06-01 10:${String(i % 60).padStart(2, '0')}:00` })],
    (i) => ['bad_date', json({ ...base, orderId: `D${i}`, occurredAt: '1970-01-01T00:00:00Z' })],
    (i) => ['bad_date', json({ ...base, orderId: `E${i}`, occurredAt: '2100-01-01T00:00:00Z' })],
    (i) => ['wrong_currency', json({ ...base, orderId: `U${i}`, currency: 'USD' })],
  ];
  const out: [RejectReason, string | Buffer][] = [];
  for (let i = 0; out.length < 220; i++) out.push(kinds[i % kinds.length]!(i));
  // Over the size limit: 5 MB.
  out.push(['too_large', Buffer.alloc(5 * 1024 * 1024, 0x20)]);
  return out;
}

describe('dead-letter topic: malformed messages never stop the partition', () => {
  const pipeline = usePipeline({ ORDERS_PARTITIONS: '2' });
  const { config } = pipeline;
  const topic = config.kafka.ordersTopic;
  let consumer: OrderConsumer;
  let reader: Consumer | undefined;

  beforeAll(async () => {
    const store = await StateStore.open(pipeline.redis, storeOptions(config));
    consumer = new OrderConsumer({ kafka: pipeline.kafka, store, config, rules: defaultRules, logger: silentLogger });
  });

  afterAll(async () => {
    await reader?.disconnect();
    await consumer.close();
  });

  it('dead-letters each bad message with its reason and applies each valid one once', async () => {
    const bad = corpus();
    expect(bad.length).toBeGreaterThanOrEqual(200);
    const messages: Message[] = [];
    let valid = 0;
    for (const [i, [, value]] of bad.entries()) {
      messages.push({ key: `bad-${i}`, value, headers: { 'corpus-index': String(i) } });
      if (i % 2 === 0) {
        const order = validOrder(++valid);
        messages.push({ key: order.customerId, value: JSON.stringify(order) });
      }
    }
    await consumer.start();
    const producer = createProducer(pipeline.kafka);
    await producer.connect();
    // The 5 MB message goes alone: one produce request stays under the broker's limit.
    for (const m of messages) await producer.send({ topic, acks: -1, messages: [m] });
    await waitFor(async () => (await consumerLag(pipeline.admin, config.kafka.consumerGroup, topic)) === 0, {
      timeoutMs: 120_000,
      intervalMs: 250,
      what: 'the consumer to get through the corpus',
    });

    // Every bad message is in the dead-letter topic: its bytes, key and reason.
    const dead = new Map<number, { reason: string; value: Buffer | null; key: string; source: string }>();
    reader = pipeline.kafka.consumer({ groupId: uniqueName('dlq-reader'), maxBytesPerPartition: 8 * 1024 * 1024 });
    await reader.connect();
    await reader.subscribe({ topic: `${topic}.dlq`, fromBeginning: true });
    await reader.run({
      eachMessage: ({ message }) => {
        const h = message.headers ?? {};
        dead.set(Number(h['corpus-index']?.toString()), {
          reason: h['dlq-reason']?.toString() ?? '',
          value: message.value,
          key: message.key?.toString() ?? '',
          source: `${h['dlq-source-topic']?.toString()}/${h['dlq-source-partition']?.toString()}/${h['dlq-source-offset']?.toString()}`,
        });
        return Promise.resolve();
      },
    });
    await waitFor(() => dead.size === bad.length, { timeoutMs: 60_000, what: 'all dead letters' });
    for (const [i, [reason, value]] of bad.entries()) {
      const d = dead.get(i);
      expect({ i, reason: d?.reason, key: d?.key }).toEqual({ i, reason, key: `bad-${i}` });
      expect(d?.value?.equals(Buffer.from(value))).toBe(true);
      expect(d?.source).toMatch(new RegExp(`^${topic}/\\d+/\\d+$`));
    }
    expect(consumer.totals.deadLettered).toBe(bad.length);

    // Valid ones applied once each, and the consumer is still consuming.
    const late = validOrder(++valid);
    await producer.send({ topic, acks: -1, messages: [{ key: late.customerId, value: JSON.stringify(late) }] });
    await waitFor(async () => (await consumerLag(pipeline.admin, config.kafka.consumerGroup, topic)) === 0, {
      what: 'the late valid event',
    });
    await producer.disconnect();
    let orders = 0;
    for (let c = 0; c < 7; c++)
      orders += Number((await pipeline.redis.hget(pipeline.keys.customer(`c${c}`), 'o')) ?? 0);
    expect(orders).toBe(valid);
    expect(consumer.totals.applied).toBe(valid);
  });
});
