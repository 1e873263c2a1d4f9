import { describe, expect, it } from 'vitest';
import { computeFeatures, windowStartDay } from '../../src/features/features.js';
import { decodeCustomerState, dayOf } from '../../src/state/customer-state.js';

const day = (iso: string) => dayOf(Date.parse(iso));

// Hand-built hash as the Lua script writes it: two purchase days and a return in a 30-day window,
// plus one product last bought before the window.
const hash = {
  o: '4',
  n: '6',
  i: '20',
  r: '90000',
  ro: '1',
  rq: '2',
  rv: '5000',
  f: String(Date.parse('2011-01-01T10:00:00Z')),
  l: String(Date.parse('2011-03-10T12:00:00Z')),
  x: String(day('2011-03-12T00:00:00Z')),
  [`d:${day('2011-03-01T00:00:00Z')}`]: '2,3,10,40000,0,0,0',
  [`d:${day('2011-03-10T00:00:00Z')}`]: '1,2,6,30000,0,0,0',
  [`d:${day('2011-03-12T00:00:00Z')}`]: '0,0,0,0,1,2,5000',
  'p:A1': String(day('2011-03-10T00:00:00Z')),
  'p:B2': String(day('2011-03-01T00:00:00Z')),
  'p:C3': String(day('2011-01-01T00:00:00Z')),
  'e:abc': '1',
};

describe('computeFeatures', () => {
  const state = decodeCustomerState('c1', Object.entries(hash).flat())!;

  it('computes the window features by their definitions', () => {
    const now = Date.parse('2011-03-20T09:00:00Z');
    const f = computeFeatures(state, now, 30);
    expect(f).toEqual({
      customerId: 'c1',
      recencyDays: 9, // 2011-03-10 12:00 -> 2011-03-20 09:00 is 9 days 21 hours
      orders: 3,
      frequency: 3 / 10, // purchase days 03-01 and 03-10: 10 days inclusive
      grossRevenueMills: 70000,
      avgTicketMills: 70000 / 5,
      items: 16,
      products: 2,
      returns: 2,
      returnEvents: 1,
      returnedMills: 5000,
      avgDaysBetweenPurchases: 9,
      lifetimeOrders: 4,
      lifetimeRevenueMills: 90000,
    });
  });

  it('includes exactly the days of the window: now-day minus windowDays-1 through now-day', () => {
    expect(windowStartDay(Date.parse('2011-03-30T23:00:00Z'), 30)).toBe(day('2011-03-01T00:00:00Z'));
    expect(computeFeatures(state, Date.parse('2011-03-30T23:59:59Z'), 30).orders).toBe(3);
    expect(computeFeatures(state, Date.parse('2011-03-31T00:00:00Z'), 30).orders).toBe(1);
    expect(computeFeatures(state, Date.parse('2011-03-31T00:00:00Z'), 30).avgDaysBetweenPurchases).toBeNull();
  });

  it('gives zeros and null recency for a customer who only returned goods', () => {
    const f = computeFeatures(
      decodeCustomerState('c2', ['ro', '1', 'rq', '3', 'rv', '900', 'x', '15000', 'd:15000', '0,0,0,0,1,3,900'])!,
      15000 * 86_400_000,
      365,
    );
    expect(f).toMatchObject({
      recencyDays: null,
      orders: 0,
      frequency: 0,
      grossRevenueMills: 0,
      avgTicketMills: 0,
      returns: 3,
    });
  });

  it('treats an empty hash as no customer', () => {
    expect(decodeCustomerState('nobody', [])).toBeUndefined();
  });

  it('treats an erased customer (the marker z) as no customer', () => {
    expect(decodeCustomerState('gone', ['z', '1764600000000'])).toBeUndefined();
  });
});
