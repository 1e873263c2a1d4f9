import { describe, expect, it } from 'vitest';
import {
  assignSegmentIds,
  buildSegments,
  DEFAULT_NAMING_THRESHOLDS,
  kindOf,
  nameSegments,
  rankSegments,
  SEGMENT_KINDS,
  type SegmentProfile,
} from '../../src/model/segments.js';
import type { Matrix } from '../../src/model/types.js';

function matrix(rows: number[][]): Matrix {
  return { rows: rows.length, cols: rows[0]?.length ?? 0, data: Float64Array.from(rows.flat()) };
}

const profile = (grossRevenueMills: number, recencyDays: number, products: number): SegmentProfile => ({
  grossRevenueMills,
  recencyDays,
  products,
});

describe('rankSegments', () => {
  it('ranks by mean gross revenue, highest first, by default', () => {
    const centres = [profile(300, 10, 1), profile(900, 40, 1), profile(100, 5, 1), profile(500, 20, 1)];
    expect(rankSegments(centres)).toEqual([3, 1, 4, 2]);
  });

  it('breaks a revenue tie by lower recency, then by index', () => {
    const centres = [profile(500, 40, 1), profile(500, 20, 1), profile(100, 5, 1), profile(500, 20, 9)];
    // 1 and 3 tie on revenue and recency: index 1 first; 0 has the same revenue but older recency.
    expect(rankSegments(centres)).toEqual([3, 1, 4, 2]);
  });

  it('follows a configured rule, and without thenBy goes straight to the index', () => {
    const centres = [profile(500, 40, 1), profile(500, 20, 1), profile(100, 5, 1)];
    expect(rankSegments(centres)).toEqual([2, 1, 3]);
    expect(rankSegments(centres, { by: 'recencyDays', order: 'asc' })).toEqual([3, 2, 1]);
    expect(rankSegments(centres, { by: 'grossRevenueMills', order: 'desc' })).toEqual([1, 2, 3]);
    expect(
      rankSegments(centres, {
        by: 'grossRevenueMills',
        order: 'desc',
        thenBy: [{ by: 'recencyDays', order: 'desc' }],
      }),
    ).toEqual([1, 2, 3]);
  });

  it('rejects a centre without the ranking feature', () => {
    expect(() => rankSegments([profile(1, 1, 1), { recencyDays: 3 }])).toThrow(
      'segment 1 has no value for grossRevenueMills',
    );
  });
});

describe('kindOf', () => {
  const t = DEFAULT_NAMING_THRESHOLDS;
  it('puts profiles exactly on a threshold on the inclusive side the table states', () => {
    expect(kindOf(2, { recency: 1, frequency: 1, monetary: 1 }, t)).toBe('loyal');
    expect(kindOf(2, { recency: 0.5, frequency: 0.99, monetary: 3 }, t)).toBe('new');
    expect(kindOf(2, { recency: 2, frequency: 5, monetary: 0.99 }, t)).toBe('need-attention');
    expect(kindOf(2, { recency: 2.01, frequency: 5, monetary: 0.99 }, t)).toBe('hibernating');
    expect(kindOf(2, { recency: 1.01, frequency: 0, monetary: 1 }, t)).toBe('at-risk');
    expect(kindOf(1, { recency: 9, frequency: 0, monetary: 0 }, t)).toBe('insiders');
  });
});

describe('nameSegments', () => {
  // Population medians: 60 days since the last purchase, 40 products, 600.000 (mills).
  const population = profile(600_000, 60, 40);

  it('names a ranked four-segment profile', () => {
    const centres = [
      profile(300_000, 250, 20), // R 4.17, M 0.5: low value, long ago
      profile(5_000_000, 10, 300), // the most revenue
      profile(200_000, 15, 8), // R 0.25, F 0.2: very recent, few products
      profile(1_200_000, 30, 90), // R 0.5, F 2.25, M 2: recent, frequent, valuable
    ];
    const ranks = rankSegments(centres);
    expect(ranks).toEqual([3, 1, 4, 2]);
    const named = nameSegments(centres, ranks, population);
    expect(named.map((n) => n.name)).toEqual(['Hibernating', 'Insiders', 'New', 'Loyal']);
    expect(named.map((n) => n.kind)).toEqual(['hibernating', 'insiders', 'new', 'loyal']);
    expect(named[3]!.relative).toEqual({ recency: 0.5, frequency: 2.25, monetary: 2 });
    expect(named[1]!.description).toBe(SEGMENT_KINDS.insiders.description);
    for (const n of named) expect(n.description.length).toBeGreaterThan(20);
  });

  it('tells promising, potential loyalists, at risk and need attention apart', () => {
    const centres = [
      profile(4_000_000, 20, 200), // top
      profile(900_000, 90, 80), // R 1.5, M 1.5: was valuable, now quiet
      profile(700_000, 45, 20), // R 0.75, F 0.5: recent, few products
      profile(300_000, 50, 60), // R 0.83, F 1.5, M 0.5: recent, frequent, small baskets
      profile(250_000, 100, 30), // R 1.67, M 0.42: slipping, modest value
    ];
    const ranks = rankSegments(centres);
    expect(ranks).toEqual([1, 2, 3, 4, 5]);
    expect(nameSegments(centres, ranks, population).map((n) => n.name)).toEqual([
      'Insiders',
      'At risk',
      'Promising',
      'Potential loyalist',
      'Need attention',
    ]);
  });

  it('keeps names unique: the better-ranked segment keeps the plain name', () => {
    const centres = [
      profile(100_000, 400, 5), // hibernating, rank 4
      profile(2_000_000, 5, 100),
      profile(200_000, 300, 5), // hibernating, rank 3
      profile(300_000, 200, 5), // hibernating, rank 2
    ];
    const ranks = rankSegments(centres);
    expect(ranks).toEqual([4, 1, 3, 2]);
    expect(nameSegments(centres, ranks, population).map((n) => n.name)).toEqual([
      'Hibernating 3',
      'Insiders',
      'Hibernating 2',
      'Hibernating',
    ]);
  });

  it('reads the axes and thresholds it is given', () => {
    const centres = [
      { grossRevenueMills: 9, recencyDays: 1, orders: 1 },
      { grossRevenueMills: 5, recencyDays: 10, orders: 6 },
    ];
    const population = { grossRevenueMills: 4, recencyDays: 10, orders: 3 };
    const axes = { recency: 'recencyDays', frequency: 'orders', monetary: 'grossRevenueMills' } as const;
    const ranks = rankSegments(centres);
    expect(nameSegments(centres, ranks, population, { axes }).map((n) => n.name)).toEqual(['Insiders', 'Loyal']);
    const strict = { ...DEFAULT_NAMING_THRESHOLDS, recentAtMost: 0.9, lapsedAbove: 1.5 };
    expect(nameSegments(centres, ranks, population, { axes, thresholds: strict })[1]!.name).toBe('At risk');
    expect(() => nameSegments(centres, ranks, population)).toThrow(
      'the population reference has no value for products',
    );
    expect(() => nameSegments(centres, [1], population, { axes })).toThrow('1 ranks for 2 segments');
  });
});

describe('assignSegmentIds', () => {
  const previousCentres = matrix([
    [0, 0],
    [10, 0],
    [0, 10],
  ]);
  const previous = { ids: [4, 7, 9], centres: previousCentres };

  it('numbers a first version 1..k', () => {
    expect(assignSegmentIds(undefined, previousCentres)).toEqual([1, 2, 3]);
  });

  it('lets permuted, slightly moved centres inherit their ids', () => {
    const next = matrix([
      [0.3, 9.8],
      [0.1, 0.2],
      [9.7, -0.4],
    ]);
    expect(assignSegmentIds(previous, next)).toEqual([9, 4, 7]);
  });

  it('gives new centres fresh ids above the previous maximum, in row order, when k grows', () => {
    const next = matrix([
      [20, 20],
      [10, 0.5],
      [0, 9.5],
      [-20, -20],
      [0.5, 0],
    ]);
    expect(assignSegmentIds(previous, next)).toEqual([10, 7, 9, 11, 4]);
  });

  it('keeps the ids of the surviving centres when k shrinks', () => {
    const next = matrix([
      [0, 11],
      [1, 1],
    ]);
    expect(assignSegmentIds(previous, next)).toEqual([9, 4]);
  });

  it('never reuses an id given before when told the highest one ever given', () => {
    const next = matrix([
      [0, 0],
      [10, 0],
      [0, 10],
      [30, 30],
    ]);
    expect(assignSegmentIds({ ...previous, highestIdEver: 12 }, next)).toEqual([4, 7, 9, 13]);
  });

  it('rejects ids that do not fit the previous centres', () => {
    expect(() => assignSegmentIds({ ids: [1, 2], centres: previousCentres }, previousCentres)).toThrow(
      '2 previous ids for 3 previous centres',
    );
    expect(() => assignSegmentIds({ ids: [1, 2, 2], centres: previousCentres }, previousCentres)).toThrow(
      'previous segment ids repeat',
    );
  });
});

describe('buildSegments', () => {
  const population = profile(600_000, 60, 40);
  const centres = [profile(300_000, 250, 20), profile(5_000_000, 10, 300), profile(1_200_000, 30, 90)];
  const scaledCentres = matrix([[0], [1], [0.5]]);

  it('gives a first version ids 1..k, ranks, names and the Insiders id', () => {
    const { segments, insidersId } = buildSegments({ scaledCentres, centres, sizes: [50, 3, 12], population });
    expect(insidersId).toBe(2);
    expect(segments.map((s) => [s.id, s.rank, s.name, s.kind, s.size])).toEqual([
      [1, 3, 'Hibernating', 'hibernating', 50],
      [2, 1, 'Insiders', 'insiders', 3],
      [3, 2, 'Loyal', 'loyal', 12],
    ]);
    expect(segments[1]!.centre).toBe(centres[1]);
  });

  it('carries the Insiders id over a refit that reorders the centres', () => {
    const previous = { ids: [1, 2, 3], centres: scaledCentres };
    const refit = buildSegments({
      scaledCentres: matrix([[0.98], [0.49], [0.02]]),
      centres: [centres[1]!, centres[2]!, centres[0]!],
      sizes: [4, 13, 48],
      population,
      previous,
    });
    expect(refit.insidersId).toBe(2);
    expect(refit.segments.map((s) => [s.id, s.name])).toEqual([
      [2, 'Insiders'],
      [3, 'Loyal'],
      [1, 'Hibernating'],
    ]);
  });

  it('rejects profiles and sizes that do not match the centres', () => {
    expect(() => buildSegments({ scaledCentres, centres, sizes: [1, 2], population })).toThrow(
      '3 centres but 3 profiles and 2 sizes',
    );
  });
});
