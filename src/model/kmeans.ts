// k-means in the scaled feature space: a cold start from the best of several k-means++ seedings
// (seeding.ts) or a warm start from the previous model, Sculley's mini-batch steps (mini-batch.ts),
// exact Lloyd refinement with Hamerly's bounds (refine.ts), and a final nearest-centre assignment
// (distance.ts). Distances are squared Euclidean unless a name says otherwise; randomness comes only
// from the Rng passed in. Why the defaults are what they are: docs/model.md, "Fitting k-means".
import { assign } from './distance.js';
import { copyMatrix } from './matrix.js';
import { meanFeatureVariance, runMiniBatch, type Settings } from './mini-batch.js';
import { assignWithBounds, createBounds, inertiaFromBounds, lloyd, refine } from './refine.js';
import { drawRows, seedCentres } from './seeding.js';
import type { Clustering, Matrix, Rng } from './types.js';

export { assign, type Assignment } from './distance.js';
export { miniBatchStep } from './mini-batch.js';
export { kmeansPlusPlus } from './seeding.js';

/** A mini-batch fit: the Clustering plus every point's final label. */
export interface KMeansFit extends Clustering {
  /** every point's centre: its nearest, up to exact ties */
  readonly labels: Int32Array;
  /** mini-batch steps taken */
  readonly iterations: number;
  /** full-data refinement passes taken after them */
  readonly refinePasses: number;
}

export interface MiniBatchOptions {
  readonly k: number;
  readonly rng: Rng;
  /** points per step, drawn uniformly with replacement; capped at the number of points. Default 1024. */
  readonly batchSize?: number;
  /** most steps per run. Default: 100 passes' worth, ceil(100 · n / batchSize), as sklearn's max_iter = 100. */
  readonly maxIterations?: number;
  /** warm start: the previous centres (k rows). nInit is then ignored. */
  readonly init?: Matrix;
  /**
   * With `init`: the previous per-centre counts, so the learning rates continue where the last fit
   * left them. Without it a warm start begins at zero counts, and the first batch replaces each centre
   * by the mean of its batch points.
   */
  readonly counts?: Float64Array;
  /**
   * Seedings tried on a cold start; the best one starts the single mini-batch run. Each seeds k
   * centres by greedy k-means++ on its own initSize points and runs seedPasses Lloyd passes on them;
   * the one with the lowest inertia on a validation sample (initSize points drawn once, first) wins.
   * Default 3.
   */
  readonly nInit?: number;
  /** points each seeding (and the validation sample) draws, with replacement. Default 3 · batchSize (at least 3k), as sklearn. */
  readonly initSize?: number;
  /** at most this many Lloyd passes on a seeding's points; they stop earlier when no label changes. Default 30; 0: none. */
  readonly seedPasses?: number;
  /**
   * Forgetting, in steps: before each batch every count is multiplied by 0.5^(1/halfLife), so a
   * centre's memory of old points halves every `halfLife` batches. Default: none (counts only grow).
   */
  readonly halfLife?: number;
  /**
   * Stop when the centres' total squared movement in one step is at most tolerance × the mean
   * per-feature variance of the data (sklearn's `tol`). Default 0: off.
   */
  readonly tolerance?: number;
  /**
   * Stop after this many consecutive steps without a new minimum of the smoothed batch inertia per
   * point (an exponentially weighted average with weight α = 2 · batchSize / (n + 1), its first 1/α
   * steps a plain mean). Default 10; 0: off.
   */
  readonly maxNoImprovement?: number;
  /**
   * A centre whose count falls below reassignmentRatio × the largest count is dying and is moved onto
   * a batch point drawn with probability ∝ its squared distance to its own centre. Default 0.001
   * (sklearn: 0.01); 0: off.
   */
  readonly reassignmentRatio?: number;
  /**
   * Most exact Lloyd passes after the mini-batch steps, which make every centre the mean of its
   * points. Default 30; 0 keeps the mini-batch centres (sklearn's MiniBatchKMeans).
   */
  readonly refinePasses?: number;
  /** Refinement stops after a pass that moves at most this fraction of the points. Default 0.001; 0: none moved. */
  readonly refineTolerance?: number;
  /**
   * Points, drawn with replacement, that the refinement passes run on when there are more; every point
   * is then assigned once to the refined centres. Default 32,768.
   */
  readonly refineSampleSize?: number;
}

/**
 * Assigns every point, then gives any centre left without points the point farthest from its own
 * centre (taken from a cluster that keeps at least one point) and assigns again, until no centre is
 * empty or no point can be spared. A re-seeded centre's count becomes the number of points it owns.
 */
function assignFillingEmpty(
  x: Matrix,
  centres: Matrix,
  counts: Float64Array,
  labels: Int32Array,
  distances: Float64Array,
): number {
  const k = centres.rows;
  const d = x.cols;
  let inertia = assign(x, centres, { labels, distances }).inertia;
  const sizes = new Int32Array(k);
  const reseeded = new Uint8Array(k);
  for (let round = 0; round < k; round++) {
    sizes.fill(0);
    for (let i = 0; i < x.rows; i++) sizes[labels[i]!]!++;
    let moved = false;
    for (let c = 0; c < k; c++) {
      if (sizes[c] !== 0) continue;
      let farthest = -1;
      for (let i = 0; i < x.rows; i++) {
        if (sizes[labels[i]!]! > 1 && (farthest < 0 || distances[i]! > distances[farthest]!)) farthest = i;
      }
      if (farthest < 0 || distances[farthest]! === 0) break;
      centres.data.set(x.data.subarray(farthest * d, farthest * d + d), c * d);
      sizes[labels[farthest]!]!--;
      sizes[c] = 1;
      labels[farthest] = c;
      distances[farthest] = 0;
      reseeded[c] = 1;
      moved = true;
    }
    if (!moved) break;
    inertia = assign(x, centres, { labels, distances }).inertia;
  }
  sizes.fill(0);
  for (let i = 0; i < x.rows; i++) sizes[labels[i]!]!++;
  for (let c = 0; c < k; c++) if (reseeded[c] === 1) counts[c] = sizes[c]!;
  return inertia;
}

/**
 * Mini-batch k-means (Sculley 2010, "Web-scale k-means clustering") on the rows of `x` (scaled
 * features), in one run. Cold start: the best of nInit seedings (see nInit). Warm start (`init`,
 * optionally `counts`): from the previous model. The run takes mini-batch steps until maxIterations
 * or an early stop (see the options); every point is then assigned to its nearest centre and the
 * centres are refined by exact Lloyd passes over all points (refinePasses). A centre left without
 * points is moved onto the point farthest from its centre, so all k clusters own points whenever
 * the data has k distinct points. The result's labels and inertia are over all points.
 */
export function miniBatchKMeans(x: Matrix, options: MiniBatchOptions): KMeansFit {
  const { k, rng, init } = options;
  const n = x.rows;
  const d = x.cols;
  if (!Number.isInteger(k) || k < 1 || k > n) throw new RangeError(`miniBatchKMeans: k=${k} with ${n} points`);
  if (init !== undefined && (init.rows !== k || init.cols !== d)) {
    throw new RangeError(`miniBatchKMeans: init is ${init.rows} × ${init.cols}, expected ${k} × ${d}`);
  }
  if (options.counts !== undefined && (init === undefined || options.counts.length !== k)) {
    throw new RangeError('miniBatchKMeans: counts need init and one count per centre');
  }
  const batchSize = Math.min(options.batchSize ?? 1024, n);
  const maxIterations = options.maxIterations ?? Math.ceil((100 * n) / batchSize);
  const nInit = options.nInit ?? 3;
  const initSize = Math.min(n, options.initSize ?? Math.max(3 * batchSize, 3 * k));
  const seedPasses = options.seedPasses ?? 30;
  const halfLife = options.halfLife;
  const tolerance = options.tolerance ?? 0;
  const reassignmentRatio = options.reassignmentRatio ?? 0.001;
  const refinePasses = options.refinePasses ?? 30;
  const refineTolerance = options.refineTolerance ?? 0.001;
  const refineSampleSize = options.refineSampleSize ?? 32_768;
  for (const [name, value, ok] of [
    ['batchSize', batchSize, Number.isInteger(batchSize) && batchSize >= 1],
    ['maxIterations', maxIterations, Number.isInteger(maxIterations) && maxIterations >= 1],
    ['nInit', nInit, Number.isInteger(nInit) && nInit >= 1],
    ['initSize', initSize, Number.isInteger(initSize) && initSize >= k],
    ['seedPasses', seedPasses, Number.isInteger(seedPasses) && seedPasses >= 0],
    ['halfLife', halfLife, halfLife === undefined || halfLife > 0],
    ['tolerance', tolerance, tolerance >= 0],
    ['reassignmentRatio', reassignmentRatio, reassignmentRatio >= 0 && reassignmentRatio < 1],
    ['refinePasses', refinePasses, Number.isInteger(refinePasses) && refinePasses >= 0],
    ['refineTolerance', refineTolerance, refineTolerance >= 0 && refineTolerance < 1],
    ['refineSampleSize', refineSampleSize, Number.isInteger(refineSampleSize) && refineSampleSize >= k],
  ] as const) {
    if (!ok) throw new RangeError(`miniBatchKMeans: invalid ${name}=${String(value)}`);
  }
  const settings: Settings = {
    k,
    batchSize,
    maxIterations,
    decay: halfLife === undefined ? 1 : 0.5 ** (1 / halfLife),
    movementTolerance: tolerance > 0 ? tolerance * meanFeatureVariance(x) : 0,
    maxNoImprovement: options.maxNoImprovement ?? 10,
    reassignmentRatio,
  };
  const start =
    init !== undefined
      ? { centres: copyMatrix(init), counts: options.counts?.slice() ?? new Float64Array(k) }
      : seedCentres(x, k, nInit, initSize, seedPasses, rng);
  const { centres, counts } = start;
  const iterations = runMiniBatch(x, centres.data, counts, settings, rng);

  const labels = new Int32Array(n);
  if (refinePasses === 0) {
    const inertia = assignFillingEmpty(x, centres, counts, labels, new Float64Array(n));
    return { centres, counts, inertia, labels, iterations, refinePasses: 0 };
  }
  if (refineSampleSize < n) {
    // Lloyd on a sample, then one plain assignment of every point (see refineSampleSize).
    const points = drawRows(x, refineSampleSize, rng);
    const passes = lloyd(
      points,
      centres.data,
      createBounds(refineSampleSize, k, d),
      refinePasses,
      Math.floor(refineTolerance * refineSampleSize),
    );
    const inertia = assignFillingEmpty(x, centres, counts, labels, new Float64Array(n));
    return { centres, counts, inertia, labels, iterations, refinePasses: passes };
  }
  const b = createBounds(n, k, d);
  assignWithBounds(x, centres.data, b);
  if (b.sizes.includes(0)) {
    assignFillingEmpty(x, centres, counts, b.labels, new Float64Array(n));
    assignWithBounds(x, centres.data, b);
  }
  const passes = refine(x, centres.data, b, refinePasses, Math.floor(refineTolerance * n));
  const inertia = b.sizes.includes(0)
    ? assignFillingEmpty(x, centres, counts, b.labels, new Float64Array(n))
    : inertiaFromBounds(centres.data, d, b);
  return { centres, counts, inertia, labels: b.labels, iterations, refinePasses: passes };
}
