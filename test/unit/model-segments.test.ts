import { describe, expect, it } from 'vitest';
import type { SegmentTraits } from '../../src/model/naming.js';
import {
  assignSegmentIds,
  buildSegments,
  clusteredSegments,
  LAPSED_SEGMENT_ID,
  rankSegments,
  type SegmentProfile,
} from '../../src/model/segments.js';
import { matrixFromRows } from '../../src/model/matrix.js';

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

describe('assignSegmentIds', () => {
  const previousCentres = matrixFromRows([
    [0, 0],
    [10, 0],
    [0, 10],
  ]);
  const previous = { ids: [4, 7, 9], centres: previousCentres };

  it('numbers a first version 1..k', () => {
    expect(assignSegmentIds(undefined, previousCentres)).toEqual([1, 2, 3]);
  });

  it('lets permuted, slightly moved centres inherit their ids', () => {
    const next = matrixFromRows([
      [0.3, 9.8],
      [0.1, 0.2],
      [9.7, -0.4],
    ]);
    expect(assignSegmentIds(previous, next)).toEqual([9, 4, 7]);
  });

  it('gives new centres fresh ids above the previous maximum, in row order, when k grows', () => {
    const next = matrixFromRows([
      [20, 20],
      [10, 0.5],
      [0, 9.5],
      [-20, -20],
      [0.5, 0],
    ]);
    expect(assignSegmentIds(previous, next)).toEqual([10, 7, 9, 11, 4]);
  });

  it('keeps the ids of the surviving centres when k shrinks', () => {
    const next = matrixFromRows([
      [0, 11],
      [1, 1],
    ]);
    expect(assignSegmentIds(previous, next)).toEqual([9, 4]);
  });

  it('never reuses an id given before when told the highest one ever given', () => {
    const next = matrixFromRows([
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
  const traits = (recencyDays: number, orders: number, revenue: number, oneOrderShare: number): SegmentTraits => ({
    recencyDays,
    orders,
    grossRevenueMills: revenue,
    products: 40,
    oneOrderShare,
  });
  const population = traits(60, 3, 600_000, 0.3);
  const centres = [profile(300_000, 250, 20), profile(5_000_000, 10, 300), profile(1_200_000, 30, 90)];
  const members = [traits(400, 1, 200_000, 0.95), traits(8, 12, 4_000_000, 0), traits(25, 6, 1_200_000, 0.05)];
  const scaledCentres = matrixFromRows([[0], [1], [0.5]]);
  const first = () =>
    buildSegments({ scaledCentres, centres, sizes: [50, 3, 12], traits: members, population, lapsed: 7 });

  it('gives a first version ids 1..k, ranks, names, the Insiders id and the Lapsed group last', () => {
    const { segments, insidersId } = first();
    expect(insidersId).toBe(2);
    expect(segments.map((s) => [s.id, s.rank, s.name, s.kind, s.size, s.ruleBased])).toEqual([
      [1, 3, 'Lost', 'lost', 50, false],
      [2, 1, 'Insiders', 'insiders', 3, false],
      [3, 2, 'Loyal', 'loyal', 12, false],
      [LAPSED_SEGMENT_ID, 4, 'Lapsed', 'lapsed', 7, true],
    ]);
    expect(segments[1]!.centre).toBe(centres[1]);
    expect(segments[1]!.description).toBe(
      'last bought 8 days ago (median), 6.7× the median revenue, 12 orders (median)',
    );
    expect(clusteredSegments(segments).map((s) => s.id)).toEqual([1, 2, 3]);
  });

  it('carries the Insiders id and the names over a refit that reorders the centres', () => {
    const previous = { ids: [1, 2, 3], centres: scaledCentres, kinds: first().segments.map((s) => s.kind) };
    const refit = buildSegments({
      scaledCentres: matrixFromRows([[0.98], [0.49], [0.02]]),
      centres: [centres[1]!, centres[2]!, centres[0]!],
      sizes: [4, 13, 48],
      traits: [members[1]!, members[2]!, members[0]!],
      population,
      lapsed: 7,
      previous,
    });
    expect(refit.insidersId).toBe(2);
    expect(refit.segments.map((s) => [s.id, s.name])).toEqual([
      [2, 'Insiders'],
      [3, 'Loyal'],
      [1, 'Lost'],
      [LAPSED_SEGMENT_ID, 'Lapsed'],
    ]);
  });

  it('rejects profiles, sizes and traits that do not match the centres', () => {
    expect(() =>
      buildSegments({ scaledCentres, centres, sizes: [1, 2], traits: members, population, lapsed: 0 }),
    ).toThrow('3 centres but 3 profiles, 2 sizes and 3 traits');
  });
});
