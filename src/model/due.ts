// When a customer's placement can next change without a new event: their due time. A periodic pass
// then places only the customers whose due time has passed, instead of every customer every minute.
//
// Between two events a customer's features move in two ways only (src/features/features.ts):
// recencyDays grows by one at every whole day after the last purchase, and the window's set of days
// changes when a day leaves it (or a future day enters it). Everything else is constant in between.
// With the other features fixed, the squared distance to a centre is a quadratic in the scaled
// recency s whose s² terms are equal for every centre, so ‖x − c‖² − ‖x − a‖² is linear in s: each
// rival centre c of the current one a gives one crossing point, mapped back to a recency in days.
// Times are epoch milliseconds (integers, as the customer state stores them); days are UTC days.
import {
  nextWindowChangeMs,
  nextWindowChangeMsOf,
  windowInput,
  type Features,
  type WindowInput,
} from '../features/features.js';
import { DAY_FIELDS, MS_PER_DAY, type CustomerState } from '../state/customer-state.js';

export { nextWindowChangeMs };
import { isEligible } from './model.js';
import type { FeatureName, ModelVersion } from './types.js';

/**
 * nextWindowChangeMs over every day a customer's window features read: day buckets and products'
 * last purchase days (those the state still keeps, see keptFromDay).
 */
export function customerWindowChangeMs(state: CustomerState, nowMs: number, windowDays: number): number {
  return windowChangeMs(windowInput(state, nowMs, windowDays), nowMs, windowDays);
}

/** The same for the compact input of a placement, whose products come reduced (productWindowOfDays). */
export function windowChangeMs(input: WindowInput, nowMs: number, windowDays: number): number {
  const buckets = input.days.length / DAY_FIELDS;
  return Math.min(nextWindowChangeMsOf(input.days, DAY_FIELDS, buckets, nowMs, windowDays), input.products.changeMs);
}

/**
 * A customer's due time under one model: the earliest time at which placeCustomers(model, [features
 * at that time]) could differ from the placement at `nowMs`. Contract: never later than the first
 * time the placement changes without a new event; possibly earlier (one placement that finds no
 * change, after which the due time is computed again); always strictly greater than `nowMs`, or
 * Infinity when nothing will change it.
 *
 * `features` are the customer's at `nowMs`; `lastPurchaseMs` the state's last purchase time (it sets
 * when recency steps); `windowChangeMs` the customer's next window change (customerWindowChangeMs),
 * which must be later than `nowMs`.
 */
export type PlacementDue = (
  features: Features,
  lastPurchaseMs: number | undefined,
  nowMs: number,
  windowChangeMs: number,
) => number;

/**
 * Relative slack on every floating-point comparison the due time rests on. The brute-force placement
 * sums d ≤ 9 squared differences, each exact to about (d + 4) · 2⁻⁵³ ≈ 3e-15 relative; the slack is
 * four orders of magnitude above that, and it can only make a due time earlier. What it costs: a
 * crossing moves earlier by about 1e-10 of the distances involved, so a due time lands one day early
 * only when a crossing falls that close to a day boundary.
 */
const SLACK = 1e-10;

/** Each feature's case in featureValue; a Record so that a new FeatureName cannot be missed. */
const FEATURE_CODES: Readonly<Record<FeatureName, number>> = {
  grossRevenueMills: 0,
  recencyDays: 1,
  products: 2,
  frequency: 3,
  returns: 4,
  orders: 5,
  items: 6,
  avgTicketMills: 7,
  returnedMills: 8,
};

/**
 * A feature's value by its code in FEATURE_CODES. A property read by a variable name
 * (features[name]) costs about as much as the whole due computation; named reads do not.
 */
function featureValue(f: Features, code: number): number {
  switch (code) {
    case 0:
      return f.grossRevenueMills;
    case 1:
      return f.recencyDays!;
    case 2:
      return f.products;
    case 3:
      return f.frequency;
    case 4:
      return f.returns;
    case 5:
      return f.orders;
    case 6:
      return f.items;
    case 7:
      return f.avgTicketMills;
    default:
      return f.returnedMills;
  }
}

/**
 * The due-time function of a model version: everything that depends only on the model is computed
 * here once, and the function it returns allocates nothing per customer (it runs for every customer
 * after each refit). Eligibility comes from isEligible, as in placeCustomers: a customer the model
 * does not place can only change at a window change (or an event).
 */
export function dueCalculator(model: ModelVersion): PlacementDue {
  const { scaler, centres } = model;
  const k = centres.rows;
  const d = centres.cols;
  if (scaler.features.length !== d) {
    throw new RangeError(`dueCalculator: ${scaler.features.length} scaled features for centres of ${d} columns`);
  }
  const names = scaler.features.map((f) => f.name);
  const codes = Uint8Array.from(names, (name) => FEATURE_CODES[name]);
  const log1p = scaler.features.map((f) => f.log1p);
  const center = Float64Array.from(scaler.center);
  const scale = Float64Array.from(scaler.scale);
  const c = centres.data;
  const recencyColumns = names.flatMap((name, j) => (name === 'recencyDays' ? [j] : []));
  // Without recency in the model, only a window change moves a customer's features.
  const withoutRecency = recencyColumns.length === 0;
  const r = recencyColumns.length === 1 ? recencyColumns[0]! : -1;
  // With recency in several columns the distance differences are no longer linear in one variable:
  // such a model gets the next recency step as due time (correct, one placement a day).
  const recencyStepOnly = recencyColumns.length > 1;
  const recencyLog1p = r >= 0 && log1p[r]!;
  const recencyCenter = r >= 0 ? center[r]! : 0;
  const recencyScale = r >= 0 ? scale[r]! : 1;
  const recencyOffset = 1 + (2 * Math.abs(recencyCenter)) / recencyScale;
  // gain[a·k + b] = (a's scaled recency) − (b's): > 0 when b lies further along recency than a.
  // identical[a·k + b]: the rows are equal to the bit, so b can never take a customer from a
  // (assign gives exact ties to the lower index, and a is the lower one whenever it holds the customer).
  const gain = new Float64Array(k * k);
  const identical = new Uint8Array(k * k);
  for (let a = 0; a < k; a++) {
    for (let b = 0; b < k; b++) {
      if (r >= 0) gain[a * k + b] = c[a * d + r]! - c[b * d + r]!;
      let same = 1;
      for (let j = 0; j < d; j++) if (c[a * d + j] !== c[b * d + j]) same = 0;
      identical[a * k + b] = same;
    }
  }
  const x = new Float64Array(d);
  const distance = new Float64Array(k);

  return (features, lastPurchaseMs, nowMs, windowChangeMs) => {
    if (!(windowChangeMs > nowMs)) {
      throw new RangeError(`placement due: window change ${windowChangeMs} is not after now ${nowMs}`);
    }
    const recency = features.recencyDays;
    if (withoutRecency || !isEligible(features) || recency === null) return windowChangeMs;
    if (lastPurchaseMs === undefined) {
      throw new RangeError(`placement due: customer ${features.customerId} has a recency but no last purchase`);
    }
    // recencyDays = max(0, ⌊(t − last) / day⌋): it steps at last + n·day, and its next step is n = recency + 1.
    const nextStep = recency + 1;
    let step = nextStep;
    if (!recencyStepOnly) {
      // The scaled row and every squared distance exactly as applyScaler and assign compute them
      // (same operations in the same order), so the centre found here is the placement's.
      for (let j = 0; j < d; j++) {
        const v = featureValue(features, codes[j]!);
        x[j] = ((log1p[j] ? Math.log1p(v) : v) - center[j]!) / scale[j]!;
      }
      let a = 0;
      let best = Infinity;
      for (let i = 0, base = 0; i < k; i++, base += d) {
        let s = 0;
        for (let j = 0; j < d; j++) {
          const diff = x[j]! - c[base + j]!;
          s += diff * diff;
        }
        distance[i] = s;
        if (s < best) {
          best = s;
          a = i;
        }
      }
      const s0 = x[r]!;
      const toA = s0 - c[a * d + r]!;
      const distanceA = distance[a]!;
      // The smallest move u ≥ 0 of the scaled recency from s0 at which some rival may hold the
      // customer. Rival b's distance at s0 + u is D_b + 2·(s0 − b_r)·u + u², so it may win (a tie
      // counts: assign gives ties to the lower index, and rounding decides a near tie either way)
      // when D_b(u) − D_a(u) ≤ SLACK·(D_b(u) + D_a(u) + D_b + D_a + u²), i.e. Q(u) ≤ 0 with
      // Q(u) = q0 + 2·g·u − 3·SLACK·u², q0 = D_b − D_a − 2·SLACK·(D_b + D_a),
      // g = (a_r − b_r) − SLACK·(2·s0 − a_r − b_r). Q is concave and Q(0) = q0 > 0 unless b may win
      // already, so the move is Q's positive root, written without cancellation for either sign of g.
      let move = Infinity;
      for (let b = 0, row = a * k; b < k; b++) {
        if (b === a || identical[row + b] === 1) continue;
        const distanceB = distance[b]!;
        const q0 = distanceB - distanceA - 2 * SLACK * (distanceB + distanceA);
        if (!(q0 > 0)) {
          move = 0;
          break;
        }
        const g = gain[row + b]! - SLACK * (toA + s0 - c[b * d + r]!);
        const root = Math.sqrt(g * g + 3 * SLACK * q0);
        const u = g <= 0 ? q0 / (root - g) : (g + root) / (3 * SLACK);
        if (u < move) move = u;
      }
      if (move === 0) step = nextStep;
      else if (move === Infinity) step = Infinity;
      else {
        // The placement recomputes the scaled recency from a whole number of days with its own
        // rounding (log1p, − center, / scale): move back by a bound on that, then map s to days
        // (the inverse transform) and back again by a bound on this mapping's own rounding.
        const s = s0 + move - SLACK * (recencyOffset + 2 * Math.abs(s0) + 2 * move);
        const t = s * recencyScale + recencyCenter;
        const tSlack = SLACK * (1 + Math.abs(t) + 2 * Math.abs(recencyCenter));
        const days = recencyLog1p ? Math.expm1(t) : t;
        const first = days === Infinity ? Infinity : Math.ceil(days - tSlack * (recencyLog1p ? 1 + Math.abs(days) : 1));
        // NaN (which no finite input gives) falls back to the next step, the safe side.
        step = first > nextStep ? first : nextStep;
      }
    }
    if (step === Infinity) return windowChangeMs;
    let due = lastPurchaseMs + step * MS_PER_DAY;
    // Progress even for a last purchase time that is not a whole millisecond (the sum rounds).
    if (!(due > nowMs)) due = lastPurchaseMs + (step + 1) * MS_PER_DAY;
    return due < windowChangeMs ? due : windowChangeMs;
  };
}

const calculators = new WeakMap<ModelVersion, PlacementDue>();

/**
 * The due time of one customer under `model` (see PlacementDue): dueCalculator(model) applied, the
 * calculator kept per model object. For many customers call dueCalculator once and reuse it.
 */
export function placementDueMs(
  features: Features,
  lastPurchaseMs: number | undefined,
  nowMs: number,
  windowChangeMs: number,
  model: ModelVersion,
): number {
  let due = calculators.get(model);
  if (due === undefined) {
    due = dueCalculator(model);
    calculators.set(model, due);
  }
  return due(features, lastPurchaseMs, nowMs, windowChangeMs);
}
