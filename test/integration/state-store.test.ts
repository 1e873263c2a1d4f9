import { describe, expect, it } from 'vitest';
import type { AcceptedEvent } from '../../src/events/decode.js';
import { computeFeatures } from '../../src/features/features.js';
import { stateKeys } from '../../src/state/keys.js';
import { InMemoryCustomers } from '../../src/state/memory-state.js';
import {
  EVENTS_PER_CALL,
  FIRST_EVENT_DUE_BELOW_MS,
  StateStore,
  type StateChange,
} from '../../src/state/state-store.js';
import { line, order, returned } from '../support/events.js';
import { useRedis } from '../support/use-redis.js';

const asChanges = (events: AcceptedEvent[]): StateChange[] =>
  events.map((event) => ({ event, customerId: event.customerId, lines: event.lines }));

describe('state store: Lua scripts on real Redis', () => {
  const { config, redis } = useRedis();

  async function freshStore(windowDays: number): Promise<StateStore> {
    const prefix = `${config.redis.keyPrefix}:${Math.random().toString(36).slice(2)}`;
    return StateStore.open(redis(), { keyPrefix: prefix, windowDays, shards: 3 });
  }

  const history = [
    order('c1', 'o1', '2011-01-10T10:00:00Z', [line('85123A', 6, 2550), line('71053', 2, 3390)]),
    order('c1', 'o2', '2011-03-01T09:30:00Z', [line('85123A', 1, 2550)]),
    returned('c1', 'C1', '2011-03-02T12:00:00Z', [line('71053', 1, 3390)]),
    order('c1', 'o3', '2011-03-01T17:00:00Z', [line('22423', 2, 12750)]),
    order(null, 'g1', '2011-03-03T08:00:00Z', [line('22423', 1, 12750)]),
  ];

  it('applies orders, returns and guest orders exactly, once each', async () => {
    const store = await freshStore(365);
    const watermarkMs = Date.parse('2011-03-03T08:00:00Z');
    const first = await store.applyBatch(asChanges(history), watermarkMs);
    expect(first).toEqual({ applied: 5, duplicates: 0, conflicts: [], erased: 0, watermarkMs });
    // an earlier watermark leaves the later one in place
    const again = await store.applyBatch(asChanges(history), Date.parse('2011-03-01T00:00:00Z'));
    expect(again).toEqual({ applied: 0, duplicates: 5, conflicts: [], erased: 0, watermarkMs });

    const state = await store.customer('c1');
    expect(state?.lifetime).toEqual({
      orders: 3,
      lines: 4,
      items: 11,
      revenueMills: 6 * 2550 + 2 * 3390 + 2550 + 2 * 12750,
      returns: 1,
      returnedItems: 1,
      returnedMills: 3390,
    });
    expect(state?.firstPurchaseMs).toBe(Date.parse('2011-01-10T10:00:00Z'));
    expect(state?.lastPurchaseMs).toBe(Date.parse('2011-03-01T17:00:00Z'));
    expect(await store.guestStats()).toEqual({
      orders: 1,
      items: 1,
      revenueMills: 12750,
      returns: 0,
      returnedItems: 0,
      returnedMills: 0,
    });

    const f = computeFeatures(state!, Date.parse('2011-03-03T08:00:00Z'), 365);
    // 2011-03-01 17:00 to 2011-03-03 08:00 is 1 day 15 hours: 1 whole day
    expect(f.recencyDays).toBe(1);
    expect(f.orders).toBe(3);
    expect(f.products).toBe(3);
    // 3 orders on 2 purchase days, 50 days apart: 3 / (50 + 1)
    expect(f.frequency).toBeCloseTo(3 / 51, 12);
    expect(f.avgDaysBetweenPurchases).toBe(50);
    expect(f.returns).toBe(1);
  });

  it("enters a customer's first event in the due index due at once, with a score of their own below 1 ms", async () => {
    const store = await freshStore(365);
    const events = [
      order('c1', 'o1', '2011-01-10T10:00:00Z', [line('85123A', 1, 2550)]),
      order('c2', 'o2', '2011-01-10T10:00:01Z', [line('85123A', 1, 2550)]),
      order('c3', 'o3', '2011-02-01T09:00:00Z', [line('85123A', 1, 2550)]),
      // a later event leaves the entry as it is: only a placement moves it
      order('c1', 'o4', '2011-02-02T09:00:00Z', [line('85123A', 1, 2550)]),
    ];
    await store.applyBatch(asChanges(events), Date.parse('2011-02-02T09:00:00Z'));
    const due: [string, number][] = [];
    for (let shard = 0; shard < store.keys.shards; shard++) {
      const found = await store.dueCustomers(shard, FIRST_EVENT_DUE_BELOW_MS, 100);
      found.ids.forEach((id, i) => due.push([id, found.dueMs[i]!]));
    }
    due.sort(([a], [b]) => a.localeCompare(b));
    expect(due.map(([id]) => id)).toEqual(['c1', 'c2', 'c3']);
    expect(due.map(([, ms]) => ms)).toEqual(
      ['2011-01-10T10:00:00Z', '2011-01-10T10:00:01Z', '2011-02-01T09:00:00Z'].map((at) => Date.parse(at) / 1e13),
    );
    for (const [, ms] of due) expect(ms).toBeLessThan(FIRST_EVENT_DUE_BELOW_MS);
  });

  it('keeps totals past 2^32 exact, lifetime and in the day buckets', async () => {
    const store = await freshStore(365);
    // The contract's largest order: 100,000 units at 10,000.000, 10^12 mills. Three of them on one
    // day plus a 0.001 line: far beyond 32-bit integers, within 2^53.
    const big = [line('85123A', 100_000, 10_000_000)];
    const events = [
      order('whale', 'w1', '2011-05-01T09:00:00Z', big),
      order('whale', 'w2', '2011-05-01T10:00:00Z', big),
      order('whale', 'w3', '2011-05-01T11:00:00Z', [...big, line('71053', 1, 1)]),
      returned('whale', 'W1', '2011-05-01T12:00:00Z', big),
    ];
    await store.applyBatch(asChanges(events), undefined);
    const state = (await store.customer('whale'))!;
    expect(state.lifetime.revenueMills).toBe(3_000_000_000_001);
    expect(state.lifetime.items).toBe(300_001);
    expect(state.lifetime.returnedMills).toBe(1_000_000_000_000);
    expect([...state.days.values()]).toEqual([
      {
        orders: 3,
        lines: 4,
        items: 300_001,
        revenueMills: 3_000_000_000_001,
        returns: 1,
        returnedItems: 100_000,
        returnedMills: 1_000_000_000_000,
      },
    ]);
  });

  it('gives the same state whatever order the events arrive in', async () => {
    const a = await freshStore(30);
    const b = await freshStore(30);
    await a.applyBatch(asChanges(history), undefined);
    for (const e of [...history].reverse()) await b.applyBatch(asChanges([e]), undefined);
    const hashA = await redis().hgetall(a.keys.customer('c1'));
    const hashB = await redis().hgetall(b.keys.customer('c1'));
    expect(hashB).toEqual(hashA);
    expect(await redis().hgetall(b.keys.customerMarks('c1'))).toEqual(
      await redis().hgetall(a.keys.customerMarks('c1')),
    );
    // 30-day window: the January order's bucket is gone, lifetime totals keep it.
    expect(
      Object.keys(hashA)
        .filter((k) => k.startsWith('d:'))
        .sort(),
    ).toEqual(
      ['d:15034', 'd:15035'].sort(), // 2011-03-01 and 2011-03-02
    );
    expect(hashA.o).toBe('3');
  });

  it('keeps in each day bucket how many products were last bought that day, as products move on', async () => {
    const store = await freshStore(30);
    await store.applyBatch(asChanges(history), undefined);
    // o1 (Jan 10) is outside the window kept from Mar 2 back; o2 and o3 bought 85123A and 22423 on Mar 1
    const hash = await redis().hgetall(store.keys.customer('c1'));
    expect(hash['d:15034']).toBe('2,2,3,28050,0,0,0,2');
    expect(hash['d:15035']).toBe('0,0,0,0,1,1,3390,0');
    const marks = await redis().hgetall(store.keys.customerMarks('c1'));
    expect(marks).toMatchObject({ 'p:85123A': '15034', 'p:71053': '14984', 'p:22423': '15034' });
    expect(Object.keys(marks).filter((f) => f.startsWith('e:'))).toHaveLength(4);
    // a later order of 85123A moves it from Mar 1's bucket to Mar 5's
    await store.applyBatch(
      asChanges([order('c1', 'o4', '2011-03-05T10:00:00Z', [line('85123A', 1, 2550)])]),
      undefined,
    );
    const after = await redis().hmget(store.keys.customer('c1'), 'd:15034', 'd:15038');
    expect(after).toEqual(['2,2,3,28050,0,0,0,1', '1,1,1,2550,0,0,0,1']);
  });

  it('refuses a state written with another layout, naming both and the way across', async () => {
    const prefix = `${config.redis.keyPrefix}:${Math.random().toString(36).slice(2)}`;
    await redis().set(stateKeys(prefix, 3).layout, '2:3');
    await expect(StateStore.open(redis(), { keyPrefix: prefix, windowDays: 30, shards: 3 })).rejects.toThrow(
      /holds state layout 2; this version reads layout 4: rebuild it by replaying/,
    );
    await redis().set(stateKeys(prefix, 3).layout, '3:3');
    await expect(StateStore.open(redis(), { keyPrefix: prefix, windowDays: 30, shards: 3 })).rejects.toThrow(
      /holds state layout 3; this version reads layout 4: run `insiders migrate` with the service stopped/,
    );
  });

  it('moves orders out of the window as now moves on, without a new event', async () => {
    const store = await freshStore(30);
    await store.applyBatch(asChanges(history), undefined);
    const state = (await store.customer('c1'))!;
    expect(computeFeatures(state, Date.parse('2011-03-30T23:59:00Z'), 30).orders).toBe(2);
    expect(computeFeatures(state, Date.parse('2011-03-31T00:00:00Z'), 30).orders).toBe(0);
    expect(computeFeatures(state, Date.parse('2011-03-31T00:00:00Z'), 30).returns).toBe(1);
    expect(computeFeatures(state, Date.parse('2011-04-01T00:00:00Z'), 30).returns).toBe(0);
  });

  it('matches the in-memory state of the embedded mode, event for event', async () => {
    const store = await freshStore(30);
    const memory = new InMemoryCustomers(30);
    const events = [
      ...history,
      { ...history[0]!, eventId: 'late-dup', occurredAtMs: Date.parse('2010-12-01T10:00:00Z') },
    ];
    for (const change of asChanges(events)) {
      const redisApplied = (await store.applyBatch([change], undefined)).applied;
      expect(memory.apply(change)).toBe(redisApplied === 1 ? 'applied' : 'duplicate');
      expect(memory.apply(change)).toBe('duplicate');
    }
    const fromRedis = (await store.customer('c1'))!;
    const fromMemory = [...memory.states()].find((s) => s.customerId === 'c1')!;
    for (const now of ['2011-03-03T08:00:00Z', '2011-03-31T00:00:00Z', '2011-06-01T00:00:00Z']) {
      expect(computeFeatures(fromMemory, Date.parse(now), 30)).toEqual(computeFeatures(fromRedis, Date.parse(now), 30));
    }
    expect([...fromMemory.days.keys()].sort()).toEqual([...fromRedis.days.keys()].sort());
    expect(fromMemory.lifetime).toEqual(fromRedis.lifetime);
  });

  it('identifies an event by (customerId, eventId): an id reused for another customer is another event', async () => {
    const store = await freshStore(365);
    const memory = new InMemoryCustomers(365);
    const a = order('c1', 'o1', '2011-01-10T10:00:00Z', [line('85123A', 6, 2550)], { eventId: 'shared' });
    const b = order('c2', 'o1', '2011-01-10T10:00:00Z', [line('85123A', 6, 2550)], { eventId: 'shared' });
    const result = await store.applyBatch(asChanges([a, b, a, b]), undefined);
    expect([result.applied, result.duplicates, result.conflicts]).toEqual([2, 2, []]);
    expect(asChanges([a, b, a, b]).map((c) => memory.apply(c))).toEqual([
      'applied',
      'applied',
      'duplicate',
      'duplicate',
    ]);
    expect((await store.customer('c2'))?.lifetime.orders).toBe(1);
  });

  it('answers a conflict for an id re-sent with other content, for a customer and among guests, and writes nothing', async () => {
    const store = await freshStore(365);
    const memory = new InMemoryCustomers(365);
    const first = [
      order('c1', 'o1', '2011-01-10T10:00:00Z', [line('85123A', 6, 2550)]),
      order(null, 'g1', '2011-01-10T10:00:00Z', [line('85123A', 6, 2550)]),
    ];
    const changed = [
      order('c1', 'o1', '2011-01-10T10:00:00Z', [line('85123A', 7, 2550)]),
      order(null, 'g1', '2011-01-11T10:00:00Z', [line('85123A', 6, 2550)]),
    ];
    expect((await store.applyBatch(asChanges(first), undefined)).applied).toBe(2);
    const before = await store.customer('c1');
    const guestsBefore = await store.guestStats();
    const again = await store.applyBatch(asChanges([...changed, ...first]), undefined);
    expect(again).toMatchObject({ applied: 0, duplicates: 2, conflicts: [0, 1], erased: 0 });
    expect(await store.customer('c1')).toEqual(before);
    expect(await store.guestStats()).toEqual(guestsBefore);
    expect(asChanges([...first, ...changed, ...first]).map((c) => memory.apply(c))).toEqual([
      'applied',
      'applied',
      'conflict',
      'conflict',
      'duplicate',
      'duplicate',
    ]);
  });

  it('reads a dedupe field written as "1" (before content digests) as a duplicate, never a conflict', async () => {
    const store = await freshStore(365);
    const event = order('c1', 'o1', '2011-01-10T10:00:00Z', [line('85123A', 6, 2550)]);
    expect((await store.applyBatch(asChanges([event]), undefined)).applied).toBe(1);
    const key = store.keys.customerMarks('c1');
    const dedupe = (await redis().hkeys(key)).filter((f) => f.startsWith('e:'));
    expect(dedupe).toHaveLength(1);
    expect(await redis().hget(key, dedupe[0]!)).toMatch(/^[A-Za-z0-9_-]{8}$/);
    await redis().hset(key, dedupe[0]!, '1');
    const changed = { ...event, lines: [line('85123A', 9, 2550)] };
    expect(await store.applyBatch(asChanges([changed]), undefined)).toMatchObject({ duplicates: 1, conflicts: [] });
  });

  it('applies an order of 5000 distinct products (the contract maximum) in one call', async () => {
    const store = await freshStore(365);
    const big = order(
      'big',
      'o-big',
      '2011-05-05T10:00:00Z',
      Array.from({ length: 5000 }, (_, i) => line(`SKU${i}`, 1, 1000 + i)),
    );
    expect((await store.applyBatch(asChanges([big]), undefined)).applied).toBe(1);
    const state = (await store.customer('big'))!;
    expect(state.productLastDay.size).toBe(5000);
    expect(state.lifetime.revenueMills).toBe(5000 * 1000 + (4999 * 5000) / 2);
    expect(computeFeatures(state, Date.parse('2011-05-06T00:00:00Z'), 365).products).toBe(5000);
  });

  it('applies a batch spread over several calls like the same events one batch each', async () => {
    // Over two calls' worth of events: customers and guests interleaved, a customer's repeat
    // within the batch, an event sent twice in the same batch, orders past the per-call argument
    // cap, and an erased customer whose events are dropped.
    const events: AcceptedEvent[] = [];
    for (let i = 0; i < 2 * EVENTS_PER_CALL + 37; i++) {
      const customer = i % 7 === 0 ? null : `m${i % 50}`;
      const at = new Date(Date.UTC(2011, 0, 1) + i * 3_600_000).toISOString();
      const lines = [line(`P${i % 13}`, 1 + (i % 3), 1250 + i), line(`Q${i % 5}`, 2, 990)];
      events.push(i % 11 === 5 ? returned(customer ?? 'm1', `R${i}`, at, lines) : order(customer, `O${i}`, at, lines));
    }
    events.splice(100, 0, events[40]!); // the same event again, in the same batch
    for (let k = 0; k < 5; k++) {
      // five orders of the contract's maximum 5000 lines: past the per-call argument cap
      const lines = Array.from({ length: 5000 }, (_, i) => line(`H${k}-${i}`, 1, 500));
      events.push(order('m-huge', `O-huge-${k}`, `2011-02-01T10:0${k}:00Z`, lines));
    }
    events.push(order('m-erased', 'O-erased', '2011-02-01T11:00:00Z', [line('85123A', 1, 2550)]));

    const batched = await freshStore(30);
    const single = await freshStore(30);
    await batched.forget('m-erased', Date.parse('2011-01-01T00:00:00Z'));
    await single.forget('m-erased', Date.parse('2011-01-01T00:00:00Z'));
    const result = await batched.applyBatch(asChanges(events), undefined);
    expect(result).toEqual({
      applied: events.length - 2,
      duplicates: 1,
      conflicts: [],
      erased: 1,
      watermarkMs: undefined,
    });
    for (const change of asChanges(events)) await single.applyBatch([change], undefined);

    const customers = [...new Set(events.map((e) => e.customerId ?? 'none'))];
    for (const id of customers) {
      expect(await redis().hgetall(batched.keys.customer(id))).toEqual(await redis().hgetall(single.keys.customer(id)));
      expect(await redis().hgetall(batched.keys.customerMarks(id))).toEqual(
        await redis().hgetall(single.keys.customerMarks(id)),
      );
    }
    expect(await batched.guestStats()).toEqual(await single.guestStats());
    expect((await batched.customer('m-huge'))?.productLastDay.size).toBe(25_000);
    expect(await batched.customer('m-erased')).toBeUndefined();
    const again = await batched.applyBatch(asChanges(events), undefined);
    expect(again).toEqual({
      applied: 0,
      duplicates: events.length - 1,
      conflicts: [],
      erased: 1,
      watermarkMs: undefined,
    });
  });
});
