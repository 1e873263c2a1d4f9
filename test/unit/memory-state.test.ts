// The in-memory state of the embedded mode kept in typed arrays: the numbers it gives back, by
// hand, across the cases its storage changes form (a customer past the list limit of products and
// events, freed day buckets reused, arrays grown while an event is applied).
import { describe, expect, it } from 'vitest';
import type { AcceptedEvent } from '../../src/events/decode.js';
import { packDays, type CustomerState } from '../../src/state/customer-state.js';
import { InMemoryCustomers, type EventFields } from '../../src/state/memory-state.js';
import { line, order, returned } from '../support/events.js';

const change = (event: AcceptedEvent) => ({ event, customerId: event.customerId, lines: event.lines });

function stateOf(memory: InMemoryCustomers, customerId: string): CustomerState {
  const state = [...memory.states()].find((s) => s.customerId === customerId);
  if (state === undefined) throw new Error(`no state for ${customerId}`);
  return state;
}

const day = (iso: string) => Math.floor(Date.parse(iso) / 86_400_000);

describe('InMemoryCustomers', () => {
  it('keeps totals, buckets and the latest day of each product', () => {
    const memory = new InMemoryCustomers(30);
    const events = [
      order('c1', 'o1', '2011-01-10T10:00:00Z', [line('A1', 6, 2550), line('B2', 2, 3390)]),
      order('c1', 'o2', '2011-01-12T09:00:00Z', [line('A1', 1, 2550)]),
      returned('c1', 'r1', '2011-01-12T12:00:00Z', [line('B2', 1, 3390)]),
    ];
    expect(events.map((e) => memory.apply(change(e)))).toEqual(['applied', 'applied', 'applied']);
    const s = stateOf(memory, 'c1');
    expect(s.lifetime).toEqual({
      orders: 2,
      lines: 3,
      items: 9,
      revenueMills: 6 * 2550 + 2 * 3390 + 2550,
      returns: 1,
      returnedItems: 1,
      returnedMills: 3390,
    });
    expect(s.firstPurchaseMs).toBe(Date.parse('2011-01-10T10:00:00Z'));
    expect(s.lastPurchaseMs).toBe(Date.parse('2011-01-12T09:00:00Z'));
    expect(new Map(s.productLastDay)).toEqual(
      new Map([
        ['A1', day('2011-01-12T00:00:00Z')],
        ['B2', day('2011-01-10T00:00:00Z')],
      ]),
    );
    expect(s.days.get(day('2011-01-12T00:00:00Z'))).toEqual({
      orders: 1,
      lines: 1,
      items: 1,
      revenueMills: 2550,
      returns: 1,
      returnedItems: 1,
      returnedMills: 3390,
    });
  });

  it('tells duplicates from conflicts past the point where a customer has too many events for a list', () => {
    const memory = new InMemoryCustomers(365);
    const events = Array.from({ length: 80 }, (_, i) =>
      order('big', `o${i}`, `2011-02-01T10:${String(i % 60).padStart(2, '0')}:00Z`, [line(`P${i}`, 1, 1000)]),
    );
    for (const e of events) expect(memory.apply(change(e))).toBe('applied');
    for (const e of events) expect(memory.apply(change(e))).toBe('duplicate');
    const changed = { ...events[3]!, lines: [line('P3', 2, 1000)] };
    expect(memory.apply(change(changed))).toBe('conflict');
    const s = stateOf(memory, 'big');
    expect(s.lifetime.orders).toBe(80);
    expect(s.productLastDay.size).toBe(80);
    expect(s.productLastDay.get('P79')).toBe(day('2011-02-01T00:00:00Z'));
  });

  it('keeps a product bought again later at its latest day, in the list and past it', () => {
    const memory = new InMemoryCustomers(365);
    const skus = Array.from({ length: 40 }, (_, i) => line(`S${i}`, 1, 500));
    memory.apply(change(order('c', 'o1', '2011-03-01T10:00:00Z', skus)));
    memory.apply(change(order('c', 'o2', '2011-03-05T10:00:00Z', [line('S0', 1, 500), line('S39', 1, 500)])));
    memory.apply(change(order('c', 'o3', '2011-03-02T10:00:00Z', [line('S39', 1, 500)])));
    const s = stateOf(memory, 'c');
    expect(s.productLastDay.size).toBe(40);
    expect(s.productLastDay.get('S0')).toBe(day('2011-03-05T00:00:00Z'));
    expect(s.productLastDay.get('S39')).toBe(day('2011-03-05T00:00:00Z'));
    expect(s.productLastDay.get('S1')).toBe(day('2011-03-01T00:00:00Z'));
  });

  it("expires a customer's buckets as their window moves, and reuses them for others", () => {
    const memory = new InMemoryCustomers(3);
    memory.apply(change(order('a', 'a1', '2011-01-01T10:00:00Z', [line('X1', 1, 1000)])));
    memory.apply(change(order('a', 'a2', '2011-01-02T10:00:00Z', [line('X1', 2, 1000)])));
    // day 5: the window is days 3-5, so both earlier buckets go
    memory.apply(change(order('a', 'a3', '2011-01-05T10:00:00Z', [line('X1', 3, 1000)])));
    // a late event inside the window gets a bucket; one before it does not
    memory.apply(change(order('a', 'a4', '2011-01-03T10:00:00Z', [line('X1', 4, 1000)])));
    memory.apply(change(order('a', 'a5', '2011-01-02T11:00:00Z', [line('X1', 5, 1000)])));
    memory.apply(change(order('b', 'b1', '2011-01-01T10:00:00Z', [line('X1', 7, 1000)])));
    memory.apply(change(order('b', 'b2', '2011-01-01T11:00:00Z', [line('X1', 1, 1000)])));
    const a = stateOf(memory, 'a');
    expect([...a.days.keys()].sort()).toEqual([day('2011-01-03T00:00:00Z'), day('2011-01-05T00:00:00Z')]);
    expect(a.days.get(day('2011-01-05T00:00:00Z'))?.items).toBe(3);
    expect(a.lifetime.items).toBe(15);
    const b = stateOf(memory, 'b');
    expect([...b.days.entries()]).toEqual([
      [
        day('2011-01-01T00:00:00Z'),
        { orders: 2, lines: 2, items: 8, revenueMills: 8000, returns: 0, returnedItems: 0, returnedMills: 0 },
      ],
    ]);
  });

  it('gives every customer their own numbers when the arrays grow under many customers', () => {
    const memory = new InMemoryCustomers(30);
    const n = 5000;
    for (let i = 0; i < n; i++) {
      const at = `2011-01-${String(1 + (i % 28)).padStart(2, '0')}T10:00:00Z`;
      memory.apply(change(order(`c${i}`, `o${i}`, at, [line(`K${i % 97}`, 1 + (i % 5), 100 * (1 + (i % 7)))])));
      memory.apply(change(returned(`c${i}`, `r${i}`, at, [line(`K${i % 97}`, 1, 100)])));
    }
    memory.apply(change(order(null, 'g1', '2011-01-01T10:00:00Z', [line('K1', 2, 300)])));
    expect(memory.size).toBe(n);
    const states = [...memory.states()];
    expect(states.map((s) => s.customerId)).toEqual(Array.from({ length: n }, (_, i) => `c${i}`));
    states.forEach((s, i) => {
      const bucket = s.days.get(day(`2011-01-${String(1 + (i % 28)).padStart(2, '0')}T00:00:00Z`));
      expect(bucket).toEqual({
        orders: 1,
        lines: 1,
        items: 1 + (i % 5),
        revenueMills: (1 + (i % 5)) * 100 * (1 + (i % 7)),
        returns: 1,
        returnedItems: 1,
        returnedMills: 100,
      });
      expect([...s.productLastDay.keys()]).toEqual([`K${i % 97}`]);
    });
    expect(memory.guestStats()).toMatchObject({ orders: 1, items: 2, revenueMills: 600 });
  });

  it('drains every customer as states() gives them, then holds none and takes no more events', () => {
    const fill = () => {
      const memory = new InMemoryCustomers(30);
      for (let i = 0; i < 300; i++) {
        const at = `2011-01-${String(1 + (i % 28)).padStart(2, '0')}T10:00:00Z`;
        // c0 buys 300 products: past the list limit, kept in a map
        const who = i % 3 === 0 ? 'c0' : `c${i}`;
        memory.apply(change(order(who, `o${i}`, at, [line(`K${i}`, 1 + (i % 5), 100), line('K1', 1, 250)])));
        if (i % 4 === 0) memory.apply(change(returned(who, `r${i}`, at, [line('K1', 1, 250)])));
      }
      memory.apply(change(order(null, 'g1', '2011-01-01T10:00:00Z', [line('K1', 2, 300)])));
      return memory;
    };
    const expected = [...fill().states()].map((s) => ({
      customerId: s.customerId,
      firstPurchaseMs: s.firstPurchaseMs,
      lastPurchaseMs: s.lastPurchaseMs,
      lifetime: s.lifetime,
      days: packDays(s.days),
      productDays: [...s.productLastDay.values()].sort((a, b) => a - b),
    }));
    const memory = fill();
    const watermark = memory.watermarkMs();
    const drained: unknown[] = [];
    memory.drainCustomers((c) =>
      drained.push({
        customerId: c.customerId,
        firstPurchaseMs: c.firstPurchaseMs,
        lastPurchaseMs: c.lastPurchaseMs,
        lifetime: { ...c.lifetime },
        days: [...c.days],
        productDays: [...c.productDays].sort((a, b) => a - b),
      }),
    );
    expect(drained).toEqual(expected);
    expect(memory.size).toBe(0);
    expect(memory.watermarkMs()).toBe(watermark);
    expect(memory.guestStats()).toMatchObject({ orders: 1, items: 2, revenueMills: 600 });
    expect(() => memory.apply(change(order('c1', 'o-late', '2011-02-01T10:00:00Z', [line('K1', 1, 100)])))).toThrow(
      /after drainCustomers/,
    );
  });
});

describe('InMemoryCustomers.applyFieldsLater', () => {
  it('leaves the state applyFields leaves, whatever the batches', () => {
    const now = new InMemoryCustomers(30);
    const later = new InMemoryCustomers(30);
    const skus = ['A1', 'B2', 'C3', 'D4', 'E5'];
    let seed = 7;
    const next = (n: number) => {
      seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
      return (seed >>> 8) % n;
    };
    // 1,000 events of 12 customers and the guests over 100 days: new customers, duplicates (the
    // same key and digest) and conflicts (the same key, another digest) within a batch and across.
    for (let i = 0; i < 1000; i++) {
      const who = next(13);
      const customerId = who === 12 ? null : `c${who}`;
      const key = next(400);
      const digest = next(2) === 0 ? key : key + 1;
      const lines = 1 + next(4);
      const codes = Array.from({ length: lines }, () => skus[next(skus.length)]!);
      const ms = Date.parse('2011-01-01T00:00:00Z') + next(100) * 86_400_000;
      const event: EventFields = {
        customerId,
        key,
        digest,
        order: next(3) > 0,
        occurredAtMs: ms,
        lineCount: lines,
        items: lines * 2,
        valueMills: lines * 1000,
        skus: codes,
      };
      now.applyFields(event);
      later.applyFieldsLater(event);
      if (i === 500) expect(later.size).toBe(now.size);
    }
    expect(later.guestStats()).toEqual(now.guestStats());
    expect([...later.states()]).toEqual([...now.states()]);
  });
});
