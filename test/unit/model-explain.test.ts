import { describe, expect, it } from 'vitest';
import {
  explainAssignment,
  scaleCustomer,
  smallestChangeTo,
  STEP_PAST,
  type ExplainModel,
  type PossibleChange,
} from '../../src/model/explain.js';
import type { Features } from '../../src/features/features.js';
import { SEGMENT_KINDS, type SegmentKind } from '../../src/model/naming.js';
import { lapsedSegment } from '../../src/model/segments.js';
import type { FeatureName, Matrix, ModelVersion, Scaler } from '../../src/model/types.js';
import { seeded } from '../support/seeded.js';

const described = (kind: SegmentKind) => ({
  kind,
  description: '',
  action: SEGMENT_KINDS[kind].action,
  ruleBased: false,
});

function matrix(rows: number[][]): Matrix {
  return { rows: rows.length, cols: rows[0]?.length ?? 0, data: Float64Array.from(rows.flat()) };
}

function identityScaler(...names: FeatureName[]): Scaler {
  return {
    kind: 'minmax',
    features: names.map((name) => ({ name, log1p: false })),
    center: names.map(() => 0),
    scale: names.map(() => 1),
  };
}

function possible(change: unknown): PossibleChange {
  expect(change).toMatchObject({ possible: true });
  return change as PossibleChange;
}

// Two centres in the plane, no scaling: the Insiders at (0, 0) and another segment at (4, 2).
// Their perpendicular bisector: |p|² = |p - (4,2)|²  ⇔  8x + 4y = 20  ⇔  2x + y = 5.
const plane: ExplainModel = {
  scaler: identityScaler('frequency', 'avgTicketMills'),
  centres: matrix([
    [0, 0],
    [4, 2],
  ]),
  segments: [
    { id: 5, name: 'Insiders' },
    { id: 2, name: 'Hibernating' },
  ],
  insidersId: 5,
};

describe('explainAssignment', () => {
  it('gives distances, the runner-up, the margin and per-feature contributions', () => {
    // (3, 3): to the Insiders 3² + 3² = 18, to (4, 2) 1² + 1² = 2.
    const e = explainAssignment(plane, { frequency: 3, avgTicketMills: 3 });
    expect(e.distances.map((d) => d.squaredDistance)).toEqual([18, 2]);
    expect(e.assigned).toEqual({
      index: 1,
      segmentId: 2,
      name: 'Hibernating',
      squaredDistance: 2,
      distance: Math.SQRT2,
    });
    expect(e.runnerUp?.segmentId).toBe(5);
    expect(e.margin).toBeCloseTo(Math.sqrt(18) - Math.SQRT2, 12); // 3√2 - √2 = 2√2
    expect(e.isInsider).toBe(false);
    expect(e.contributions).toEqual([
      { feature: 'frequency', value: 3, scaled: 3, toAssigned: 1, toRunnerUp: 9 },
      { feature: 'avgTicketMills', value: 3, scaled: 3, toAssigned: 1, toRunnerUp: 9 },
    ]);
  });

  it('assigns an equidistant customer to the lower centre row, with margin 0', () => {
    // (2, 1) lies on 2x + y = 5: squared distance 5 to both.
    const e = explainAssignment(plane, { frequency: 2, avgTicketMills: 1 });
    expect(e.assigned.segmentId).toBe(5);
    expect(e.margin).toBe(0);
    expect(e.isInsider).toBe(true);
  });

  it('has no runner-up with a single segment', () => {
    const single: ExplainModel = { ...plane, centres: matrix([[0, 0]]), segments: [{ id: 5, name: 'Insiders' }] };
    const e = explainAssignment(single, { frequency: 1, avgTicketMills: 2 });
    expect(e.runnerUp).toBeNull();
    expect(e.margin).toBeNull();
    expect(e.contributions.map((c) => c.toRunnerUp)).toEqual([null, null]);
  });

  it('rejects a customer without a model feature and a model that does not hold together', () => {
    expect(() => explainAssignment(plane, { frequency: 1 })).toThrow('no usable value for avgTicketMills');
    expect(() => explainAssignment({ ...plane, insidersId: 9 }, { frequency: 1, avgTicketMills: 1 })).toThrow(
      'insiders id 9',
    );
    const flat = { ...plane, scaler: { ...plane.scaler, scale: [1, 0] } };
    expect(() => explainAssignment(flat, { frequency: 1, avgTicketMills: 1 })).toThrow('scale of avgTicketMills is 0');
  });
});

describe('smallestChangeTo: two centres in the plane', () => {
  it('moves a customer across the perpendicular bisector, or reports the domain in the way', () => {
    // From (3, 3): along x with y = 3, 2x + 3 = 5 gives x = 1; along y with x = 3, 6 + y = 5 gives
    // y = -1, below the feature's domain (≥ 0).
    const result = smallestChangeTo(plane, { frequency: 3, avgTicketMills: 3 });
    expect(result.goal).toBe('enter');
    expect(result.segmentId).toBe(2);
    const [x, y] = result.changes;
    const moved = possible(x);
    expect(moved.boundary).toBe(1);
    expect(moved.to).toBe(1 - STEP_PAST); // just past the boundary, on the Insiders' side
    expect(moved.change).toBeCloseTo(-2, 8);
    expect(moved.relativeChange).toBeCloseTo(2 / 3, 8);
    expect(moved.segmentIdAfter).toBe(5);
    expect(y).toEqual({
      feature: 'avgTicketMills',
      possible: false,
      from: 3,
      reason: 'outside-domain',
      boundary: -1,
      blockingSegmentIds: [],
    });
    expect(result.best).toBe(x);
  });

  it('uses the domain it is given', () => {
    const domains = { avgTicketMills: { min: -Infinity, max: Infinity, integer: false } };
    const result = smallestChangeTo(plane, { frequency: 3, avgTicketMills: 3 }, { domains });
    const y = possible(result.changes[1]);
    expect(y.boundary).toBe(-1);
    expect(y.change).toBeCloseTo(-4, 8);
    expect(result.best?.feature).toBe('frequency'); // relative 2/3 beats 4/3
  });

  it('lets an Insider leave by the nearest boundary', () => {
    // (0.5, 0.5): along x, 2x + 0.5 = 5 gives x = 2.25 (+1.75, relative 3.5);
    // along y, 1 + y = 5 gives y = 4 (+3.5, relative 7).
    const result = smallestChangeTo(plane, { frequency: 0.5, avgTicketMills: 0.5 });
    expect(result.goal).toBe('leave');
    expect(result.segmentId).toBe(5);
    const [x, y] = result.changes.map(possible);
    expect(x!.boundary).toBeCloseTo(2.25, 12);
    expect(x!.to).toBeGreaterThan(2.25);
    expect(x!.relativeChange).toBeCloseTo(3.5, 6);
    expect(y!.boundary).toBeCloseTo(4, 12);
    expect(y!.relativeChange).toBeCloseTo(7, 6);
    expect(result.best?.feature).toBe('frequency');
    expect(result.best?.segmentIdAfter).toBe(2);
    // The proposed value really does move the customer out.
    expect(explainAssignment(plane, { frequency: x!.to, avgTicketMills: 0.5 }).isInsider).toBe(false);
  });

  it('cannot move anyone out of the only segment', () => {
    const single: ExplainModel = { ...plane, centres: matrix([[0, 0]]), segments: [{ id: 5, name: 'Insiders' }] };
    const result = smallestChangeTo(single, { frequency: 1, avgTicketMills: 1 });
    expect(result.goal).toBe('leave');
    expect(result.best).toBeNull();
    expect(result.changes.map((c) => !c.possible && c.reason)).toEqual(['no-separation', 'no-separation']);
  });
});

describe('smallestChangeTo: log1p and scaling are inverted', () => {
  // Revenue: x' = (log1p(x) - ln 1000) / ln 10 = log10((1 + x) / 1000); recency: x' = days / 100.
  const scaler: Scaler = {
    kind: 'robust',
    features: [
      { name: 'grossRevenueMills', log1p: true },
      { name: 'recencyDays', log1p: false },
    ],
    center: [Math.log(1000), 0],
    scale: [Math.log(10), 100],
  };
  // Insiders at x' = 2 (99 999 mills), the other segment at x' = 0 (999 mills); both at 10 days.
  const version: ModelVersion = {
    version: 3,
    k: 2,
    scaler,
    centres: matrix([
      [0, 0.1],
      [2, 0.1],
    ]),
    segments: [
      { ...described('promising'), id: 1, rank: 2, name: 'Promising', centre: {}, size: 40 },
      { ...described('insiders'), id: 4, rank: 1, name: 'Insiders', centre: {}, size: 3 },
      lapsedSegment(3, 9),
    ],
    insidersId: 4,
    silhouette: 0.5,
    inertia: 1,
    seed: 1,
    silhouetteByK: {},
    trainedOn: 43,
  };
  const customer: Features = {
    customerId: 'c1',
    recencyDays: 10,
    orders: 2,
    frequency: 0.5,
    grossRevenueMills: 4999,
    avgTicketMills: 1000,
    items: 9,
    products: 4,
    returns: 0,
    returnEvents: 0,
    returnedMills: 0,
    avgDaysBetweenPurchases: 3,
    lifetimeOrders: 2,
    lifetimeRevenueMills: 4999,
  };

  it('scales a Features record by the scaler', () => {
    const scaled = scaleCustomer(scaler, customer);
    expect(scaled[0]).toBeCloseTo(Math.log10(5), 12);
    expect(scaled[1]).toBeCloseTo(0.1, 12);
  });

  it('finds the revenue that crosses the midpoint x′ = 1, in mills, and sees recency cannot help', () => {
    // x' = 1 ⇔ (1 + x) / 1000 = 10 ⇔ x = 9999 mills; mills are whole, so 10 000 is the first past it.
    const result = smallestChangeTo(version, customer);
    expect(result.goal).toBe('enter');
    const revenue = possible(result.changes[0]);
    expect(revenue.boundary).toBeCloseTo(9999, 6);
    expect(revenue.to).toBe(10_000);
    expect(revenue.change).toBe(5001);
    expect(revenue.relativeChange).toBeCloseTo(5001 / 4999, 12);
    expect(revenue.scaledChange).toBeCloseTo(Math.log10(10_001 / 1000) - Math.log10(5), 12);
    // Both centres sit at 10 days: recency changes both distances alike.
    expect(result.changes[1]).toMatchObject({ possible: false, reason: 'no-separation', blockingSegmentIds: [1] });
    expect(result.best).toBe(revenue);
    // 9999 itself is equidistant up to rounding; the whole value below it is not enough.
    expect(explainAssignment(version, { ...customer, grossRevenueMills: 9998 }).isInsider).toBe(false);
    expect(explainAssignment(version, { ...customer, grossRevenueMills: 10_000 }).isInsider).toBe(true);
  });
});

describe('smallestChangeTo: when one feature cannot suffice', () => {
  // Insiders at (0, 0); two segments at (-1, 9) and (1, 9). Customer at (0, 10), 2 from both, 100
  // from the Insiders. Along x with y = 10: beating (-1, 9) needs x > 49 (x² + 100 < (x+1)² + 1),
  // beating (1, 9) needs x < -49. Along y with x = 0: y² < 1 + (y - 9)² ⇔ y < 82/18 ≈ 4.56 → 4 days.
  const model: ExplainModel = {
    scaler: identityScaler('frequency', 'recencyDays'),
    centres: matrix([
      [0, 0],
      [-1, 9],
      [1, 9],
    ]),
    segments: [
      { id: 1, name: 'Insiders' },
      { id: 2, name: 'At risk' },
      { id: 3, name: 'Need attention' },
    ],
    insidersId: 1,
  };

  it('reports competitors that pull in opposite directions, and the feature that does work', () => {
    const result = smallestChangeTo(model, { frequency: 0, recencyDays: 10 });
    expect(result.segmentId).toBe(2); // equidistant from both: the lower row
    expect(result.changes[0]).toEqual({
      feature: 'frequency',
      possible: false,
      from: 0,
      reason: 'conflicting-competitors',
      boundary: null,
      blockingSegmentIds: [2, 3],
    });
    const recency = possible(result.changes[1]);
    expect(recency.boundary).toBeCloseTo(82 / 18, 12);
    expect(recency.to).toBe(4);
    expect(recency.change).toBe(-6);
    expect(result.best).toBe(recency);
  });

  it('reports an integer feature whose working interval holds no whole value', () => {
    // The Insiders (1.5 products) are nearest only on (1.35, 1.65), between 1.2 and 1.8.
    const line: ExplainModel = {
      scaler: identityScaler('products'),
      centres: matrix([[1.2], [1.5], [1.8]]),
      segments: [
        { id: 1, name: 'Promising' },
        { id: 2, name: 'Insiders' },
        { id: 3, name: 'Loyal' },
      ],
      insidersId: 2,
    };
    const result = smallestChangeTo(line, { products: 3 });
    expect(result.best).toBeNull();
    expect(result.changes[0]).toMatchObject({ possible: false, reason: 'no-valid-value' });
    expect((result.changes[0] as { boundary: number }).boundary).toBeCloseTo(1.65, 12);
  });
});

describe('smallestChangeTo: cross-check against a scan along each feature', () => {
  const names: FeatureName[] = ['frequency', 'avgTicketMills', 'returns'];
  const free = { min: -Infinity, max: Infinity, integer: false };
  const domains = { frequency: free, avgTicketMills: free, returns: free };

  it('finds no smaller working change, and none at all where it reports none', () => {
    const random = seeded(99);
    const seen = { possible: 0, impossible: 0 };
    for (let trial = 0; trial < 40; trial++) {
      const model: ExplainModel = {
        scaler: identityScaler(...names),
        centres: matrix(Array.from({ length: 4 }, () => names.map(() => random() * 10 - 5))),
        segments: [1, 2, 3, 4].map((id) => ({ id, name: `s${id}` })),
        insidersId: 1 + Math.floor(random() * 4),
      };
      const point = names.map(() => random() * 10 - 5);
      const values = (j: number, v: number) => Object.fromEntries(names.map((n, i) => [n, i === j ? v : point[i]]));
      const result = smallestChangeTo(model, values(-1, 0), { domains });
      const wanted = result.goal === 'enter';
      result.changes.forEach((change, j) => {
        const works = (v: number) => explainAssignment(model, values(j, v)).isInsider === wanted;
        if (change.possible) {
          seen.possible++;
          expect(works(change.to)).toBe(true);
          const reach = Math.abs(change.change) * 0.999;
          const closer = Array.from({ length: 401 }, (_, s) => point[j]! + (reach * (s - 200)) / 200);
          expect(closer.filter(works)).toEqual([]);
        } else {
          seen.impossible++;
          expect(['no-separation', 'conflicting-competitors']).toContain(change.reason);
          const anywhere = Array.from({ length: 2001 }, (_, s) => point[j]! + (s - 1000) / 10);
          expect(anywhere.filter(works)).toEqual([]);
        }
      });
    }
    expect(seen.possible).toBeGreaterThan(20);
    expect(seen.impossible).toBeGreaterThan(5);
  });
});
