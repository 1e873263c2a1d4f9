// From per-customer Features to the scaled matrix k-means works in, and back to original units.
// The scaled value of a feature is (t(x) - center) / scale, with t = log1p or the identity.
import type { Features } from '../features/features.js';
import { createMatrix } from './matrix.js';
import type { FeatureName, FeatureTransform, Matrix, Scaler } from './types.js';

/** The features a model may read from a customer's Features record. */
export type FeatureValues = Pick<Features, FeatureName>;

/**
 * The origin study's five features. Money and counts are heavy-tailed (gross revenue: median £647,
 * max £279k; returns: median 0, max 74,215 units), so min-max scaling would squeeze almost every
 * customer into a sliver of the range without log1p. Recency is bounded by the data's history and
 * spread fairly evenly, so it stays linear.
 *
 * Frequency (orders per active day) also gets log1p. It is not bounded by 1: several orders on one
 * day give 2, 3 or 4 (56 of 4,328 customers in the UCI data), and min-max scaling takes its range
 * from that handful, putting the 1,521 one-day customers (frequency 1) at 0.25 of the range. log1p
 * compresses that tail (1 lands at 0.43 of the range) while staying nearly linear on [0, 1], where
 * 99 % of customers lie (its slope goes from 1 to 0.5 there), so their relative distances barely change.
 */
export const defaultTransforms: readonly FeatureTransform[] = [
  { name: 'grossRevenueMills', log1p: true },
  { name: 'recencyDays', log1p: false },
  { name: 'products', log1p: true },
  { name: 'frequency', log1p: true },
  { name: 'returns', log1p: true },
];

/**
 * One row per customer, one column per transform, in original units (no log, no scaling).
 * Contract: every value must be a finite number, and ≥ 0 for a log1p feature. A customer who never
 * bought has `recencyDays === null` and no place in the model: the caller excludes them first;
 * this function throws a RangeError naming the customer rather than guessing a value.
 */
export function featureMatrix(rows: readonly FeatureValues[], transforms: readonly FeatureTransform[]): Matrix {
  if (transforms.length === 0) throw new RangeError('featureMatrix: no features');
  const cols = transforms.length;
  const m = createMatrix(rows.length, cols);
  const column = new Float64Array(rows.length);
  let valid = true;
  for (let j = 0; j < cols; j++) {
    const { name, log1p } = transforms[j]!;
    // null reads as NaN, which fails the check below like any other value out of contract
    featureColumn(rows, name, NaN, column);
    for (let i = 0; i < column.length; i++) {
      const value = column[i]!;
      if (!Number.isFinite(value) || (log1p && value < 0)) valid = false;
      m.data[i * cols + j] = value;
    }
  }
  if (!valid) throwFirstInvalid(rows, transforms);
  return m;
}

/** The RangeError for the first value out of contract, row by row. */
function throwFirstInvalid(rows: readonly FeatureValues[], transforms: readonly FeatureTransform[]): never {
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    for (const { name, log1p } of transforms) {
      const value = row[name];
      if (value === null || !Number.isFinite(value) || (log1p && value < 0)) {
        const who = (row as { customerId?: string }).customerId;
        throw new RangeError(
          `featureMatrix: ${name}=${String(value)} for row ${i}${who === undefined ? '' : ` (customer ${String(who)})`}; ` +
            `expected a finite number${log1p ? ' ≥ 0' : ''} (customers who never bought must be excluded)`,
        );
      }
    }
  }
  throw new RangeError('featureMatrix: a value out of contract');
}

/**
 * One feature of every row into `out` (null as `nullAs`). A loop per feature, each reading one
 * named property, since a property chosen by a variable name made featureMatrix and the segment
 * profiles slow at a million customers.
 */
export function featureColumn(
  rows: readonly FeatureValues[],
  name: FeatureName,
  nullAs: number,
  out: Float64Array = new Float64Array(rows.length),
): Float64Array {
  const n = rows.length;
  switch (name) {
    case 'grossRevenueMills':
      for (let i = 0; i < n; i++) out[i] = rows[i]!.grossRevenueMills;
      break;
    case 'recencyDays':
      for (let i = 0; i < n; i++) out[i] = rows[i]!.recencyDays ?? nullAs;
      break;
    case 'products':
      for (let i = 0; i < n; i++) out[i] = rows[i]!.products;
      break;
    case 'frequency':
      for (let i = 0; i < n; i++) out[i] = rows[i]!.frequency;
      break;
    case 'returns':
      for (let i = 0; i < n; i++) out[i] = rows[i]!.returns;
      break;
    case 'orders':
      for (let i = 0; i < n; i++) out[i] = rows[i]!.orders;
      break;
    case 'items':
      for (let i = 0; i < n; i++) out[i] = rows[i]!.items;
      break;
    case 'avgTicketMills':
      for (let i = 0; i < n; i++) out[i] = rows[i]!.avgTicketMills;
      break;
    case 'returnedMills':
      for (let i = 0; i < n; i++) out[i] = rows[i]!.returnedMills;
      break;
  }
  return out;
}

/**
 * featureColumn of each of `names`: the columns of several features, for callers that read them
 * at several places (a segment's members, say) rather than reading the rows' objects each time.
 */
export function featureColumns(
  rows: readonly FeatureValues[],
  names: readonly FeatureName[],
  nullAs: number,
): Float64Array[] {
  return names.map((name) => featureColumn(rows, name, nullAs));
}

/** The values after the transform: `values` itself without log1p, else log1p of each in place. */
function transformed(values: Float64Array, log1p: boolean): Float64Array {
  if (log1p) for (let i = 0; i < values.length; i++) values[i] = Math.log1p(values[i]!);
  return values;
}

/** The q-quantile of sorted values with linear interpolation between order statistics (numpy's default). */
function quantileOfSorted(sorted: Float64Array, q: number): number {
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below]! + (sorted[above]! - sorted[below]!) * (position - below);
}

/**
 * Fits the scaler on a feature matrix in original units (featureMatrix's output), after log1p where
 * the transform asks for it. 'minmax': center = min, scale = max − min (the study's scaling, values
 * in [0, 1]); 'robust': center = median, scale = interquartile range (Q3 − Q1), which outliers barely
 * move. A zero scale (a constant feature, or a robust feature with most values equal) becomes 1 so
 * the feature stays finite instead of dividing by zero.
 */
export function fitScaler(m: Matrix, transforms: readonly FeatureTransform[], kind: 'minmax' | 'robust'): Scaler {
  return fitOnColumns(m, transforms, kind, () => undefined);
}

/**
 * fitScaler, and applyScaler of the scaler it fits: the same numbers, with each log1p computed
 * once for both (a fit at a million customers computed millions of them twice).
 */
export function fitAndApplyScaler(
  m: Matrix,
  transforms: readonly FeatureTransform[],
  kind: 'minmax' | 'robust',
): { scaler: Scaler; scaled: Matrix } {
  const scaled = createMatrix(m.rows, m.cols);
  const cols = m.cols;
  const scaler = fitOnColumns(m, transforms, kind, (j, values, center, scale) => {
    // applyScaler's arithmetic over the values fitScaler transformed
    for (let i = 0; i < values.length; i++) scaled.data[i * cols + j] = (values[i]! - center) / scale;
  });
  return { scaler, scaled };
}

/**
 * fitScaler's work, column by column: `fitted` is given each column's values after its transform
 * (valid during the call only) with the column's centre and scale.
 */
function fitOnColumns(
  m: Matrix,
  transforms: readonly FeatureTransform[],
  kind: 'minmax' | 'robust',
  fitted: (j: number, values: Float64Array, center: number, scale: number) => void,
): Scaler {
  if (transforms.length !== m.cols) {
    throw new RangeError(`fitScaler: ${transforms.length} transforms for ${m.cols} columns`);
  }
  if (m.rows === 0) throw new RangeError('fitScaler: no rows to fit on');
  const center: number[] = [];
  const scale: number[] = [];
  const column = new Float64Array(m.rows);
  for (let j = 0; j < m.cols; j++) {
    for (let i = 0; i < m.rows; i++) column[i] = m.data[i * m.cols + j]!;
    const values = transformed(column, transforms[j]!.log1p);
    let c: number;
    let s: number;
    if (kind === 'minmax') {
      let min = Infinity;
      let max = -Infinity;
      for (let i = 0; i < values.length; i++) {
        const v = values[i]!;
        if (v < min) min = v;
        if (v > max) max = v;
      }
      c = min;
      s = max - min;
    } else {
      const sorted = values.slice().sort();
      c = quantileOfSorted(sorted, 0.5);
      s = quantileOfSorted(sorted, 0.75) - quantileOfSorted(sorted, 0.25);
    }
    center.push(c);
    scale.push(s > 0 ? s : 1);
    fitted(j, values, center[j]!, scale[j]!);
  }
  return { kind, features: transforms.map((t) => ({ ...t })), center, scale };
}

/** Scales one row of original values into `out` (allocated when omitted). */
export function scaleRow(values: ArrayLike<number>, scaler: Scaler, out?: Float64Array): Float64Array {
  const cols = scaler.features.length;
  if (values.length !== cols) throw new RangeError(`scaleRow: ${values.length} values for ${cols} features`);
  const row = out ?? new Float64Array(cols);
  for (let j = 0; j < cols; j++) {
    const v = values[j]!;
    row[j] = ((scaler.features[j]!.log1p ? Math.log1p(v) : v) - scaler.center[j]!) / scaler.scale[j]!;
  }
  return row;
}

/** The matrix in the scaled space: log1p where the scaler's transform says so, then (x − center) / scale. */
export function applyScaler(m: Matrix, scaler: Scaler): Matrix {
  const cols = scaler.features.length;
  if (m.cols !== cols) throw new RangeError(`applyScaler: ${m.cols} columns for ${cols} features`);
  const out = createMatrix(m.rows, cols);
  // scaleRow's arithmetic, column by column without a row view per row (two objects per row).
  for (let j = 0; j < cols; j++) {
    const log1p = scaler.features[j]!.log1p;
    const center = scaler.center[j]!;
    const scale = scaler.scale[j]!;
    for (let o = j; o < m.data.length; o += cols) {
      const v = m.data[o]!;
      out.data[o] = ((log1p ? Math.log1p(v) : v) - center) / scale;
    }
  }
  return out;
}

/** A row of the scaled space (a centre, say) back in original units: x = t⁻¹(x' × scale + center), t⁻¹ = expm1 after log1p. */
export function unscaleRow(row: ArrayLike<number>, scaler: Scaler): number[] {
  const cols = scaler.features.length;
  if (row.length !== cols) throw new RangeError(`unscaleRow: ${row.length} values for ${cols} features`);
  const out: number[] = [];
  for (let j = 0; j < cols; j++) {
    const t = row[j]! * scaler.scale[j]! + scaler.center[j]!;
    out.push(scaler.features[j]!.log1p ? Math.expm1(t) : t);
  }
  return out;
}
