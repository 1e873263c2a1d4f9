// decodePlacementStates: read-placement.lua's reply, line by line, into the placement states.
import { describe, expect, it } from 'vitest';
import { decodePlacementStates, type PlacementState } from '../../src/state/customer-state.js';

/** Sums the (day, products) pairs, and takes the earliest day for a change time: what was passed shows. */
const productsOf = (lastBought: readonly number[], pairs: number) => {
  const days = Array.from({ length: pairs }, (_, e) => lastBought[2 * e]!);
  return {
    day: 15_100,
    inWindow: days.reduce((sum, _, e) => sum + lastBought[2 * e + 1]!, 0),
    changeMs: pairs === 0 ? Infinity : Math.min(...days),
  };
};

describe('decodePlacementStates', () => {
  it('reads scalars, absent ones, buckets with their product counts, and skips empty lines', () => {
    const reply = [
      '', // never seen
      '1300000000000 3 7 12 45000 1 2 -300  ', // no segment or version; no buckets
      '1300000000001 2 2 3 28050 0 0 0 4 17 15034=2,2,3,28050,0,0,0,2 15035=0,0,0,0,1,1,3390,0',
      '', // erased
    ].join('\n');
    const out: PlacementState[] = [];
    decodePlacementStates(reply, ['gone', 'a', 'b', 'erased'], productsOf, out);
    expect(out.map((s) => s.customerId)).toEqual(['a', 'b']);
    expect(out[0]).toEqual({
      customerId: 'a',
      lastPurchaseMs: 1_300_000_000_000,
      lifetime: {
        orders: 3,
        lines: 7,
        items: 12,
        revenueMills: 45_000,
        returns: 1,
        returnedItems: 2,
        returnedMills: -300,
      },
      days: [],
      products: { day: 15_100, inWindow: 0, changeMs: Infinity },
      segmentId: null,
      segmentModelVersion: null,
    });
    expect(out[1]!.segmentId).toBe(4);
    expect(out[1]!.segmentModelVersion).toBe(17);
    // day, orders, lines, items, revenueMills, returns, returnedItems, returnedMills
    expect(out[1]!.days).toEqual([15_034, 2, 2, 3, 28_050, 0, 0, 0, 15_035, 0, 0, 0, 0, 1, 1, 3390]);
    expect(out[1]!.products).toEqual({ day: 15_100, inWindow: 2, changeMs: 15_034 });
  });

  it('reads a customer without a purchase (returns only) and a last line without a newline', () => {
    const out: PlacementState[] = [];
    decodePlacementStates('     1 1 500   15035=0,0,0,0,1,1,500,0', ['r'], productsOf, out);
    expect(out).toHaveLength(1);
    expect(out[0]!.lastPurchaseMs).toBeUndefined();
    expect(out[0]!.lifetime.returns).toBe(1);
    expect(out[0]!.days).toEqual([15_035, 0, 0, 0, 0, 1, 1, 500]);
  });
});
