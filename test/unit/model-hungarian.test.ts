import { describe, expect, it } from 'vitest';
import { matchCentres, minCostAssignment } from '../../src/model/hungarian.js';
import { matrixFromRows } from '../../src/model/matrix.js';
import { seeded } from '../support/seeded.js';

function permutations(n: number): number[][] {
  if (n === 0) return [[]];
  const out: number[][] = [];
  for (const rest of permutations(n - 1)) {
    for (let at = 0; at <= rest.length; at++) out.push([...rest.slice(0, at), n - 1, ...rest.slice(at)]);
  }
  return out;
}

/** The least total over every injective row → column map (rows ≤ cols) or column → row map. */
function bruteForceMin(cost: number[][]): number {
  const rows = cost.length;
  const cols = cost[0]!.length;
  const small = Math.min(rows, cols);
  const big = Math.max(rows, cols);
  const at = (s: number, b: number) => (rows <= cols ? cost[s]![b]! : cost[b]![s]!);
  let best = Infinity;
  // Choose which `small` of the `big` indices are used (as an ordered tuple) by permuting all of them.
  for (const perm of permutations(big)) {
    let total = 0;
    for (let s = 0; s < small; s++) total += at(s, perm[s]!);
    best = Math.min(best, total);
  }
  return best;
}

function totalOf(cost: number[][], rowToCol: Int32Array): number {
  let total = 0;
  rowToCol.forEach((j, i) => {
    if (j >= 0) total += cost[i]![j]!;
  });
  return total;
}

function expectValidMatching(rowToCol: Int32Array, rows: number, cols: number): void {
  expect(rowToCol).toHaveLength(rows);
  const used = [...rowToCol].filter((j) => j >= 0);
  expect(new Set(used).size).toBe(used.length);
  expect(used.length).toBe(Math.min(rows, cols));
  for (const j of used) expect(j).toBeLessThan(cols);
}

describe('minCostAssignment', () => {
  it('solves a 3×3 whose optimum is checked against all 6 permutations', () => {
    const cost = [
      [4, 1, 3],
      [2, 0, 5],
      [3, 2, 2],
    ];
    // rows → columns:  (0,1,2) 4+0+2=6   (0,2,1) 4+5+2=11   (1,0,2) 1+2+2=5
    //                  (1,2,0) 1+5+3=9   (2,0,1) 3+2+2=7    (2,1,0) 3+0+3=6   → unique optimum 5
    const { rowToCol, total } = minCostAssignment(cost);
    expect([...rowToCol]).toEqual([1, 0, 2]);
    expect(total).toBe(5);
  });

  it('solves a 4×4 whose optimum is proved by row and column reduction', () => {
    const cost = [
      [9, 2, 7, 8],
      [6, 4, 3, 7],
      [5, 8, 1, 8],
      [7, 6, 9, 4],
    ];
    // Subtract row minima 2, 3, 1, 4:      then column minima 3, 0, 0, 0:
    //   7 0 5 6                               4 0 5 6
    //   3 1 0 4                               0 1 0 4
    //   4 7 0 7                               1 7 0 7
    //   3 2 5 0                               0 2 5 0
    // Every assignment costs at least the reductions, 2+3+1+4+3 = 13, since reduced costs are ≥ 0.
    // The zeros r0c1, r1c0, r2c2, r3c3 form a full assignment, so 13 is optimal: 2+6+1+4 = 13.
    // It is unique: row 2's only zero is c2, row 0's only zero is c1, so row 1 takes c0 and row 3 c3.
    const { rowToCol, total } = minCostAssignment(cost);
    expect([...rowToCol]).toEqual([1, 0, 2, 3]);
    expect(total).toBe(13);
  });

  it('beats the greedy choice on a wide matrix (2 rows, 3 columns)', () => {
    // Greedy gives row 0 its cheapest column 0 (1) and row 1 then pays 10: 11. Optimum: 2 + 1 = 3.
    const cost = [
      [1, 2, 10],
      [1, 10, 10],
    ];
    const { rowToCol, total } = minCostAssignment(cost);
    expect([...rowToCol]).toEqual([1, 0]);
    expect(total).toBe(3);
  });

  it('leaves the surplus rows of a tall matrix unmatched (3 rows, 2 columns)', () => {
    // Pairs of rows on columns (0,1): r0c1+r1c0 = 1+2 = 3 is the least of the six choices
    // (r0c0+r1c1 11, r0c0+r2c1 11, r0c1+r2c0 11, r1c0+r2c1 12, r1c1+r2c0 20).
    const cost = [
      [1, 1],
      [2, 10],
      [10, 10],
    ];
    const { rowToCol, total } = minCostAssignment(cost);
    expect([...rowToCol]).toEqual([1, 0, -1]);
    expect(total).toBe(3);
  });

  it('accepts Float64Array rows and negative costs', () => {
    const cost = [Float64Array.of(-1, 5), Float64Array.of(-3, -2)];
    // (0→0, 1→1): -1-2 = -3;  (0→1, 1→0): 5-3 = 2.
    const { rowToCol, total } = minCostAssignment(cost);
    expect([...rowToCol]).toEqual([0, 1]);
    expect(total).toBe(-3);
  });

  it('handles empty and degenerate shapes', () => {
    expect(minCostAssignment([])).toEqual({ rowToCol: new Int32Array(0), total: 0 });
    expect([...minCostAssignment([[], []]).rowToCol]).toEqual([-1, -1]);
    expect(minCostAssignment([[7]])).toEqual({ rowToCol: Int32Array.of(0), total: 7 });
    const oneRow = minCostAssignment([[4, 2, 9]]);
    expect([...oneRow.rowToCol]).toEqual([1]);
    expect(oneRow.total).toBe(2);
  });

  it('returns one of the optima, the same one every time, when costs tie', () => {
    const flat = Array.from({ length: 4 }, () => [3, 3, 3, 3]);
    const first = minCostAssignment(flat);
    expectValidMatching(first.rowToCol, 4, 4);
    expect(first.total).toBe(12);
    expect(minCostAssignment(flat)).toEqual(first);

    // Two optimal permutations, (0,1,2) and (1,0,2), both 1+1+5 = 7; every other permutation pays 9 twice.
    const twoOptima = [
      [1, 1, 9],
      [1, 1, 9],
      [9, 9, 5],
    ];
    const { rowToCol, total } = minCostAssignment(twoOptima);
    expect(total).toBe(7);
    expect([
      [0, 1, 2],
      [1, 0, 2],
    ]).toContainEqual([...rowToCol]);
  });

  it('matches a brute force over all permutations on random 6×6 matrices', () => {
    const random = seeded(20240611);
    for (let trial = 0; trial < 60; trial++) {
      // Half the trials use small integers, where ties are frequent; half use reals.
      const integers = trial % 2 === 0;
      const cost = Array.from({ length: 6 }, () =>
        Array.from({ length: 6 }, () => (integers ? Math.floor(random() * 6) : random() * 100 - 20)),
      );
      const { rowToCol, total } = minCostAssignment(cost);
      expectValidMatching(rowToCol, 6, 6);
      expect(total).toBeCloseTo(totalOf(cost, rowToCol), 9);
      expect(total).toBeCloseTo(bruteForceMin(cost), 9);
    }
  });

  it('matches a brute force on random rectangular matrices (4×6 and 6×4)', () => {
    const random = seeded(7);
    for (let trial = 0; trial < 30; trial++) {
      const [rows, cols] = trial % 2 === 0 ? [4, 6] : [6, 4];
      const cost = Array.from({ length: rows }, () => Array.from({ length: cols }, () => Math.floor(random() * 20)));
      const { rowToCol, total } = minCostAssignment(cost);
      expectValidMatching(rowToCol, rows, cols);
      expect(total).toBe(totalOf(cost, rowToCol));
      expect(total).toBe(bruteForceMin(cost));
    }
  });

  it('rejects ragged rows and non-finite costs', () => {
    expect(() => minCostAssignment([[1, 2], [3]])).toThrow(/row 1 has 1 columns, expected 2/);
    expect(() => minCostAssignment([[1, Number.NaN]])).toThrow(/cost\[0\]\[1\]/);
    expect(() => minCostAssignment([[Infinity]])).toThrow(RangeError);
  });
});

describe('matchCentres', () => {
  const previous = matrixFromRows([
    [0, 0],
    [10, 0],
    [0, 10],
  ]);

  it('follows centres that moved a little and changed order', () => {
    const next = matrixFromRows([
      [0.5, 9.5], // near previous 2
      [0.2, -0.1], // near previous 0
      [9, 1], // near previous 1
    ]);
    expect([...matchCentres(previous, next)]).toEqual([2, 0, 1]);
  });

  it('prefers the least total distance over each centre taking its own nearest', () => {
    // Both new centres are nearest to previous 0 (squared distances 1 and 4); previous 1 is 81 from
    // new 0 and 64 from new 1. Pairing new 0→0, new 1→1 costs 1 + 64 = 65; the other way 4 + 81 = 85.
    const prev = matrixFromRows([[0], [10]]);
    const next = matrixFromRows([[1], [2]]);
    expect([...matchCentres(prev, next)]).toEqual([0, 1]);
  });

  it('gives -1 to the new centre that continues none when k grows', () => {
    const next = matrixFromRows([
      [10, 1],
      [5, 5], // the newcomer: every previous centre is already better matched
      [0, 1],
      [1, 10],
    ]);
    expect([...matchCentres(previous, next)]).toEqual([1, -1, 0, 2]);
  });

  it('drops the previous centre that is continued by none when k shrinks', () => {
    const next = matrixFromRows([
      [1, 9],
      [9, 0],
    ]);
    expect([...matchCentres(previous, next)]).toEqual([2, 1]);
  });

  it('gives -1 everywhere without previous centres and rejects a change of dimension', () => {
    expect([...matchCentres({ rows: 0, cols: 2, data: new Float64Array(0) }, previous)]).toEqual([-1, -1, -1]);
    expect(() => matchCentres(previous, matrixFromRows([[1, 2, 3]]))).toThrow(/3 features, the previous centres 2/);
  });
});
