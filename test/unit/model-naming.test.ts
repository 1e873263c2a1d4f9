// Segment names from hand-made profiles: distinct names from the vocabulary, the expected ones for
// clear-cut profiles, a previous name kept unless the profile clearly moves, and plain descriptions.
import { describe, expect, it } from 'vitest';
import {
  describeTraits,
  FITTED_KINDS,
  NAME_STICKINESS,
  nameSegments,
  SEGMENT_KINDS,
  type SegmentTraits,
} from '../../src/model/naming.js';

const traits = (
  recencyDays: number,
  orders: number,
  revenue: number,
  oneOrderShare: number,
  products = 40,
): SegmentTraits => ({ recencyDays, orders, grossRevenueMills: revenue, products, oneOrderShare });

// Population medians: 50 days since the last purchase, 3 orders, 600.000 (mills), 40 products.
const population = traits(50, 3, 600_000, 0.3);

describe('nameSegments', () => {
  it('names clear-cut profiles as expected, rank 1 Insiders, every name different', () => {
    const segments = [
      traits(10, 12, 5_000_000, 0), // the Insiders rule's pick
      traits(20, 6, 1_200_000, 0.05), // recent, frequent, valuable
      traits(4, 1, 250_000, 1), // first order days ago
      traits(200, 8, 2_500_000, 0.05), // were frequent and valuable, quiet for months
      traits(600, 1, 150_000, 0.95), // one order long ago
      traits(150, 1, 300_000, 0.9), // one order some months ago
    ];
    const names = nameSegments({ traits: segments, ranks: [1, 3, 6, 2, 5, 4], population });
    expect(names.map((n) => n.name)).toEqual(['Insiders', 'Loyal', 'New', "Can't lose", 'Lost', 'One-time buyers']);
    expect(new Set(names.map((n) => n.name)).size).toBe(names.length);
    expect(names[1]!.action).toBe(SEGMENT_KINDS.loyal.action);
  });

  it('gives two segments that would both be Hibernating different names', () => {
    const names = nameSegments({
      traits: [traits(10, 12, 5_000_000, 0), traits(300, 1, 200_000, 0.7), traits(320, 1, 190_000, 0.75)],
      ranks: [1, 2, 3],
      population,
    });
    expect(names[1]!.name).not.toBe(names[2]!.name);
    expect(names.map((n) => n.kind)).toEqual(['insiders', 'hibernating', 'lost']);
  });

  it('keeps a continuing segment its previous name unless another fits clearly better', () => {
    const segment = traits(120, 1, 300_000, 0.7);
    const fresh = nameSegments({ traits: [traits(10, 12, 5_000_000, 0), segment], ranks: [1, 2], population });
    expect(fresh[1]!.kind).toBe('one-time');
    // A name that fits a little worse stays when it was the segment's name before…
    const kept = nameSegments({
      traits: [traits(10, 12, 5_000_000, 0), segment],
      ranks: [1, 2],
      population,
      previousKinds: [undefined, 'hibernating'],
    });
    expect(kept[1]!.kind).toBe('hibernating');
    // …but not once the profile has clearly moved: now recent with several orders.
    const moved = nameSegments({
      traits: [traits(10, 12, 5_000_000, 0), traits(20, 6, 1_200_000, 0.05)],
      ranks: [1, 2],
      population,
      previousKinds: [undefined, 'hibernating'],
    });
    expect(moved[1]!.kind).toBe('loyal');
    expect(NAME_STICKINESS).toBeGreaterThan(0);
  });

  it('numbers the segments left over when there are more segments than names', () => {
    const many = Array.from({ length: FITTED_KINDS.length + 3 }, (_, i) =>
      traits(10 + 40 * i, 1 + (i % 4), 400_000, 0.5),
    );
    const names = nameSegments({ traits: many, ranks: many.map((_, i) => i + 1), population });
    expect(new Set(names.map((n) => n.name)).size).toBe(many.length);
    expect(names.filter((n) => / \d+$/.test(n.name))).toHaveLength(2);
  });
});

describe('describeTraits', () => {
  it('says in plain words what sets a segment apart', () => {
    expect(describeTraits(traits(12, 6, 2_040_000, 0.1, 100), population)).toBe(
      'last bought 12 days ago (median), 3.4× the median revenue, 6 orders (median), many products (2.5×)',
    );
    expect(describeTraits(traits(240, 1, 180_000, 0.9, 10), population)).toBe(
      'last bought 240 days ago (median), 0.3× the median revenue, 90 % bought only once, few products (0.3×)',
    );
  });
});
