// Why a customer is in their segment, and what single change would move them into the Insiders or
// out of them: the "conditions to enter / to leave" of the business questions, per customer.
import { clusteredSegments } from './segments.js';
import type { FeatureName, Matrix, Scaler, Segment } from './types.js';

/**
 * What an explanation needs from a model version; a ModelVersion fits. Explanations are of the
 * clustered segments: a rule-based group (Lapsed) has no centre and is left out.
 */
export interface ExplainModel {
  readonly scaler: Scaler;
  /** row i is clustered segment i's centre, in the scaled space */
  readonly centres: Matrix;
  readonly segments: readonly (Pick<Segment, 'id' | 'name'> & { readonly ruleBased?: boolean })[];
  readonly insidersId: number;
}

/** A customer's feature values in original units (a Features record fits); null = not defined. */
export type CustomerValues = Readonly<Partial<Record<FeatureName, number | null>>>;

export interface CentreDistance {
  /** the centre's row in the model */
  readonly index: number;
  readonly segmentId: number;
  readonly name: string;
  /** in the scaled space */
  readonly squaredDistance: number;
  readonly distance: number;
}

export interface FeatureContribution {
  readonly feature: FeatureName;
  /** original units */
  readonly value: number;
  readonly scaled: number;
  /** (x_j - c_j)² to the assigned centre, scaled space; these sum to its squared distance */
  readonly toAssigned: number;
  /** the same to the runner-up's centre; null with a single segment */
  readonly toRunnerUp: number | null;
}

export interface AssignmentExplanation {
  /** the customer in the scaled space */
  readonly scaled: Float64Array;
  /** one per centre, in row order */
  readonly distances: readonly CentreDistance[];
  readonly assigned: CentreDistance;
  /** the second-nearest centre; null with a single segment */
  readonly runnerUp: CentreDistance | null;
  /** runner-up distance - assigned distance (≥ 0); null with a single segment */
  readonly margin: number | null;
  /** in the scaler's feature order */
  readonly contributions: readonly FeatureContribution[];
  readonly isInsider: boolean;
}

function checkModel(model: ExplainModel): number {
  const { scaler, centres } = model;
  const segments = clusteredSegments(model.segments);
  const d = scaler.features.length;
  if (scaler.center.length !== d || scaler.scale.length !== d || centres.cols !== d) {
    throw new RangeError(
      `scaler has ${d} features, ${scaler.center.length} centers, ${scaler.scale.length} scales; centres have ${centres.cols} columns`,
    );
  }
  scaler.scale.forEach((s, j) => {
    if (!(s > 0 && Number.isFinite(s))) throw new RangeError(`scale of ${scaler.features[j]!.name} is ${s}`);
  });
  if (segments.length !== centres.rows) {
    throw new RangeError(`${segments.length} segments for ${centres.rows} centres`);
  }
  const insiders = segments.findIndex((s) => s.id === model.insidersId);
  if (insiders < 0) throw new RangeError(`insiders id ${model.insidersId} is not a segment id`);
  return insiders;
}

/** x' = (t(x) - center) / scale, t = log1p or identity, as the Scaler type states. */
function toScaled(scaler: Scaler, j: number, x: number): number {
  const t = scaler.features[j]!.log1p ? Math.log1p(x) : x;
  return (t - scaler.center[j]!) / scaler.scale[j]!;
}

function toOriginal(scaler: Scaler, j: number, scaled: number): number {
  const t = scaled * scaler.scale[j]! + scaler.center[j]!;
  return scaler.features[j]!.log1p ? Math.expm1(t) : t;
}

function originalValues(scaler: Scaler, customer: CustomerValues): Float64Array {
  return Float64Array.from(scaler.features, ({ name }) => {
    const value = customer[name];
    if (value === undefined || value === null || !Number.isFinite(value)) {
      throw new RangeError(`customer has no usable value for ${name}: ${String(value)}`);
    }
    return value;
  });
}

/** The customer's point in the model's scaled space, in the scaler's feature order. */
export function scaleCustomer(scaler: Scaler, customer: CustomerValues): Float64Array {
  const original = originalValues(scaler, customer);
  return original.map((x, j) => toScaled(scaler, j, x));
}

function squaredDistances(centres: Matrix, point: Float64Array): Float64Array {
  const d = centres.cols;
  const out = new Float64Array(centres.rows);
  for (let c = 0; c < centres.rows; c++) {
    let sum = 0;
    for (let j = 0; j < d; j++) {
      const diff = point[j]! - centres.data[c * d + j]!;
      sum += diff * diff;
    }
    out[c] = sum;
  }
  return out;
}

/** The nearest centre; on equal distances the lower row, as k-means assignment does. */
function nearest(squared: Float64Array): number {
  let best = 0;
  for (let c = 1; c < squared.length; c++) if (squared[c]! < squared[best]!) best = c;
  return best;
}

/** Distances to every centre, the assigned and runner-up segments, and each feature's share. */
export function explainAssignment(model: ExplainModel, customer: CustomerValues): AssignmentExplanation {
  checkModel(model);
  const { scaler, centres } = model;
  const segments = clusteredSegments(model.segments);
  if (centres.rows === 0) throw new RangeError('the model has no centres');
  const original = originalValues(scaler, customer);
  const scaled = original.map((x, j) => toScaled(scaler, j, x));
  const squared = squaredDistances(centres, scaled);
  const distances = Array.from(squared, (sq, index): CentreDistance => {
    const segment = segments[index]!;
    return { index, segmentId: segment.id, name: segment.name, squaredDistance: sq, distance: Math.sqrt(sq) };
  });
  const assignedIndex = nearest(squared);
  let runnerUpIndex = -1;
  for (let c = 0; c < squared.length; c++) {
    if (c === assignedIndex) continue;
    if (runnerUpIndex < 0 || squared[c]! < squared[runnerUpIndex]!) runnerUpIndex = c;
  }
  const assigned = distances[assignedIndex]!;
  const runnerUp = runnerUpIndex < 0 ? null : distances[runnerUpIndex]!;
  const d = centres.cols;
  const contributions = scaler.features.map(({ name }, j): FeatureContribution => {
    const x = scaled[j]!;
    const toAssigned = (x - centres.data[assignedIndex * d + j]!) ** 2;
    const toRunnerUp = runnerUpIndex < 0 ? null : (x - centres.data[runnerUpIndex * d + j]!) ** 2;
    return { feature: name, value: original[j]!, scaled: x, toAssigned, toRunnerUp };
  });
  return {
    scaled,
    distances,
    assigned,
    runnerUp,
    margin: runnerUp === null ? null : runnerUp.distance - assigned.distance,
    contributions,
    isInsider: assigned.segmentId === model.insidersId,
  };
}

/** The values a feature can take, in original units. */
export interface FeatureDomain {
  readonly min: number;
  readonly max: number;
  /** counts, days and mills move in whole steps */
  readonly integer: boolean;
}

const WHOLE: FeatureDomain = { min: 0, max: Infinity, integer: true };
const NON_NEGATIVE_REAL: FeatureDomain = { min: 0, max: Infinity, integer: false };

/** Every feature is ≥ 0; counts, days and money in mills are whole numbers, ratios and means are not. */
export const DEFAULT_FEATURE_DOMAINS: Readonly<Record<FeatureName, FeatureDomain>> = {
  grossRevenueMills: WHOLE,
  recencyDays: WHOLE,
  products: WHOLE,
  frequency: NON_NEGATIVE_REAL,
  returns: WHOLE,
  orders: WHOLE,
  items: WHOLE,
  avgTicketMills: NON_NEGATIVE_REAL,
  returnedMills: WHOLE,
};

export interface ChangeOptions {
  /** overrides of DEFAULT_FEATURE_DOMAINS */
  readonly domains?: Readonly<Partial<Record<FeatureName, FeatureDomain>>>;
}

/**
 * Why no change of one feature alone moves the customer:
 * - `no-separation`: the feature has the same value at the Insiders centre and at a centre that must
 *   be beaten (to enter) or at every other centre (to leave), so it cannot change which is nearer;
 * - `conflicting-competitors`: beating one centre needs the feature above a value, beating another
 *   needs it below a smaller value;
 * - `outside-domain`: the value needed lies outside the feature's domain (e.g. negative recency);
 * - `no-valid-value`: the interval that would work holds no whole value of an integer feature.
 */
export type NoChangeReason = 'no-separation' | 'conflicting-competitors' | 'outside-domain' | 'no-valid-value';

export interface PossibleChange {
  readonly feature: FeatureName;
  readonly possible: true;
  /** original units */
  readonly from: number;
  /** the nearest value that moves the customer: just past `boundary`, whole for integer features */
  readonly to: number;
  /** to - from */
  readonly change: number;
  /** |change| / |from|; Infinity when from is 0 */
  readonly relativeChange: number;
  /** the change in the scaled space: in units of the feature's spread (log units for log1p features) */
  readonly scaledChange: number;
  /** where the assignment switches, original units */
  readonly boundary: number;
  /** the segment the customer would be in after the change */
  readonly segmentIdAfter: number;
}

export interface ImpossibleChange {
  readonly feature: FeatureName;
  readonly possible: false;
  readonly from: number;
  readonly reason: NoChangeReason;
  /** the nearest value that would work ignoring the domain (outside-domain, no-valid-value), original units */
  readonly boundary: number | null;
  /** segments whose centres stand in the way (no-separation, conflicting-competitors) */
  readonly blockingSegmentIds: readonly number[];
}

export type FeatureChange = PossibleChange | ImpossibleChange;

export interface InsidersChange {
  /** enter when the customer is not an Insider now, leave when they are */
  readonly goal: 'enter' | 'leave';
  readonly segmentId: number;
  /** the possible change with the smallest relative change; null when no feature alone suffices */
  readonly best: PossibleChange | null;
  /** one per model feature, in the scaler's order */
  readonly changes: readonly FeatureChange[];
}

/**
 * Boundaries are stepped past by STEP_PAST × max(1, |boundary|) in the scaled space before the value
 * is mapped back to original units: far above the rounding error of the squared distances (about
 * 1e-16 relative), far below any change worth acting on. Integer features then round on to the next
 * whole value past the boundary. Every proposed value is checked by assigning the changed customer.
 */
export const STEP_PAST = 1e-9;

interface Candidate {
  readonly boundary: number;
  /** +1: the region lies above the boundary, -1: below */
  readonly side: 1 | -1;
}

/**
 * For each feature alone, the smallest change (original units) that moves the customer into the
 * Insiders, or out of them for an Insider, all other features fixed. Along feature j the squared
 * distance to centre c is S_c + (t - c_j)², S_c the other features' part, so d_I(t) - d_c(t) =
 * (S_I - S_c) + (c_j - I_j)(2t - I_j - c_j) is linear in t: each competitor gives one boundary.
 * Entering needs d_I < d_c for every competitor (an interval: the binding bounds are the largest lower
 * and the smallest upper one); leaving needs d_c < d_I for some competitor (the nearest boundary).
 */
export function smallestChangeTo(
  model: ExplainModel,
  customer: CustomerValues,
  options: ChangeOptions = {},
): InsidersChange {
  const insiders = checkModel(model);
  const { scaler, centres } = model;
  const segments = clusteredSegments(model.segments);
  const original = originalValues(scaler, customer);
  const scaled = original.map((x, j) => toScaled(scaler, j, x));
  const current = nearest(squaredDistances(centres, scaled));
  const goal = current === insiders ? 'leave' : 'enter';
  const d = centres.cols;
  const k = centres.rows;

  const changes = scaler.features.map(({ name: feature }, j): FeatureChange => {
    const from = original[j]!;
    const domain = options.domains?.[feature] ?? DEFAULT_FEATURE_DOMAINS[feature];
    const impossible = (reason: NoChangeReason, boundary: number | null, blocking: number[] = []) =>
      ({ feature, possible: false, from, reason, boundary, blockingSegmentIds: blocking }) as const;

    // d_I(t) - d_c(t) = gap_c + 2·delta_c·(t - mid_c), with gap_c = S_I - S_c, delta_c = c_j - I_j and
    // mid_c = (I_j + c_j) / 2; it is 0 at root_c = mid_c - gap_c / (2·delta_c). This form avoids
    // subtracting the squares I_j² and c_j².
    const others = new Float64Array(k);
    for (let c = 0; c < k; c++) {
      let sum = 0;
      for (let i = 0; i < d; i++) {
        if (i !== j) sum += (scaled[i]! - centres.data[c * d + i]!) ** 2;
      }
      others[c] = sum;
    }
    const insidersJ = centres.data[insiders * d + j]!;
    const gapOf = (c: number) => others[insiders]! - others[c]!;
    const deltaOf = (c: number) => centres.data[c * d + j]! - insidersJ;
    const rootOf = (c: number) => (insidersJ + centres.data[c * d + j]!) / 2 - gapOf(c) / (2 * deltaOf(c));

    const candidates: Candidate[] = [];
    if (goal === 'enter') {
      // d_I < d_c for every competitor: below root_c when delta_c > 0, above it when delta_c < 0.
      let lower = -Infinity;
      let upper = Infinity;
      let lowerBy = -1;
      let upperBy = -1;
      const unbeatable: number[] = [];
      for (let c = 0; c < k; c++) {
        if (c === insiders) continue;
        const delta = deltaOf(c);
        if (delta === 0) {
          if (gapOf(c) >= 0) unbeatable.push(segments[c]!.id);
          continue;
        }
        const root = rootOf(c);
        if (delta > 0 && root < upper) {
          upper = root;
          upperBy = c;
        } else if (delta < 0 && root > lower) {
          lower = root;
          lowerBy = c;
        }
      }
      if (unbeatable.length > 0) return impossible('no-separation', null, unbeatable);
      if (lower >= upper) {
        return impossible('conflicting-competitors', null, [segments[lowerBy]!.id, segments[upperBy]!.id]);
      }
      if (Number.isFinite(lower)) candidates.push({ boundary: lower, side: 1 });
      if (Number.isFinite(upper)) candidates.push({ boundary: upper, side: -1 });
    } else {
      // d_c < d_I for some competitor: above root_c when delta_c > 0, below it when delta_c < 0.
      for (let c = 0; c < k; c++) {
        if (c === insiders) continue;
        const delta = deltaOf(c);
        if (delta !== 0) candidates.push({ boundary: rootOf(c), side: delta > 0 ? 1 : -1 });
      }
      if (candidates.length === 0) return impossible('no-separation', null, []);
    }

    let best: PossibleChange | null = null;
    let outsideOnly = true;
    let nearestBoundary: number | null = null;
    for (const { boundary, side } of candidates) {
      const boundaryOriginal = toOriginal(scaler, j, boundary);
      if (nearestBoundary === null || Math.abs(boundaryOriginal - from) < Math.abs(nearestBoundary - from)) {
        nearestBoundary = boundaryOriginal;
      }
      const past = toOriginal(scaler, j, boundary + side * STEP_PAST * Math.max(1, Math.abs(boundary)));
      const to = domain.integer ? (side > 0 ? Math.ceil(past) : Math.floor(past)) : past;
      if (!(to >= domain.min && to <= domain.max)) continue;
      outsideOnly = false;
      const scaledTo = toScaled(scaler, j, to);
      const moved = Float64Array.from(scaled);
      moved[j] = scaledTo;
      const after = nearest(squaredDistances(centres, moved));
      if ((after === insiders) !== (goal === 'enter')) continue;
      if (best !== null && Math.abs(to - from) >= Math.abs(best.change)) continue;
      best = {
        feature,
        possible: true,
        from,
        to,
        change: to - from,
        relativeChange: relativeChange(to - from, from),
        scaledChange: scaledTo - scaled[j]!,
        boundary: boundaryOriginal,
        segmentIdAfter: segments[after]!.id,
      };
    }
    if (best !== null) return best;
    return impossible(outsideOnly ? 'outside-domain' : 'no-valid-value', nearestBoundary);
  });

  // Smallest relative change; equal ones (e.g. both from 0) by the smaller scaled change, then feature order.
  let best: PossibleChange | null = null;
  for (const change of changes) {
    if (!change.possible) continue;
    if (
      best === null ||
      change.relativeChange < best.relativeChange ||
      (change.relativeChange === best.relativeChange && Math.abs(change.scaledChange) < Math.abs(best.scaledChange))
    ) {
      best = change;
    }
  }
  return { goal, segmentId: segments[current]!.id, best, changes };
}

function relativeChange(change: number, from: number): number {
  if (change === 0) return 0;
  return from === 0 ? Infinity : Math.abs(change) / Math.abs(from);
}
