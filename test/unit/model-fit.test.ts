// fitModel reads customers in a canonical order, so a fit depends on the set of customers and the
// seed, not on the order they arrive in (a Redis SCAN's order, a file's).
import { describe, expect, it } from 'vitest';
import type { Features } from '../../src/features/features.js';
import { fitModel, placeCustomers } from '../../src/model/model.js';
import { LAPSED_SEGMENT_ID } from '../../src/model/segments.js';
import { createRng } from '../../src/model/rng.js';
import { clusteredCustomer, features } from '../support/features.js';

function customer(id: string, revenueUnits: number, recencyDays: number, products: number): Features {
  return features(id, revenueUnits, recencyDays, products, {
    avgTicketMills: 1000,
    returns: products % 3,
    returnedMills: 0,
    lifetimeOrders: products,
    lifetimeRevenueMills: revenueUnits * 1000,
  });
}

describe('fitModel', () => {
  const rng = createRng(3);
  const customers: Features[] = Array.from({ length: 300 }, (_, i) =>
    customer(`c${String(i).padStart(3, '0')}`, ...clusteredCustomer(i % 3, rng)),
  );

  it('gives the same model for the same customers in any order', () => {
    const shuffled = [...customers];
    const order = createRng(8);
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = Math.floor(order() * (i + 1));
      [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
    }
    const a = fitModel(customers, { seed: 4, k: 4 });
    for (const rows of [shuffled, [...customers].reverse()]) {
      const b = fitModel(rows, { seed: 4, k: 4 });
      expect(Array.from(b.centres.data)).toEqual(Array.from(a.centres.data));
      expect(b.segments).toEqual(a.segments);
      expect(b.insidersId).toBe(a.insidersId);
      expect(b.inertia).toBe(a.inertia);
    }
  });
});

describe('fitModel reading customers by id', () => {
  // ids sharing their first 7 characters and more, ids that are prefixes of others, and ids
  // beyond ASCII: all ordered by their code units, whatever order they come in
  const ids = Array.from({ length: 240 }, (_, i) =>
    i % 3 === 0 ? `customer-${i % 7}${'0'.repeat(i % 4)}${i}` : i % 3 === 1 ? `${i}` : `Ö${i}é`,
  );
  const rng = createRng(5);
  const customers = ids.map((id, i) =>
    customer(id, [200, 3_000, 40_000][i % 3]! * (0.5 + rng()), 5 + Math.floor(300 * rng()), 2 + (i % 50)),
  );

  it('gives the same model for the same customers in any order', () => {
    const a = fitModel(customers, { seed: 4, k: 3 });
    const shuffled = [...customers];
    const order = createRng(9);
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = Math.floor(order() * (i + 1));
      [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
    }
    const sorted = [...customers].sort((x, y) => (x.customerId < y.customerId ? -1 : 1));
    for (const rows of [shuffled, [...customers].reverse(), sorted]) {
      const b = fitModel(rows, { seed: 4, k: 3 });
      expect(Array.from(b.centres.data)).toEqual(Array.from(a.centres.data));
      expect(b.inertia).toBe(a.inertia);
    }
  });
});

describe('fitModel and the Insiders policy', () => {
  // Two well-separated groups: 60 % big spenders, 40 % small ones; within the big spenders a tight
  // tenth spends four times more. The silhouette prefers k = 2, whose Insiders are 60 %; at
  // k = 3 the top tenth is a segment of its own, inside a 5–20 % band.
  const rng = createRng(11);
  const jitter = () => 0.9 + 0.2 * rng();
  const customers: Features[] = Array.from({ length: 200 }, (_, i) => {
    const id = `p${String(i).padStart(3, '0')}`;
    const plain = (revenue: number, recency: number, products: number) =>
      features(id, revenue, recency, products, { returns: 0, returnEvents: 0, frequency: 0.1 });
    if (i < 20) return plain(16_000 * jitter(), 5 + (i % 3), 60);
    if (i < 120) return plain(4_000 * jitter(), 5 + (i % 3), 60);
    return plain(20 * jitter(), 300 + (i % 7), 2);
  });

  it('picks the k whose Insiders fall in the band over a better silhouette outside it', () => {
    const free = fitModel(customers, { seed: 2, kRange: [2, 4], insidersShareBand: [0, 1] });
    expect(free.k).toBe(2);
    expect(free.selection?.insidersShareOfCustomers).toBeCloseTo(0.6, 2);

    const banded = fitModel(customers, { seed: 2, kRange: [2, 4], insidersShareBand: [0.05, 0.2] });
    expect(banded.silhouetteByK[2]).toBeGreaterThan(banded.silhouetteByK[3]!);
    expect(banded.k).toBe(3);
    expect(banded.selection).toMatchObject({
      policy: { shareBand: [0.05, 0.2], rankRule: 'highest grossRevenueMills, then lowest recencyDays' },
      insidersShareOfCustomers: 0.1,
      insidersInBand: true,
    });
    // 20 × 16,000 of 20 × 16,000 + 100 × 4,000 + 80 × 20, give or take the jitter
    expect(banded.selection!.insidersShareOfRevenue).toBeCloseTo(0.44, 1);
    expect(banded.selection!.reason).toMatch(/^k = 3: the best silhouette .* of the k whose Insiders fall in 5–20 %/);
  });

  it('says so when no k puts the Insiders in the band', () => {
    const model = fitModel(customers, { seed: 2, kRange: [2, 2], insidersShareBand: [0.05, 0.2] });
    expect(model.selection).toMatchObject({ insidersInBand: false });
    expect(model.selection!.reason).toBe('k = 2 fixed; Insiders at 60.0 %, outside 5–20 %');
  });
});

describe('names across refits', () => {
  it('keeps every id and name over two refits on unchanged data, and names stay distinct', () => {
    const rng = createRng(5);
    const rows = Array.from({ length: 400 }, (_, i) =>
      customer(
        `n${String(i).padStart(3, '0')}`,
        [150, 900, 4_000, 30_000][i % 4]! * (0.6 + 0.8 * rng()),
        [320, 150, 40, 6][i % 4]! + Math.floor(30 * rng()),
        [1, 8, 25, 90][i % 4]! + Math.floor(4 * rng()),
      ),
    );
    const first = fitModel(rows, { seed: 1, k: 4 });
    const second = fitModel(rows, { seed: 2 }, first);
    const third = fitModel(rows, { seed: 3 }, second);
    const names = (m: typeof first) => m.segments.map((s) => [s.id, s.name, s.kind]);
    expect(names(second)).toEqual(names(first));
    expect(names(third)).toEqual(names(first));
    expect(new Set(first.segments.map((s) => s.name)).size).toBe(first.segments.length);
    expect(third.selection?.reason).toBe('k = 4 kept from version 2 (a refit warm-starts with the previous k)');
  });
});

describe('the Lapsed group', () => {
  const active = Array.from({ length: 60 }, (_, i) =>
    customer(`a${String(i).padStart(2, '0')}`, [100, 2_000, 30_000][i % 3]!, [200, 60, 3][i % 3]!, [2, 10, 50][i % 3]!),
  );
  const expired = features('lapsed-1', 0, 400, 0, { orders: 0, returns: 0, returnEvents: 0 });
  const returnsOnly = features('lapsed-2', 0, 90, 0, { orders: 0 });
  const neverBoughtButReturned = features('lapsed-3', 0, null, 0, { orders: 0 });
  const neverBought = features('guest-like', 0, null, 0, { orders: 0, returns: 0, returnEvents: 0 });
  const rows = [...active, expired, returnsOnly, neverBoughtButReturned, neverBought];

  it('leaves customers without a purchase in the window out of the fit and places them by rule', () => {
    const model = fitModel(rows, { seed: 1, k: 3 });
    const withoutThem = fitModel(active, { seed: 1, k: 3 });
    expect(model.trainedOn).toBe(60);
    expect(Array.from(model.centres.data)).toEqual(Array.from(withoutThem.centres.data));
    const lapsed = model.segments.find((s) => s.id === LAPSED_SEGMENT_ID);
    expect(lapsed).toMatchObject({ name: 'Lapsed', kind: 'lapsed', ruleBased: true, rank: 4, size: 3 });
    expect(model.segments).toHaveLength(4);

    const placed = new Map(placeCustomers(model, rows).map((p) => [p.customerId, p.segmentId]));
    expect(placed.get('lapsed-1')).toBe(LAPSED_SEGMENT_ID);
    expect(placed.get('lapsed-2')).toBe(LAPSED_SEGMENT_ID);
    expect(placed.get('lapsed-3')).toBe(LAPSED_SEGMENT_ID);
    expect(placed.has('guest-like')).toBe(false);
    const clustered = model.segments.filter((s) => !s.ruleBased).map((s) => s.id);
    for (const c of active) expect(clustered).toContain(placed.get(c.customerId));
    // Segment names are all different.
    expect(new Set(model.segments.map((s) => s.name)).size).toBe(model.segments.length);
  });

  it('clusters every customer who ever bought with a version stored before the Lapsed group', () => {
    const model = fitModel(active, { seed: 1, k: 3 });
    const old = { ...model, segments: model.segments.filter((s) => !s.ruleBased) };
    const placed = new Map(placeCustomers(old, rows).map((p) => [p.customerId, p.segmentId]));
    expect(placed.get('lapsed-1')).toBeGreaterThan(0);
    expect(placed.has('lapsed-3')).toBe(false);
  });
});
