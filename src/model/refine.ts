// Exact Lloyd passes over all points, accelerated by Hamerly's bounds: the refinement after the
// mini-batch steps, and the polish of each seeding. Distances kept in the bounds are not squared.
import { createNearestTwo, nearestTwo, squaredDistance, squaredNorm } from './distance.js';
import type { Matrix } from './types.js';

/**
 * The state of Hamerly's exact accelerated Lloyd ("Making k-means even faster", 2010) over n points:
 * every point's centre with bounds on its distances (not squared), and every centre's sum of points
 * and size, kept up to date as points move.
 */
/** Sized by createBounds for n points and k centres; the functions below take k from `sizes`. */
export interface Bounds {
  readonly labels: Int32Array;
  /** at least the distance from the point to its centre */
  readonly upper: Float64Array;
  /** at most the distance from the point to any other centre */
  readonly lower: Float64Array;
  /** k × d: the sum of each centre's points */
  readonly sums: Float64Array;
  /** k: the number of each centre's points */
  readonly sizes: Float64Array;
  /** Σ ‖x‖² over the points, for the inertia without a pass over them */
  sumOfSquares: number;
}

export function createBounds(n: number, k: number, d: number): Bounds {
  return {
    labels: new Int32Array(n),
    upper: new Float64Array(n),
    lower: new Float64Array(n),
    sums: new Float64Array(k * d),
    sizes: new Float64Array(k),
    sumOfSquares: 0,
  };
}

/**
 * Fills `b` for the first x.rows points of x: each point's nearest centre (ties to the lowest
 * index) with the exact distances to it and to the runner-up, the centres' sums and sizes, Σ ‖x‖².
 * One pass over the points, the cost of a plain assignment.
 */
export function assignWithBounds(x: Matrix, centres: Float64Array, b: Bounds): void {
  const n = x.rows;
  const k = b.sizes.length;
  const d = x.cols;
  const xd = x.data;
  const { labels, upper, lower, sums, sizes } = b;
  sums.fill(0);
  sizes.fill(0);
  const near = createNearestTwo();
  let sumOfSquares = 0;
  for (let r = 0, base = 0; r < n; r++, base += d) {
    nearestTwo(xd, base, centres, k, d, near);
    const bestCentre = near.centre;
    labels[r] = bestCentre;
    upper[r] = Math.sqrt(near.distance);
    lower[r] = Math.sqrt(near.second);
    sizes[bestCentre]!++;
    const sb = bestCentre * d;
    for (let t = 0; t < d; t++) sums[sb + t]! += xd[base + t]!;
    sumOfSquares += squaredNorm(xd, base, d);
  }
  b.sumOfSquares = sumOfSquares;
}

/**
 * Up to maxPasses Lloyd passes from the state in `b`: every centre with points moves to their mean
 * (a centre without points stays), then every point is reassigned to its nearest centre; stops
 * after a pass that moves at most maxMoved points. Returns the passes taken.
 *
 * Hamerly's bounds make the reassignment exact without measuring most distances: when a centre moves
 * by δ, a point's distance to it grows by at most δ (triangle inequality), so the upper bound grows by
 * its own centre's δ and the lower bound shrinks by the largest δ of the other centres. A point whose
 * upper bound is at most its lower bound, or at most half the distance from its centre to the
 * nearest other centre, cannot be nearer to another centre, and is skipped. Otherwise its own
 * distance is measured, and only if the test still fails are all k. A point equally far from two
 * centres may keep the higher index.
 */
export function refine(x: Matrix, centres: Float64Array, b: Bounds, maxPasses: number, maxMoved: number): number {
  const n = x.rows;
  const k = b.sizes.length;
  const d = x.cols;
  const xd = x.data;
  const { labels, upper, lower, sums, sizes } = b;
  const previous = new Float64Array(k * d);
  const movement = new Float64Array(k);
  const half = new Float64Array(k);
  const near = createNearestTwo();
  let passes = 0;
  while (passes < maxPasses) {
    previous.set(centres);
    for (let c = 0, cb = 0; c < k; c++, cb += d) {
      const size = sizes[c]!;
      if (size > 0) for (let t = 0; t < d; t++) centres[cb + t] = sums[cb + t]! / size;
    }
    let largest = 0;
    let runnerUp = 0;
    let largestCentre = -1;
    for (let c = 0, cb = 0; c < k; c++, cb += d) {
      const m = Math.sqrt(squaredDistance(centres, cb, previous, cb, d));
      movement[c] = m;
      if (m > largest) {
        runnerUp = largest;
        largest = m;
        largestCentre = c;
      } else if (m > runnerUp) {
        runnerUp = m;
      }
    }
    for (let c = 0; c < k; c++) {
      let nearest = Infinity;
      for (let o = 0; o < k; o++) {
        if (o === c) continue;
        const s = squaredDistance(centres, c * d, centres, o * d, d);
        if (s < nearest) nearest = s;
      }
      half[c] = Math.sqrt(nearest) / 2;
    }
    let moved = 0;
    for (let i = 0, base = 0; i < n; i++, base += d) {
      const a = labels[i]!;
      let u = upper[i]! + movement[a]!;
      const l = lower[i]! - (a === largestCentre ? runnerUp : largest);
      const bound = half[a]! > l ? half[a]! : l;
      if (u <= bound) {
        upper[i] = u;
        lower[i] = l;
        continue;
      }
      const ab = a * d;
      u = Math.sqrt(squaredDistance(xd, base, centres, ab, d));
      if (u <= bound) {
        upper[i] = u;
        lower[i] = l;
        continue;
      }
      nearestTwo(xd, base, centres, k, d, near);
      const bestCentre = near.centre;
      upper[i] = Math.sqrt(near.distance);
      lower[i] = Math.sqrt(near.second);
      if (bestCentre !== a) {
        moved++;
        labels[i] = bestCentre;
        sizes[a]!--;
        sizes[bestCentre]!++;
        const bb = bestCentre * d;
        for (let t = 0; t < d; t++) {
          const v = xd[base + t]!;
          sums[ab + t]! -= v;
          sums[bb + t]! += v;
        }
      }
    }
    passes++;
    if (moved <= maxMoved) break;
  }
  return passes;
}

/**
 * Σ ‖x − c(x)‖² from the sums and sizes in `b`, without a pass over the points:
 * Σ ‖x‖² − 2 Σ_c c · S_c + Σ_c n_c ‖c‖² holds for any centres, so also after the last reassignment.
 */
export function inertiaFromBounds(centres: Float64Array, d: number, b: Bounds): number {
  const k = b.sizes.length;
  let inertia = b.sumOfSquares;
  for (let c = 0, cb = 0; c < k; c++, cb += d) {
    let dot = 0;
    for (let t = 0; t < d; t++) dot += centres[cb + t]! * b.sums[cb + t]!;
    inertia += b.sizes[c]! * squaredNorm(centres, cb, d) - 2 * dot;
  }
  return inertia > 0 ? inertia : 0;
}

/**
 * Lloyd's k-means on `x` from `centres` (updated in place) to the first pass that moves at most
 * maxMoved points, at most maxPasses passes; `b` must be sized for x.rows points.
 */
export function lloyd(x: Matrix, centres: Float64Array, b: Bounds, maxPasses: number, maxMoved: number): number {
  assignWithBounds(x, centres, b);
  return maxPasses > 0 ? refine(x, centres, b, maxPasses, maxMoved) : 0;
}
