import { describe, expect, it } from 'vitest';
import { assign, kmeansPlusPlus, miniBatchKMeans, miniBatchStep } from '../../src/model/kmeans.js';
import { matrixFromRows, matrixToRows } from '../../src/model/matrix.js';
import { createRng } from '../../src/model/rng.js';

function expectRowsClose(actual: number[][], expected: number[][], digits = 12): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((row, i) => {
    expect(row).toHaveLength(expected[i]!.length);
    row.forEach((v, j) => expect(v).toBeCloseTo(expected[i]![j]!, digits));
  });
}

function sizes(labels: Int32Array, k: number): number[] {
  const out = new Array<number>(k).fill(0);
  for (const l of labels) out[l]!++;
  return out;
}

describe('assign', () => {
  const centres = matrixFromRows([
    [0, 0],
    [10, 0],
  ]);

  it('labels every point with its nearest centre and its squared distance', () => {
    // (1,1): 1+1 = 2 to c0, 81+1 = 82 to c1. (9,2): 81+4 = 85 vs 1+4 = 5. (5,0): 25 vs 25, a tie → lower index.
    const a = assign(
      matrixFromRows([
        [1, 1],
        [9, 2],
        [5, 0],
      ]),
      centres,
    );
    expect(Array.from(a.labels)).toEqual([0, 1, 0]);
    expect(Array.from(a.distances)).toEqual([2, 5, 25]);
    expect(a.inertia).toBe(32);
  });

  it('fills and returns the arrays it is given', () => {
    const out = { labels: new Int32Array(1), distances: new Float64Array(1) };
    const a = assign(matrixFromRows([[9, 0]]), centres, out);
    expect(a.labels).toBe(out.labels);
    expect(a.distances).toBe(out.distances);
    expect(out.labels[0]).toBe(1);
    expect(out.distances[0]).toBe(1);
  });

  it('gives the same answers on five columns (the unrolled kernel)', () => {
    // (1,1,1,1,0): 4 to the origin, 1 to (1,1,1,1,1). (0,0,0,0,1): 1 vs 4. (2,0,0,0,0): 4 vs 1+4·1 = 5.
    const a = assign(
      matrixFromRows([
        [1, 1, 1, 1, 0],
        [0, 0, 0, 0, 1],
        [2, 0, 0, 0, 0],
      ]),
      matrixFromRows([
        [0, 0, 0, 0, 0],
        [1, 1, 1, 1, 1],
      ]),
    );
    expect(Array.from(a.labels)).toEqual([1, 0, 0]);
    expect(Array.from(a.distances)).toEqual([1, 1, 4]);
  });

  it('rejects centres of another dimension', () => {
    expect(() => assign(matrixFromRows([[1, 2, 3]]), centres)).toThrow(RangeError);
  });
});

describe('miniBatchStep', () => {
  // Points P0 (1,1), P1 (3,−1), P2 (9,2), P3 (12,0); centres C0 (0,0) with count 2, C1 (10,0) with count 1.
  // Assignment (before any update): P0 → C0 (2 vs 82), P1 → C0 (10 vs 50), P2 → C1 (85 vs 5), P3 → C1 (144 vs 4);
  // batch inertia 2 + 10 + 5 + 4 = 21.
  // Sculley, point by point, η = 1 / count after the increment:
  //   C0: P0 → count 3, η 1/3: (2/3)(0,0) + (1/3)(1,1) = (1/3, 1/3)
  //       P1 → count 4, η 1/4: (3/4)(1/3, 1/3) + (1/4)(3, −1) = (1/4 + 3/4, 1/4 − 1/4) = (1, 0)
  //   C1: P2 → count 2, η 1/2: (1/2)(10,0) + (1/2)(9,2) = (9.5, 1)
  //       P3 → count 3, η 1/3: (2/3)(9.5, 1) + (1/3)(12, 0) = (19/3 + 4, 2/3) = (31/3, 2/3)
  const x = matrixFromRows([
    [1, 1],
    [3, -1],
    [9, 2],
    [12, 0],
  ]);
  const start = () =>
    matrixFromRows([
      [0, 0],
      [10, 0],
    ]);

  it('moves each centre by learning rate 1/count and counts the points it took', () => {
    const centres = start();
    const counts = Float64Array.from([2, 1]);
    const inertia = miniBatchStep(x, [0, 1, 2, 3], centres, counts);
    expect(inertia).toBe(21);
    expectRowsClose(matrixToRows(centres), [
      [1, 0],
      [31 / 3, 2 / 3],
    ]);
    expect(Array.from(counts)).toEqual([4, 3]);
  });

  it('decays the counts first when forgetting', () => {
    // decay 0.5: counts (2, 1) → (1, 0.5). C0 = (0·1 + (1+3), 0·1 + (1−1)) / (1 + 2) = (4/3, 0);
    // C1 = (10·0.5 + (9+12), 0·0.5 + (2+0)) / (0.5 + 2) = (26/2.5, 2/2.5) = (10.4, 0.8).
    const centres = start();
    const counts = Float64Array.from([2, 1]);
    miniBatchStep(x, [0, 1, 2, 3], centres, counts, 0.5);
    expectRowsClose(matrixToRows(centres), [
      [4 / 3, 0],
      [10.4, 0.8],
    ]);
    expect(Array.from(counts)).toEqual([3, 2.5]);
  });

  it('leaves a centre that took no point where it was', () => {
    const centres = start();
    const counts = Float64Array.from([2, 1]);
    miniBatchStep(x, [2, 3], centres, counts);
    expect(matrixToRows(centres)[0]).toEqual([0, 0]);
    expect(counts[0]).toBe(2);
  });
});

describe('kmeansPlusPlus', () => {
  // Two groups 100 apart on each axis. Once a centre is in one group, every point of that group has
  // D² ≤ 2 and every point of the other D² ≥ 99² + 99² = 19,602, so a D² draw lands in the other group
  // with probability > 0.9999, and the greedy choice keeps any candidate there over one in the same
  // group (its total D² is ≤ 4 against ≥ 58,000).
  const x = matrixFromRows([
    [0, 0],
    [0, 1],
    [1, 0],
    [100, 100],
    [100, 101],
    [101, 100],
  ]);

  it('puts one centre in each of two far-apart groups, for every seed tried', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const centres = matrixToRows(kmeansPlusPlus(x, 2, createRng(seed)));
      const groups = centres.map((c) => (c[0]! > 50 ? 'far' : 'near')).sort();
      expect(groups).toEqual(['far', 'near']);
      // centres are data points
      for (const c of centres) expect(matrixToRows(x)).toContainEqual(c);
    }
  });

  it('picks every point when k = n: a chosen point has D² = 0 and cannot be drawn again', () => {
    const three = matrixFromRows([[0], [5], [7]]);
    const picked = matrixToRows(kmeansPlusPlus(three, 3, createRng(4))).map((r) => r[0]);
    expect(picked.sort((a, b) => a! - b!)).toEqual([0, 5, 7]);
  });

  it('repeats centres rather than failing when there are fewer distinct points than k', () => {
    const twoDistinct = matrixFromRows([[1], [1], [2], [2]]);
    const picked = matrixToRows(kmeansPlusPlus(twoDistinct, 3, createRng(2))).map((r) => r[0]);
    expect(new Set(picked)).toEqual(new Set([1, 2]));
  });

  it('is deterministic for a seed and rejects an impossible k', () => {
    expect(kmeansPlusPlus(x, 2, createRng(5))).toEqual(kmeansPlusPlus(x, 2, createRng(5)));
    expect(() => kmeansPlusPlus(x, 7, createRng(1))).toThrow(RangeError);
    expect(() => kmeansPlusPlus(x, 0, createRng(1))).toThrow(RangeError);
  });
});

describe('miniBatchKMeans', () => {
  // Three squares of side 2 centred on (1,1), (21,1), (1,21): each corner is at squared distance
  // 1 + 1 = 2 from its square's centre, so the optimum has inertia 12 · 2 = 24.
  const squares = matrixFromRows(
    [
      [0, 0],
      [20, 0],
      [0, 20],
    ].flatMap(([ox, oy]) => [
      [ox!, oy!],
      [ox! + 2, oy!],
      [ox!, oy! + 2],
      [ox! + 2, oy! + 2],
    ]),
  );

  it('finds the means of three separated groups, with centres equal to their members’ means', () => {
    const fit = miniBatchKMeans(squares, { k: 3, rng: createRng(11) });
    const centres = matrixToRows(fit.centres).sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);
    expectRowsClose(centres, [
      [1, 1],
      [1, 21],
      [21, 1],
    ]);
    expect(fit.inertia).toBeCloseTo(24, 9);
    expect(sizes(fit.labels, 3)).toEqual([4, 4, 4]);
    expect(fit.labels[0]).toBe(fit.labels[3]);
    expect(fit.labels[0]).not.toBe(fit.labels[4]);
  });

  it('is reproducible from its seed', () => {
    const a = miniBatchKMeans(squares, { k: 3, rng: createRng(3), refinePasses: 0 });
    const b = miniBatchKMeans(squares, { k: 3, rng: createRng(3), refinePasses: 0 });
    expect(a.centres).toEqual(b.centres);
    expect(a.counts).toEqual(b.counts);
  });

  it('moves a centre left without points onto the point farthest from its centre', () => {
    // Points 0, 1, 10, 11, 30 (one column); warm start at 0.5, 10.5 and 1000, with counts so large
    // (1e12) that one mini-batch step moves no centre by more than ~1e-10, no re-seeding during the
    // steps (ratio 0) and no refinement. Assignment: 0, 1 → 0.5 (0.25 each); 10, 11 → 10.5 (0.25);
    // 30 → 10.5 (19.5² = 380.25 against 29.5² for 0.5); nothing reaches 1000. The farthest point
    // of a cluster that can spare one is 30, so the third centre moves to 30 and owns it alone:
    // inertia 4 · 0.25 = 1 and its count becomes its one point.
    const x = matrixFromRows([[0], [1], [10], [11], [30]]);
    const fit = miniBatchKMeans(x, {
      k: 3,
      rng: createRng(1),
      init: matrixFromRows([[0.5], [10.5], [1000]]),
      counts: Float64Array.from([1e12, 1e12, 1e12]),
      maxIterations: 1,
      reassignmentRatio: 0,
      refinePasses: 0,
    });
    expect(Array.from(fit.labels)).toEqual([0, 0, 1, 1, 2]);
    expect(fit.centres.data[2]).toBe(30);
    expect(fit.inertia).toBeCloseTo(1, 9);
    expect(fit.counts[2]).toBe(1);
  });

  it('re-seeds a dying centre during the steps, where it then learns its group', () => {
    // Warm start without counts, centres on two squares and one at (1000, 1000): the far centre takes
    // no batch point in the first step, keeps count 0 and is moved onto a batch point with probability
    // ∝ D², i.e. onto the unclaimed third square (D² ≥ 362 there against ≤ 2 elsewhere). The steps
    // after that pull it to the square's mean (1, 21). Without re-seeding (ratio 0) the first centre
    // spends the steps averaging its square with the unclaimed one (ending near (1, 10.7)), and only
    // the final repair acts: it puts the idle centre exactly on the point farthest from its centre,
    // the corner (2, 22), which then takes the whole third square (count = its 4 points).
    const options = {
      k: 3,
      rng: createRng(2),
      init: matrixFromRows([
        [1, 1],
        [21, 1],
        [1000, 1000],
      ]),
      maxIterations: 50,
      maxNoImprovement: 0,
      refinePasses: 0,
    };
    const reseeded = matrixToRows(miniBatchKMeans(squares, options).centres)[2]!;
    expect(Math.hypot(reseeded[0]! - 1, reseeded[1]! - 21)).toBeLessThan(0.5);
    expect(reseeded).not.toEqual([2, 22]);
    const repaired = miniBatchKMeans(squares, { ...options, reassignmentRatio: 0 });
    expect(matrixToRows(repaired.centres)[2]).toEqual([2, 22]);
    expect(sizes(repaired.labels, 3)).toEqual([4, 4, 4]);
    expect(repaired.counts[2]).toBe(4);
  });

  it('ends without error when the data has fewer distinct points than k', () => {
    const x = matrixFromRows([[1], [1], [2], [2]]);
    const fit = miniBatchKMeans(x, { k: 3, rng: createRng(1) });
    expect(fit.inertia).toBe(0);
    expect(Array.from(fit.labels).every((l) => l >= 0 && l < 3)).toBe(true);
  });

  it('continues from the previous counts on a warm start, forgetting by halfLife', () => {
    // Four points, batch capped at 4, one step, no re-seeding: counts (8, 8) × 0.5^(1/halfLife) + 4.
    const x = matrixFromRows([[0], [1], [10], [11]]);
    const init = matrixFromRows([[0.5], [10.5]]);
    const total = (halfLife: number) => {
      const fit = miniBatchKMeans(x, {
        k: 2,
        rng: createRng(1),
        init,
        counts: Float64Array.from([8, 8]),
        halfLife,
        maxIterations: 1,
        reassignmentRatio: 0,
      });
      return fit.counts[0]! + fit.counts[1]!;
    };
    expect(total(1)).toBeCloseTo(16 * 0.5 + 4, 12);
    expect(total(2)).toBeCloseTo(16 * Math.SQRT1_2 + 4, 12);
  });

  it('starts a cold run from the seeding’s cluster sizes: Lloyd made each centre the mean of its sample points', () => {
    // initSize = all 12 points (drawn with replacement), one seeding, one step of a 4-point batch and
    // no re-seeding: the counts add up to the seeding's 12 points plus the batch's 4. Without the
    // Lloyd passes on the sample the run starts from zero counts, as sklearn's, and ends with 4.
    const options = {
      k: 3,
      rng: createRng(5),
      nInit: 1,
      initSize: 12,
      batchSize: 4,
      maxIterations: 1,
      reassignmentRatio: 0,
    };
    const total = (fit: { counts: Float64Array }) => fit.counts.reduce((s, c) => s + c, 0);
    expect(total(miniBatchKMeans(squares, options))).toBe(16);
    expect(total(miniBatchKMeans(squares, { ...options, seedPasses: 0 }))).toBe(4);
  });

  it('stops early once the smoothed batch inertia has not reached a new minimum for maxNoImprovement steps', () => {
    // Every point sits on its centre, so every batch inertia is 0: the first step is not scored, the
    // second sets the minimum (0), and the next maxNoImprovement steps cannot go below it.
    const x = matrixFromRows([[0], [0], [5], [5]]);
    const init = matrixFromRows([[0], [5]]);
    const steps = (maxNoImprovement: number) =>
      miniBatchKMeans(x, { k: 2, rng: createRng(1), init, maxNoImprovement, reassignmentRatio: 0 }).iterations;
    expect(steps(10)).toBe(12);
    expect(steps(3)).toBe(5);
  });

  it('refines to a Lloyd fixed point: labels are the nearest centres, centres the means of their points', () => {
    // 600 points around three centres in 5 dimensions; every pass measured (refineTolerance 0), so the
    // last pass moved no point and each centre is the mean of exactly the points it labels.
    const rng = createRng(9);
    const rows: number[][] = [];
    for (let i = 0; i < 600; i++) {
      const g = i % 3;
      rows.push([0, 1, 2, 3, 4].map((t) => (t === g ? 1 : 0) + 0.4 * (rng() - 0.5)));
    }
    const x = matrixFromRows(rows);
    const fit = miniBatchKMeans(x, { k: 3, rng: createRng(2), refineTolerance: 0, maxIterations: 3 });
    const nearest = assign(x, fit.centres);
    expect(Array.from(fit.labels)).toEqual(Array.from(nearest.labels));
    expect(fit.inertia).toBeCloseTo(nearest.inertia, 9);
    const centres = matrixToRows(fit.centres);
    for (let c = 0; c < 3; c++) {
      const members = rows.filter((_, i) => fit.labels[i] === c);
      const mean = [0, 1, 2, 3, 4].map((t) => members.reduce((s, r) => s + r[t]!, 0) / members.length);
      mean.forEach((v, t) => expect(centres[c]![t]).toBeCloseTo(v, 12));
    }
  });

  it('refines on a sample above refineSampleSize, then labels every point by its nearest centre', () => {
    const x = matrixFromRows(Array.from({ length: 500 }, (_, i) => [i % 2 === 0 ? i / 1000 : 10 + i / 1000]));
    const fit = miniBatchKMeans(x, { k: 2, rng: createRng(4), refineSampleSize: 50 });
    const nearest = assign(x, fit.centres);
    expect(Array.from(fit.labels)).toEqual(Array.from(nearest.labels));
    expect(fit.inertia).toBeCloseTo(nearest.inertia, 9);
    expect(sizes(fit.labels, 2)).toEqual([250, 250]);
    expect(fit.refinePasses).toBeGreaterThanOrEqual(1);
  });

  it('stops at maxIterations', () => {
    const fit = miniBatchKMeans(squares, { k: 3, rng: createRng(1), maxIterations: 5, maxNoImprovement: 0 });
    expect(fit.iterations).toBe(5);
  });

  it('rejects options it cannot honour', () => {
    const rng = createRng(1);
    expect(() => miniBatchKMeans(squares, { k: 13, rng })).toThrow(RangeError);
    expect(() => miniBatchKMeans(squares, { k: 3, rng, init: matrixFromRows([[0, 0]]) })).toThrow(RangeError);
    expect(() => miniBatchKMeans(squares, { k: 3, rng, counts: new Float64Array(3) })).toThrow(RangeError);
    expect(() => miniBatchKMeans(squares, { k: 3, rng, halfLife: 0 })).toThrow(RangeError);
    expect(() => miniBatchKMeans(squares, { k: 3, rng, reassignmentRatio: 1 })).toThrow(RangeError);
    expect(() => miniBatchKMeans(squares, { k: 3, rng, seedPasses: -1 })).toThrow(RangeError);
    expect(() => miniBatchKMeans(squares, { k: 3, rng, refineSampleSize: 2 })).toThrow(RangeError);
  });
});
