import { describe, expect, it } from 'vitest';
import {
  copyMatrix,
  createMatrix,
  matrixFromRows,
  matrixToRows,
  rowOf,
  selectRows,
  squaredDistance,
} from '../../src/model/matrix.js';

describe('matrix', () => {
  const m = matrixFromRows([
    [1, 2],
    [3, 4],
    [5, 6],
  ]);

  it('stores rows contiguously, row-major', () => {
    expect(m.rows).toBe(3);
    expect(m.cols).toBe(2);
    expect(Array.from(m.data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(matrixToRows(m)).toEqual([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
  });

  it('rowOf is a view: writing through it changes the matrix', () => {
    const copy = copyMatrix(m);
    rowOf(copy, 1)[0] = 30;
    expect(copy.data[2]).toBe(30);
    expect(m.data[2]).toBe(3);
  });

  it('selectRows copies the chosen rows in the order given', () => {
    expect(matrixToRows(selectRows(m, [2, 0, 2]))).toEqual([
      [5, 6],
      [1, 2],
      [5, 6],
    ]);
  });

  it('squaredDistance: (1,2) to (5,6) is 4² + 4² = 32', () => {
    expect(squaredDistance(m, 0, m, 2)).toBe(32);
  });

  it('rejects ragged rows and data of the wrong length', () => {
    expect(() => matrixFromRows([[1, 2], [3]])).toThrow(RangeError);
    expect(() => createMatrix(2, 2, new Float64Array(3))).toThrow(RangeError);
  });
});
