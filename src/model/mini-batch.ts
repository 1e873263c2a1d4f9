// Sculley's mini-batch k-means steps: the update of centres and counts from one batch, the re-seeding
// of dying centres, and the run of steps with its stopping rules.
import { assignRows } from './distance.js';
import { createMatrix } from './matrix.js';
import { randomIndex } from './rng.js';
import type { Matrix, Rng } from './types.js';

/** Scratch arrays for the mini-batch steps of one fit, allocated once. */
interface Workspace {
  readonly batch: Int32Array;
  /** the batch's rows, copied together (see updateStep) */
  readonly points: Matrix;
  readonly labels: Int32Array;
  readonly distances: Float64Array;
  readonly sums: Float64Array;
  readonly batchCounts: Float64Array;
  /** total squared movement of the centres in the last step */
  movement: number;
}

function createWorkspace(batchSize: number, k: number, d: number): Workspace {
  return {
    batch: new Int32Array(batchSize),
    points: createMatrix(batchSize, d),
    labels: new Int32Array(batchSize),
    distances: new Float64Array(batchSize),
    sums: new Float64Array(k * d),
    batchCounts: new Float64Array(k),
    movement: 0,
  };
}

/**
 * One step of Sculley (2010) on the points ws.batch indexes: every batch point is assigned
 * to its nearest centre as the centres stand before the step; then, per point, counts[c] += 1 and
 * c ← (1 − η) c + η x with η = 1 / counts[c]. With that η the sequential updates of one centre make
 * it the weighted mean of its old position (weight counts[c] before the step) and its new points,
 * which is computed here in one pass: c ← (c · n_old + Σ x) / (n_old + m). `decay` multiplies the
 * counts first (forgetting). Returns the batch's inertia against the centres before the step.
 *
 * The batch's rows are first copied into ws.points in a loop that does nothing else: rows drawn at
 * random from a large matrix each miss the cache, and a tight copy lets the processor wait for many
 * of them at once (docs/model.md, "k-means: the measurements behind the defaults").
 */
function updateStep(
  x: Matrix,
  centres: Float64Array,
  k: number,
  counts: Float64Array,
  decay: number,
  ws: Workspace,
): number {
  const d = x.cols;
  const xd = x.data;
  const { sums, batchCounts, batch, labels, points } = ws;
  const pd = points.data;
  const size = batch.length;
  for (let r = 0, pb = 0; r < size; r++, pb += d) {
    const base = batch[r]! * d;
    for (let t = 0; t < d; t++) pd[pb + t] = xd[base + t]!;
  }
  const inertia = assignRows(points, centres, k, labels, ws.distances);
  if (decay !== 1) for (let c = 0; c < k; c++) counts[c]! *= decay;
  sums.fill(0);
  batchCounts.fill(0);
  for (let r = 0, pb = 0; r < size; r++, pb += d) {
    const c = labels[r]!;
    batchCounts[c]!++;
    const cb = c * d;
    for (let t = 0; t < d; t++) sums[cb + t]! += pd[pb + t]!;
  }
  let movement = 0;
  for (let c = 0, cb = 0; c < k; c++, cb += d) {
    const m = batchCounts[c]!;
    if (m === 0) continue;
    const before = counts[c]!;
    const after = before + m;
    for (let t = 0; t < d; t++) {
      const next = (centres[cb + t]! * before + sums[cb + t]!) / after;
      const diff = next - centres[cb + t]!;
      movement += diff * diff;
      centres[cb + t] = next;
    }
    counts[c] = after;
  }
  ws.movement = movement;
  return inertia;
}

/**
 * One mini-batch step on the points `batch` indexes: `centres.data` and `counts` are updated in
 * place (see updateStep for the rule); `decay` (default 1) multiplies the counts first.
 * Returns the batch's inertia against the centres before the step.
 */
export function miniBatchStep(
  x: Matrix,
  batch: ArrayLike<number>,
  centres: Matrix,
  counts: Float64Array,
  decay = 1,
): number {
  if (centres.cols !== x.cols || counts.length !== centres.rows) throw new RangeError('miniBatchStep: shapes differ');
  const ws = createWorkspace(batch.length, centres.rows, x.cols);
  ws.batch.set(Array.from(batch));
  return updateStep(x, centres.data, centres.rows, counts, decay, ws);
}

/**
 * Re-seeding of dying centres as in sklearn's MiniBatchKMeans, except for where they go: a centre
 * whose count is 0 or below ratio × the largest count moves onto a batch point drawn with
 * probability ∝ its squared distance to its nearest centre before this step (k-means++'s rule, so it
 * lands where points are served worst; sklearn draws uniformly), without replacement. Its count
 * becomes the smallest count among the centres kept (sklearn's rule), so it is neither frozen
 * (count too high) nor re-seeded again at once (count ~0). Uses ws.distances as weights and consumes them.
 */
function reseedDyingCentres(
  x: Matrix,
  centres: Float64Array,
  k: number,
  counts: Float64Array,
  ratio: number,
  ws: Workspace,
  rng: Rng,
): void {
  let max = 0;
  for (let c = 0; c < k; c++) if (counts[c]! > max) max = counts[c]!;
  const threshold = ratio * max;
  let smallestKept = Infinity;
  let dying = 0;
  for (let c = 0; c < k; c++) {
    const n = counts[c]!;
    if (n === 0 || n < threshold) dying++;
    else if (n < smallestKept) smallestKept = n;
  }
  if (dying === 0) return;
  const d = x.cols;
  const weights = ws.distances;
  const size = weights.length;
  for (let c = 0; c < k; c++) {
    const n = counts[c]!;
    if (!(n === 0 || n < threshold)) continue;
    let total = 0;
    for (let r = 0; r < size; r++) total += weights[r]!;
    if (total <= 0) return;
    let target = rng() * total;
    let chosen = -1;
    for (let r = 0; r < size; r++) {
      const w = weights[r]!;
      if (w <= 0) continue;
      chosen = r;
      target -= w;
      if (target < 0) break;
    }
    centres.set(ws.points.data.subarray(chosen * d, chosen * d + d), c * d);
    weights[chosen] = 0;
    counts[c] = smallestKept;
  }
}

/** A run's stopping and forgetting rules, resolved from MiniBatchOptions (kmeans.ts). */
export interface Settings {
  readonly k: number;
  readonly batchSize: number;
  readonly maxIterations: number;
  /** multiplies every count before each batch; 1: no forgetting */
  readonly decay: number;
  /** stop when a step moves the centres by at most this, squared and summed; 0: off */
  readonly movementTolerance: number;
  readonly maxNoImprovement: number;
  readonly reassignmentRatio: number;
}

/** Mini-batch steps from `centres`/`counts` (updated in place) until a stopping rule holds. Returns the steps taken. */
export function runMiniBatch(x: Matrix, centres: Float64Array, counts: Float64Array, s: Settings, rng: Rng): number {
  const n = x.rows;
  const ws = createWorkspace(s.batchSize, s.k, x.cols);
  const alpha = Math.min(1, (2 * s.batchSize) / (n + 1));
  let ewa = NaN;
  let ewaMin = Infinity;
  let smoothed = 0;
  let noImprovement = 0;
  let sinceReseed = 0;
  let steps = 0;
  while (steps < s.maxIterations) {
    for (let r = 0; r < s.batchSize; r++) ws.batch[r] = randomIndex(rng, n);
    const batchInertia = updateStep(x, centres, s.k, counts, s.decay, ws);
    steps++;
    if (s.reassignmentRatio > 0) {
      sinceReseed += s.batchSize;
      let anyEmpty = false;
      for (let c = 0; c < s.k; c++) if (counts[c] === 0) anyEmpty = true;
      // sklearn's cadence: whenever a centre has no point yet, else every 10·k points seen.
      if (anyEmpty || sinceReseed >= 10 * s.k) {
        sinceReseed = 0;
        reseedDyingCentres(x, centres, s.k, counts, s.reassignmentRatio, ws, rng);
      }
    }
    // The first batch's inertia is measured against the initial centres: it says nothing of progress.
    if (steps === 1) continue;
    const mean = batchInertia / s.batchSize;
    smoothed++;
    const weight = Math.max(alpha, 1 / smoothed);
    ewa = Number.isNaN(ewa) ? mean : ewa * (1 - weight) + mean * weight;
    if (s.movementTolerance > 0 && ws.movement <= s.movementTolerance) break;
    if (ewa < ewaMin) {
      ewaMin = ewa;
      noImprovement = 0;
    } else if (s.maxNoImprovement > 0 && ++noImprovement >= s.maxNoImprovement) {
      break;
    }
  }
  return steps;
}

/** The mean over the columns of x of each column's variance (population, not sample). */
export function meanFeatureVariance(x: Matrix): number {
  const d = x.cols;
  let total = 0;
  for (let t = 0; t < d; t++) {
    let mean = 0;
    for (let i = 0; i < x.rows; i++) mean += x.data[i * d + t]!;
    mean /= x.rows;
    let v = 0;
    for (let i = 0; i < x.rows; i++) {
      const diff = x.data[i * d + t]! - mean;
      v += diff * diff;
    }
    total += v / x.rows;
  }
  return total / d;
}
