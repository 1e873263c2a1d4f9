import { describe, expect, it } from 'vitest';
import { matrixFromRows } from '../../src/model/matrix.js';
import { createRng, sampleWithoutReplacement } from '../../src/model/rng.js';
import { silhouette, silhouetteOnSample } from '../../src/model/silhouette.js';

const all = (n: number) => Int32Array.from({ length: n }, (_, i) => i);

describe('silhouette', () => {
  // One dimension: A = {0, 1}, B = {4, 6}.
  //   0: a = |0−1| = 1;  b = (4 + 6)/2 = 5;    s = (5 − 1)/5 = 0.8
  //   1: a = 1;          b = (3 + 5)/2 = 4;    s = (4 − 1)/4 = 0.75
  //   4: a = |4−6| = 2;  b = (4 + 3)/2 = 3.5;  s = (3.5 − 2)/3.5 = 3/7
  //   6: a = 2;          b = (6 + 5)/2 = 5.5;  s = (5.5 − 2)/5.5 = 7/11
  // mean = (0.8 + 0.75 + 3/7 + 7/11)/4 = 2.6149350…/4 = 0.6537337…
  const x = matrixFromRows([[0], [1], [4], [6]]);
  const labels = Int32Array.from([0, 0, 1, 1]);
  const handSum = 0.8 + 0.75 + 3 / 7 + 7 / 11;

  it('matches the coefficient worked by hand on four points', () => {
    expect(silhouetteOnSample(x, labels, 2, all(4))).toBeCloseTo(handSum / 4, 12);
    expect(silhouette(x, labels, 2, { rng: createRng(1) })).toBeCloseTo(handSum / 4, 12);
  });

  it('gives a singleton cluster s = 0, and lets it compete as the nearest other cluster', () => {
    // Add C = {20}: its own s is 0. For the others C is farther than the other pair
    // (0: 20 vs 5; 1: 19 vs 4; 4: 16 vs 3.5; 6: 14 vs 5.5), so their s are unchanged: mean = handSum / 5.
    const withSingleton = matrixFromRows([[0], [1], [4], [6], [20]]);
    const l = Int32Array.from([0, 0, 1, 1, 2]);
    expect(silhouetteOnSample(withSingleton, l, 3, all(5))).toBeCloseTo(handSum / 5, 12);
  });

  it('uses the nearest other cluster for b and can be negative for a misplaced point', () => {
    // A = {0, 10}, B = {1, 2}. For 0: a = 10, b = (1 + 2)/2 = 1.5, s = (1.5 − 10)/10 = −0.85.
    // For 10: a = 10, b = (9 + 8)/2 = 8.5, s = −0.15. For 1: a = 1, b = (1 + 9)/2 = 5, s = 0.8.
    // For 2: a = 1, b = (2 + 8)/2 = 5, s = 0.8. Mean = (−0.85 − 0.15 + 0.8 + 0.8)/4 = 0.15.
    const m = matrixFromRows([[0], [10], [1], [2]]);
    expect(silhouetteOnSample(m, Int32Array.from([0, 0, 1, 1]), 2, all(4))).toBeCloseTo(0.15, 12);
  });

  it('measures Euclidean (not squared) distance across columns', () => {
    // A = {(0,0), (3,4)}, B = {(30,40)}: for (0,0) a = 5, b = 50, s = 0.9; for (3,4) a = 5,
    // b = |(27,36)| = 45, s = 40/45; B is a singleton, s = 0. Mean = (0.9 + 8/9)/3.
    const m = matrixFromRows([
      [0, 0],
      [3, 4],
      [30, 40],
    ]);
    expect(silhouetteOnSample(m, Int32Array.from([0, 0, 1]), 2, all(3))).toBeCloseTo((0.9 + 8 / 9) / 3, 12);
  });

  it('returns 0 when fewer than two clusters have points, and ignores empty labels', () => {
    expect(silhouetteOnSample(x, Int32Array.from([1, 1, 1, 1]), 3, all(4))).toBe(0);
    expect(silhouetteOnSample(x, Int32Array.from([0, 0, 2, 2]), 4, all(4))).toBeCloseTo(handSum / 4, 12);
  });

  it('computes over the seeded sample only: the same as silhouetteOnSample on that sample', () => {
    const rng = createRng(5);
    const n = 200;
    const m = matrixFromRows(Array.from({ length: n }, () => [rng() * 10, rng()]));
    const l = Int32Array.from({ length: n }, (_, i) => (m.data[i * 2]! < 5 ? 0 : 1));
    const sampled = silhouette(m, l, 2, { rng: createRng(8), sampleSize: 50 });
    expect(sampled).toBe(silhouetteOnSample(m, l, 2, sampleWithoutReplacement(n, 50, createRng(8))));
    expect(sampled).not.toBe(silhouetteOnSample(m, l, 2, all(n)));
  });

  it('rejects labels outside [0, k)', () => {
    expect(() => silhouetteOnSample(x, Int32Array.from([0, 0, 1, 2]), 2, all(4))).toThrow(RangeError);
  });
});
