// Where a cold fit starts: greedy k-means++ centres, and the choice of the best of several seedings,
// each drawn on a sample of the points and polished by Lloyd passes on it.
import { assign, squaredDistance } from './distance.js';
import { createMatrix, selectRows } from './matrix.js';
import { createBounds, lloyd } from './refine.js';
import { randomIndex } from './rng.js';
import type { Matrix, Rng } from './types.js';

/** The first index whose cumulative weight exceeds r (0 ≤ r < cumulative[last]); zero-weight points are never chosen. */
function searchCumulative(cumulative: Float64Array, r: number): number {
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cumulative[mid]! > r) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * k initial centres chosen among the rows of `x` by greedy k-means++ (Arthur & Vassilvitskii 2007;
 * the greedy variant of scikit-learn): the first uniformly, each next one by drawing `candidates`
 * points with probability ∝ D² (squared distance to the nearest centre chosen so far) and keeping
 * the candidate that lowers the total D² most. Default candidates: 2 + ⌊ln k⌋.
 * When the data has fewer than k distinct points the remaining centres repeat existing ones.
 */
export function kmeansPlusPlus(x: Matrix, k: number, rng: Rng, options: { candidates?: number } = {}): Matrix {
  const n = x.rows;
  const d = x.cols;
  if (!Number.isInteger(k) || k < 1 || k > n) throw new RangeError(`kmeansPlusPlus: k=${k} with ${n} points`);
  const candidates = options.candidates ?? 2 + Math.floor(Math.log(k));
  if (!Number.isInteger(candidates) || candidates < 1) throw new RangeError(`kmeansPlusPlus: candidates=${candidates}`);
  const xd = x.data;
  const centres = createMatrix(k, d);
  const cd = centres.data;
  const first = randomIndex(rng, n);
  cd.set(xd.subarray(first * d, first * d + d), 0);
  let closest = new Float64Array(n);
  for (let i = 0, base = 0; i < n; i++, base += d) closest[i] = squaredDistance(xd, base, cd, 0, d);
  const cumulative = new Float64Array(n);
  let trial = new Float64Array(n);
  let bestTrial = new Float64Array(n);
  for (let c = 1; c < k; c++) {
    let total = 0;
    for (let i = 0; i < n; i++) {
      total += closest[i]!;
      cumulative[i] = total;
    }
    let bestIndex = 0;
    let bestPotential = Infinity;
    for (let trialNo = 0; trialNo < candidates; trialNo++) {
      const candidate = total > 0 ? searchCumulative(cumulative, rng() * total) : randomIndex(rng, n);
      const cb = candidate * d;
      let potential = 0;
      for (let i = 0, base = 0; i < n; i++, base += d) {
        const s = squaredDistance(xd, base, xd, cb, d);
        const m = s < closest[i]! ? s : closest[i]!;
        trial[i] = m;
        potential += m;
      }
      if (potential < bestPotential) {
        bestPotential = potential;
        bestIndex = candidate;
        [trial, bestTrial] = [bestTrial, trial];
      }
    }
    cd.set(xd.subarray(bestIndex * d, bestIndex * d + d), c * d);
    [closest, bestTrial] = [bestTrial, closest];
  }
  return centres;
}

/** `count` rows of x drawn uniformly with replacement (all of x, uncopied, when count ≥ x.rows). */
export function drawRows(x: Matrix, count: number, rng: Rng): Matrix {
  if (count >= x.rows) return x;
  const indices = new Int32Array(count);
  for (let r = 0; r < count; r++) indices[r] = randomIndex(rng, x.rows);
  return selectRows(x, indices);
}

/**
 * The cold start: nInit seedings, each greedy k-means++ on initSize points drawn from x followed by
 * at most seedPasses Lloyd passes on those points, scored by their inertia on a validation sample
 * drawn first. Returns the best seeding's centres and, when Lloyd ran, the number of its points
 * each centre is the mean of (the counts the mini-batch run starts from); zeros otherwise.
 */
export function seedCentres(
  x: Matrix,
  k: number,
  nInit: number,
  initSize: number,
  seedPasses: number,
  rng: Rng,
): { centres: Matrix; counts: Float64Array } {
  const validation = nInit > 1 ? drawRows(x, initSize, rng) : x;
  const bounds = createBounds(Math.min(initSize, x.rows), k, x.cols);
  let best: { centres: Matrix; counts: Float64Array } | undefined;
  let bestInertia = Infinity;
  for (let run = 0; run < nInit; run++) {
    const points = drawRows(x, initSize, rng);
    const centres = kmeansPlusPlus(points, k, rng);
    if (seedPasses > 0) lloyd(points, centres.data, bounds, seedPasses, 0);
    const counts = seedPasses > 0 ? bounds.sizes.slice() : new Float64Array(k);
    if (nInit === 1) return { centres, counts };
    const inertia = assign(validation, centres).inertia;
    if (inertia < bestInertia) {
      bestInertia = inertia;
      best = { centres, counts };
    }
  }
  return best!;
}
