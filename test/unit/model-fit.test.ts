// fitModel reads customers in a canonical order, so a fit depends on the set of customers and the
// seed, not on the order they arrive in (a Redis SCAN's order, a file's).
import { describe, expect, it } from 'vitest';
import type { Features } from '../../src/features/features.js';
import { fitModel } from '../../src/model/model.js';
import { createRng } from '../../src/model/rng.js';
import { features } from '../support/features.js';

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
  const customers: Features[] = Array.from({ length: 300 }, (_, i) => {
    const group = i % 3;
    return customer(
      `c${String(i).padStart(3, '0')}`,
      [200, 3_000, 40_000][group]! * (0.5 + rng()),
      [300, 90, 5][group]! + Math.floor(20 * rng()),
      [2, 15, 80][group]! + Math.floor(5 * rng()),
    );
  });

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
