import { describe, expect, it } from 'vitest';
import { matrixFromRows, matrixToRows } from '../../src/model/matrix.js';
import {
  applyScaler,
  defaultTransforms,
  featureColumn,
  featureColumns,
  featureMatrix,
  fitAndApplyScaler,
  fitScaler,
  scaleRow,
  unscaleRow,
  type FeatureValues,
} from '../../src/model/prepare.js';
import type { FeatureTransform } from '../../src/model/types.js';

function customer(values: Partial<FeatureValues> & { customerId?: string }): FeatureValues {
  return {
    grossRevenueMills: 0,
    recencyDays: 0,
    products: 0,
    frequency: 0,
    returns: 0,
    orders: 0,
    items: 0,
    avgTicketMills: 0,
    returnedMills: 0,
    ...values,
  };
}

// Revenue 0, 9, 99 mills: log1p gives ln 1, ln 10, ln 100 = 0, L, 2L with L = ln 10 = 2.302585…
const transforms: FeatureTransform[] = [
  { name: 'grossRevenueMills', log1p: true },
  { name: 'recencyDays', log1p: false },
];
const rows = [
  customer({ grossRevenueMills: 0, recencyDays: 10 }),
  customer({ grossRevenueMills: 9, recencyDays: 20 }),
  customer({ grossRevenueMills: 99, recencyDays: 50 }),
];
const L = Math.LN10;

describe('featureMatrix', () => {
  it('takes the transforms’ features in order, in original units', () => {
    expect(matrixToRows(featureMatrix(rows, transforms))).toEqual([
      [0, 10],
      [9, 20],
      [99, 50],
    ]);
  });

  it('throws, naming the customer, when recencyDays is null (never bought: the caller excludes them)', () => {
    const never = { ...customer({ recencyDays: null }), customerId: 'c-17' };
    expect(() => featureMatrix([never], transforms)).toThrow(/recencyDays=null .*customer c-17/);
  });

  it('throws on a negative value for a log1p feature and on a non-finite value', () => {
    expect(() => featureMatrix([customer({ grossRevenueMills: -5 })], transforms)).toThrow(RangeError);
    expect(() => featureMatrix([customer({ recencyDays: Number.NaN })], transforms)).toThrow(RangeError);
  });

  it('uses the study’s five features by default, log1p on all but recency', () => {
    expect(defaultTransforms.map((t) => `${t.name}:${t.log1p}`)).toEqual([
      'grossRevenueMills:true',
      'recencyDays:false',
      'products:true',
      'frequency:true',
      'returns:true',
    ]);
  });
});

describe('fitScaler and applyScaler', () => {
  const m = featureMatrix(rows, transforms);

  it('min-max: center = min, scale = max − min of the transformed values', () => {
    const scaler = fitScaler(m, transforms, 'minmax');
    // revenue: min 0, max 2L; recency: min 10, max 50
    expect(scaler.center[0]).toBe(0);
    expect(scaler.scale[0]).toBeCloseTo(2 * L, 12);
    expect(scaler.center[1]).toBe(10);
    expect(scaler.scale[1]).toBe(40);
    const scaled = matrixToRows(applyScaler(m, scaler));
    // revenue (0, L, 2L) / 2L = 0, 0.5, 1; recency (10, 20, 50) − 10 over 40 = 0, 0.25, 1
    const expected = [
      [0, 0],
      [0.5, 0.25],
      [1, 1],
    ];
    scaled.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(expected[i]![j]!, 12)));
  });

  it('robust: center = median, scale = IQR with linear interpolation between order statistics', () => {
    const scaler = fitScaler(m, transforms, 'robust');
    // Three values v0 ≤ v1 ≤ v2: Q1 sits at position 0.5 → (v0 + v1) / 2, Q3 at 1.5 → (v1 + v2) / 2.
    // revenue (0, L, 2L): median L, Q1 L/2, Q3 3L/2, IQR L. recency (10, 20, 50): median 20, Q1 15, Q3 35, IQR 20.
    expect(scaler.center[0]).toBeCloseTo(L, 12);
    expect(scaler.scale[0]).toBeCloseTo(L, 12);
    expect(scaler.center[1]).toBe(20);
    expect(scaler.scale[1]).toBe(20);
    const scaled = matrixToRows(applyScaler(m, scaler));
    // revenue (0 − L)/L = −1, 0, 1; recency (10 − 20)/20 = −0.5, 0, (50 − 20)/20 = 1.5
    const expected = [
      [-1, -0.5],
      [0, 0],
      [1, 1.5],
    ];
    scaled.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(expected[i]![j]!, 12)));
  });

  it('turns a zero scale into 1 so a constant feature stays finite', () => {
    const constant = matrixFromRows([[3], [3], [3]]);
    const t: FeatureTransform[] = [{ name: 'products', log1p: false }];
    for (const kind of ['minmax', 'robust'] as const) {
      const scaler = fitScaler(constant, t, kind);
      expect(scaler.scale).toEqual([1]);
      expect(Array.from(applyScaler(constant, scaler).data)).toEqual([0, 0, 0]);
    }
  });

  it('unscaleRow inverts applyScaler, expm1 undoing log1p', () => {
    for (const kind of ['minmax', 'robust'] as const) {
      const scaler = fitScaler(m, transforms, kind);
      const scaled = applyScaler(m, scaler);
      for (let i = 0; i < m.rows; i++) {
        const back = unscaleRow(scaled.data.subarray(i * 2, i * 2 + 2), scaler);
        expect(back[0]).toBeCloseTo(m.data[i * 2]!, 9);
        expect(back[1]).toBeCloseTo(m.data[i * 2 + 1]!, 9);
      }
    }
    // a point between the data: revenue halfway in log space is 10^1 − 1 = 9 mills
    const scaler = fitScaler(m, transforms, 'minmax');
    expect(unscaleRow([0.5, 0.5], scaler)[0]).toBeCloseTo(9, 9);
    expect(unscaleRow([0.5, 0.5], scaler)[1]).toBe(30);
  });

  it('scaleRow scales one customer as applyScaler scales a matrix', () => {
    const scaler = fitScaler(m, transforms, 'minmax');
    expect(Array.from(scaleRow([9, 20], scaler))).toEqual(Array.from(applyScaler(m, scaler).data.subarray(2, 4)));
  });

  it('rejects a transform list that does not match the columns, and an empty matrix', () => {
    expect(() => fitScaler(m, transforms.slice(0, 1), 'minmax')).toThrow(RangeError);
    expect(() => fitScaler(featureMatrix([], transforms), transforms, 'minmax')).toThrow(RangeError);
  });
});

describe('fitAndApplyScaler and featureColumns', () => {
  // Heavy-tailed and fractional values, some repeated, so that both scalers' arithmetic is exercised.
  const many = Array.from({ length: 200 }, (_, i) =>
    customer({
      grossRevenueMills: (i * 7919) % 100_003,
      recencyDays: (i * 37) % 365,
      products: i % 13,
      frequency: ((i % 7) + 1) / ((i % 3) + 1),
      returns: i % 5 === 0 ? i : 0,
    }),
  );

  it('gives the scaler fitScaler fits and the matrix applyScaler makes with it, to the bit', () => {
    const m = featureMatrix(many, defaultTransforms);
    for (const kind of ['minmax', 'robust'] as const) {
      const scaler = fitScaler(m, defaultTransforms, kind);
      const both = fitAndApplyScaler(m, defaultTransforms, kind);
      expect(both.scaler).toEqual(scaler);
      expect(Array.from(both.scaled.data)).toEqual(Array.from(applyScaler(m, scaler).data));
    }
  });

  it('reads the same values as featureColumn, feature by feature', () => {
    const names = ['recencyDays', 'orders', 'avgTicketMills', 'grossRevenueMills'] as const;
    const withNever = [...many, { ...customer({}), recencyDays: null }];
    const columns = featureColumns(withNever, names, -1);
    names.forEach((name, j) => expect(Array.from(columns[j]!)).toEqual(Array.from(featureColumn(withNever, name, -1))));
  });
});
