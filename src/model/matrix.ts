// Dense row-major matrices on Float64Array (the Matrix type in types.ts) and the few operations the
// model needs. Row views share memory with their matrix; nothing here copies unless its name says so.
import type { Matrix } from './types.js';

/** A rows × cols matrix of zeros, or over `data` (which must hold exactly rows × cols values). */
export function createMatrix(rows: number, cols: number, data?: Float64Array): Matrix {
  if (!Number.isInteger(rows) || rows < 0 || !Number.isInteger(cols) || cols < 1) {
    throw new RangeError(`createMatrix: invalid shape ${rows} × ${cols}`);
  }
  if (data !== undefined && data.length !== rows * cols) {
    throw new RangeError(`createMatrix: ${data.length} values for a ${rows} × ${cols} matrix`);
  }
  return { rows, cols, data: data ?? new Float64Array(rows * cols) };
}

/** A copy of plain rows as a Matrix: at least one row, every row of the same length. */
export function matrixFromRows(rows: readonly (readonly number[])[]): Matrix {
  const cols = rows[0]?.length ?? 0;
  const m = createMatrix(rows.length, cols);
  rows.forEach((row, i) => {
    if (row.length !== cols)
      throw new RangeError(`matrixFromRows: row ${i} has ${row.length} values, expected ${cols}`);
    m.data.set(row, i * cols);
  });
  return m;
}

/** A copy of the matrix as plain rows (for libraries that take number[][], and for reports). */
export function matrixToRows(m: Matrix): number[][] {
  const rows: number[][] = [];
  for (let i = 0; i < m.rows; i++) rows.push(Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols)));
  return rows;
}

/** Row i as a view sharing the matrix's memory. */
export function rowOf(m: Matrix, i: number): Float64Array {
  return m.data.subarray(i * m.cols, (i + 1) * m.cols);
}

/** A copy of the rows at `indices`, in that order. */
export function selectRows(m: Matrix, indices: ArrayLike<number>): Matrix {
  const d = m.cols;
  const out = createMatrix(indices.length, d);
  const from = m.data;
  const to = out.data;
  // A plain copy loop: a subarray per row would allocate an object per row, and rows drawn at
  // random from a large matrix each miss the cache, which a tight loop overlaps.
  for (let r = 0, o = 0; r < indices.length; r++) {
    const base = indices[r]! * d;
    for (let t = 0; t < d; t++, o++) to[o] = from[base + t]!;
  }
  return out;
}

/** A deep copy. */
export function copyMatrix(m: Matrix): Matrix {
  return createMatrix(m.rows, m.cols, m.data.slice());
}

/** Squared Euclidean distance between row `i` of `a` and row `j` of `b` (same number of columns). */
export function squaredDistance(a: Matrix, i: number, b: Matrix, j: number): number {
  const d = a.cols;
  const ad = a.data;
  const bd = b.data;
  const ai = i * d;
  const bj = j * d;
  let sum = 0;
  for (let t = 0; t < d; t++) {
    const diff = ad[ai + t]! - bd[bj + t]!;
    sum += diff * diff;
  }
  return sum;
}
