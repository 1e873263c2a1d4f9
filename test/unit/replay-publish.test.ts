import type { Message, ProducerRecord } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import type { CheckoutEvent } from '../../src/events/schema.js';
import { ensureTopics } from '../../src/infra/kafka.js';
import { publishEvents, toMessage } from '../../src/replay/publish.js';
import { TokenBucket } from '../../src/replay/token-bucket.js';

function order(i: number, customerId: string | null = `c${i % 3}`): CheckoutEvent {
  return {
    type: 'order',
    orderId: `o${i}`,
    schemaVersion: 1,
    customerId,
    occurredAt: '2011-06-01T09:15:00+01:00',
    currency: 'GBP',
    country: 'United Kingdom',
    lines: [{ sku: 'A', quantity: 1, unitPrice: '2.55' }],
  };
}

/** Yields `count` events and remembers how many were pulled. */
function source(count: number, make: (i: number) => CheckoutEvent = order) {
  const state = { pulled: 0 };
  async function* gen(): AsyncGenerator<CheckoutEvent> {
    for (let i = 0; i < count; i++) {
      await Promise.resolve();
      state.pulled++;
      yield make(i);
    }
  }
  return { events: gen(), state };
}

function fakeProducer() {
  const sends: ProducerRecord[] = [];
  return {
    sends,
    producer: {
      send: (record: ProducerRecord) => {
        sends.push(record);
        return Promise.resolve([]);
      },
    },
  };
}

/** A clock that only moves when the code under test sleeps. */
function fakeTime() {
  const t = { now: 0, sleeps: [] as number[] };
  return {
    t,
    now: () => t.now,
    sleep: (ms: number) => {
      t.sleeps.push(ms);
      t.now += ms;
      return Promise.resolve();
    },
  };
}

/**
 * Publishes `count` events at `ratePerSecond` to a fake producer on a fakeTime clock: what was sent,
 * and the clock's time and sleeps after.
 */
async function publishPaced(count: number, ratePerSecond: number) {
  const { sends, producer } = fakeProducer();
  const time = fakeTime();
  await publishEvents(source(count).events, producer, { topic: 't', ratePerSecond, now: time.now, sleep: time.sleep });
  return { sends, t: time.t };
}

describe('toMessage', () => {
  it('keys by customer, or by order for guests, with JSON and the schema headers', () => {
    const event = order(7);
    expect(toMessage(event)).toEqual({
      key: 'c1',
      value: JSON.stringify(event),
      headers: { 'content-type': 'application/json', 'schema-version': '1' },
    });
    expect(toMessage(order(7, null)).key).toBe('o7');
  });
});

describe('ensureTopics', () => {
  /** An admin whose metadata answers come from `answers`, one per request, the last repeated. */
  function fakeAdmin(existing: string[], answers: (Error | { name: string; leaders: number[] }[])[]) {
    const calls: unknown[] = [];
    let asked = 0;
    return {
      calls,
      admin: {
        listTopics: () => Promise.resolve(existing),
        createTopics: (options: unknown) => {
          calls.push(options);
          return Promise.resolve(true);
        },
        fetchTopicMetadata: () => {
          const answer = answers[Math.min(asked++, answers.length - 1)];
          if (answer instanceof Error) return Promise.reject(answer);
          return Promise.resolve({
            topics: (answer ?? []).map((t) => ({
              name: t.name,
              partitions: t.leaders.map((leader, partitionId) => ({
                partitionErrorCode: 0,
                partitionId,
                leader,
                replicas: [],
                isr: [],
                offlineReplicas: [],
              })),
            })),
          });
        },
      },
      asked: () => asked,
    };
  }
  const notYet = (type: string) => Object.assign(new Error('This server does not host this topic-partition'), { type });

  it('creates only the topics that do not exist yet, with their partitions', async () => {
    const { admin, calls } = fakeAdmin(['orders'], [[{ name: 'orders.dlq', leaders: [1] }]]);
    await ensureTopics(admin, [
      { topic: 'orders', numPartitions: 6 },
      { topic: 'orders.dlq', numPartitions: 1 },
    ]);
    expect(calls).toEqual([{ topics: [{ topic: 'orders.dlq', numPartitions: 1 }], waitForLeaders: false }]);
  });

  it('waits while the broker does not know the new topic yet or its partitions have no leader', async () => {
    const { admin, asked } = fakeAdmin(
      [],
      [
        notYet('UNKNOWN_TOPIC_OR_PARTITION'),
        notYet('LEADER_NOT_AVAILABLE'),
        [{ name: 't', leaders: [1, -1] }],
        [{ name: 't', leaders: [1, 1] }],
      ],
    );
    await ensureTopics(admin, [{ topic: 't', numPartitions: 2 }], { pollMs: 1 });
    expect(asked()).toBe(4);
  });

  it('fails on any other answer, and names the topics when leaders do not come in time', async () => {
    const other = fakeAdmin([], [notYet('TOPIC_AUTHORIZATION_FAILED')]);
    await expect(ensureTopics(other.admin, [{ topic: 't', numPartitions: 1 }], { pollMs: 1 })).rejects.toThrow(
      'This server does not host',
    );
    const never = fakeAdmin([], [[{ name: 't', leaders: [-1] }]]);
    await expect(
      ensureTopics(never.admin, [{ topic: 't', numPartitions: 1 }], { timeoutMs: 5, pollMs: 1 }),
    ).rejects.toThrow('topics t were created but have no leader for every partition yet (no leader yet for t)');
  });
});

describe('publishEvents', () => {
  it('sends every event in order, in batches, acknowledged by all replicas', async () => {
    const { sends, producer } = fakeProducer();
    const published: string[] = [];
    const n = await publishEvents(source(1200).events, producer, {
      topic: 't',
      onPublished: (events) => published.push(...events.map((e) => e.orderId)),
    });
    expect(n).toBe(1200);
    expect(sends.map((s) => s.messages.length)).toEqual([500, 500, 200]);
    expect(sends.every((s) => s.topic === 't' && s.acks === -1)).toBe(true);
    const keys = sends.flatMap((s) => s.messages.map((m: Message) => m.key));
    expect(keys.slice(0, 4)).toEqual(['c0', 'c1', 'c2', 'c0']);
    expect(published).toEqual(Array.from({ length: 1200 }, (_, i) => `o${i}`));
  });

  it('starts a new batch before the values pass maxBatchBytes', async () => {
    const { sends, producer } = fakeProducer();
    const size = Buffer.byteLength(JSON.stringify(order(0)));
    await publishEvents(source(10).events, producer, { topic: 't', maxBatchBytes: size * 4 });
    expect(sends.map((s) => s.messages.length)).toEqual([4, 4, 2]);
  });

  it('stops after --limit events without reading further', async () => {
    const { sends, producer } = fakeProducer();
    const { events, state } = source(100);
    expect(await publishEvents(events, producer, { topic: 't', limit: 7 })).toBe(7);
    expect(sends.flatMap((s) => s.messages).length).toBe(7);
    expect(state.pulled).toBe(7);
  });

  it('paces a low rate event by event', async () => {
    const { sends, t } = await publishPaced(50, 10);
    // One event may go at once; the other 49 each wait a tenth of a second.
    expect(t.sleeps).toEqual(Array.from({ length: 49 }, () => 100));
    expect(sends.map((s) => s.messages.length)).toEqual(Array.from({ length: 50 }, () => 1));
  });

  it('keeps a high rate with whole batches and few sleeps', async () => {
    const { sends, t } = await publishPaced(3000, 5000);
    // 500 at once (a tenth of a second of burst), then 2500 events at 5000/s: 0.5 s
    expect(t.now).toBeGreaterThanOrEqual(480);
    expect(t.now).toBeLessThanOrEqual(500);
    expect(t.sleeps.length).toBeLessThanOrEqual(25);
    expect(sends.flatMap((s) => s.messages).length).toBe(3000);
  });
});

describe('TokenBucket', () => {
  it('lends the burst, then answers how long to wait, queueing reservations', () => {
    let now = 0;
    const bucket = new TokenBucket(10, 2, () => now);
    expect([bucket.take(), bucket.take()]).toEqual([0, 0]);
    expect(bucket.take()).toBe(100);
    expect(bucket.take()).toBe(200);
    now = 200;
    expect(bucket.take()).toBe(100);
  });

  it('refills at the rate up to the burst', () => {
    let now = 0;
    const bucket = new TokenBucket(10, 2, () => now);
    bucket.take(2);
    now = 10_000;
    expect([bucket.take(), bucket.take(), bucket.take()]).toEqual([0, 0, 100]);
  });

  it('rejects a rate that is not positive', () => {
    expect(() => new TokenBucket(0, 1, () => 0)).toThrow(RangeError);
  });
});
