// Minimum-cost assignment (Hungarian algorithm) and its use here: matching a refit's centres to the
// previous version's centres so that segment ids survive a refit.
import type { Matrix } from './types.js';

/** Cost rows: `cost[i][j]` is the cost of giving row i column j. All rows have the same length. */
export type CostRows = readonly ArrayLike<number>[];

export interface Assignment {
  /** for each row, its column, or -1 when there are more rows than columns and this row got none */
  readonly rowToCol: Int32Array;
  /** sum of the costs of the matched pairs */
  readonly total: number;
}

/**
 * The assignment of rows to distinct columns with the least total cost (Kuhn–Munkres with row and
 * column potentials, O(r²·c) for r ≤ c rows and columns). Rectangular input is allowed: with more
 * columns than rows every row is matched; with more rows than columns every column is matched and the
 * remaining rows get -1. Among several optimal assignments the one returned depends only on the input.
 * Costs must be finite; negative costs are fine.
 */
export function minCostAssignment(cost: CostRows): Assignment {
  const rows = cost.length;
  const cols = rows === 0 ? 0 : cost[0]!.length;
  for (let i = 0; i < rows; i++) {
    const row = cost[i]!;
    if (row.length !== cols) throw new RangeError(`cost row ${i} has ${row.length} columns, expected ${cols}`);
    for (let j = 0; j < cols; j++) {
      if (!Number.isFinite(row[j])) throw new RangeError(`cost[${i}][${j}] is not a finite number: ${row[j]}`);
    }
  }
  const rowToCol = new Int32Array(rows).fill(-1);
  if (rows === 0 || cols === 0) return { rowToCol, total: 0 };

  // The potentials formulation needs at most as many rows as columns: solve the transpose otherwise.
  const transposed = rows > cols;
  const n = transposed ? cols : rows;
  const m = transposed ? rows : cols;
  const a = new Float64Array(n * m);
  for (let i = 0; i < rows; i++) {
    const row = cost[i]!;
    for (let j = 0; j < cols; j++) {
      if (transposed) a[j * m + i] = row[j]!;
      else a[i * m + j] = row[j]!;
    }
  }
  const matchOfCol = solveRowsAtMostCols(a, n, m);
  for (let j = 0; j < m; j++) {
    const i = matchOfCol[j]!;
    if (i < 0) continue;
    if (transposed) rowToCol[j] = i;
    else rowToCol[i] = j;
  }
  let total = 0;
  for (let i = 0; i < rows; i++) {
    const j = rowToCol[i]!;
    if (j >= 0) total += cost[i]![j]!;
  }
  return { rowToCol, total };
}

/**
 * The shortest-augmenting-path Hungarian algorithm on a row-major n×m cost (n ≤ m). Row i is added
 * in turn; u and v are dual potentials kept feasible (a[i][j] - u[i] - v[j] ≥ 0, equality on matched
 * pairs), so each augmentation is a Dijkstra-like scan over reduced costs. Index 0 of u, v and
 * `rowOfCol` is a sentinel; rows and columns are 1-based inside. Returns, for each column, its row
 * (0-based) or -1.
 */
function solveRowsAtMostCols(a: Float64Array, n: number, m: number): Int32Array {
  const u = new Float64Array(n + 1);
  const v = new Float64Array(m + 1);
  const rowOfCol = new Int32Array(m + 1);
  const way = new Int32Array(m + 1);
  const minv = new Float64Array(m + 1);
  const used = new Uint8Array(m + 1);
  for (let i = 1; i <= n; i++) {
    rowOfCol[0] = i;
    let j0 = 0;
    minv.fill(Infinity);
    used.fill(0);
    do {
      used[j0] = 1;
      const i0 = rowOfCol[j0]!;
      const base = (i0 - 1) * m;
      const ui0 = u[i0]!;
      let delta = Infinity;
      let j1 = 0;
      for (let j = 1; j <= m; j++) {
        if (used[j] === 1) continue;
        const reduced = a[base + j - 1]! - ui0 - v[j]!;
        if (reduced < minv[j]!) {
          minv[j] = reduced;
          way[j] = j0;
        }
        if (minv[j]! < delta) {
          delta = minv[j]!;
          j1 = j;
        }
      }
      // Unreachable with finite costs and n ≤ m: some free column always remains.
      if (j1 === 0) throw new RangeError('assignment found no augmenting path');
      for (let j = 0; j <= m; j++) {
        if (used[j] === 1) {
          u[rowOfCol[j]!]! += delta;
          v[j]! -= delta;
        } else {
          minv[j]! -= delta;
        }
      }
      j0 = j1;
    } while (rowOfCol[j0] !== 0);
    do {
      const j1 = way[j0]!;
      rowOfCol[j0] = rowOfCol[j1]!;
      j0 = j1;
    } while (j0 !== 0);
  }
  const matchOfCol = new Int32Array(m);
  for (let j = 1; j <= m; j++) matchOfCol[j - 1] = rowOfCol[j]! - 1;
  return matchOfCol;
}

/**
 * For each centre of `next`, the row of `previous` it continues, or -1 when `next` has more centres
 * and this one continues none: the pairing with the least total squared Euclidean distance. Both
 * matrices must be in the same space (same features, same scaler).
 */
export function matchCentres(previous: Matrix, next: Matrix): Int32Array {
  if (previous.cols !== next.cols) {
    throw new RangeError(`centres have ${next.cols} features, the previous centres ${previous.cols}`);
  }
  const d = next.cols;
  const cost: Float64Array[] = [];
  for (let i = 0; i < next.rows; i++) {
    const row = new Float64Array(previous.rows);
    for (let j = 0; j < previous.rows; j++) {
      let sum = 0;
      for (let f = 0; f < d; f++) {
        const diff = next.data[i * d + f]! - previous.data[j * d + f]!;
        sum += diff * diff;
      }
      row[j] = sum;
    }
    cost.push(row);
  }
  return minCostAssignment(cost).rowToCol;
}
