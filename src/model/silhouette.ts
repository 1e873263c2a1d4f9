// The silhouette coefficient (Rousseeuw 1987) of a labelling, exact over a seeded sample of points:
// O(m² · d) time for a sample of m points, O(m · k) memory.
import { sampleWithoutReplacement } from './rng.js';
import type { Matrix, Rng } from './types.js';

export interface SilhouetteOptions {
  readonly rng: Rng;
  /** points the coefficient is computed over, drawn without replacement; all points when fewer. Default 5000. */
  readonly sampleSize?: number;
}

/**
 * Mean silhouette over the points `indices` names, using only those points (as sklearn's
 * silhouette_score with sample_size): for a point i in cluster A, a = mean Euclidean distance to
 * the other sampled points of A, b = the smallest mean distance to the sampled points of another
 * cluster, s = (b − a) / max(a, b). A point alone in its cluster within the sample has s = 0
 * (sklearn's convention), as has a point with a = b = 0. Returns 0 when fewer than two clusters
 * have sampled points, where the coefficient is undefined.
 */
export function silhouetteOnSample(x: Matrix, labels: Int32Array, k: number, indices: Int32Array): number {
  const m = indices.length;
  const d = x.cols;
  const xd = x.data;
  if (labels.length < x.rows) throw new RangeError(`silhouette: ${labels.length} labels for ${x.rows} points`);
  const sampleLabels = new Int32Array(m);
  const sizes = new Float64Array(k);
  for (let r = 0; r < m; r++) {
    const label = labels[indices[r]!]!;
    if (!(label >= 0 && label < k)) throw new RangeError(`silhouette: label ${label} outside [0, ${k})`);
    sampleLabels[r] = label;
    sizes[label]!++;
  }
  let present = 0;
  for (let c = 0; c < k; c++) if (sizes[c]! > 0) present++;
  if (present < 2) return 0;
  // sums[r·k + c]: total distance from sampled point r to the sampled points of cluster c.
  const sums = new Float64Array(m * k);
  for (let r = 0; r < m; r++) {
    const ri = indices[r]! * d;
    const rk = r * k;
    const lr = sampleLabels[r]!;
    for (let q = r + 1; q < m; q++) {
      const qi = indices[q]! * d;
      let s = 0;
      for (let t = 0; t < d; t++) {
        const diff = xd[ri + t]! - xd[qi + t]!;
        s += diff * diff;
      }
      const distance = Math.sqrt(s);
      sums[rk + sampleLabels[q]!]! += distance;
      sums[q * k + lr]! += distance;
    }
  }
  let total = 0;
  for (let r = 0; r < m; r++) {
    const own = sampleLabels[r]!;
    const ownSize = sizes[own]!;
    if (ownSize <= 1) continue;
    const a = sums[r * k + own]! / (ownSize - 1);
    let b = Infinity;
    for (let c = 0; c < k; c++) {
      if (c === own || sizes[c] === 0) continue;
      const mean = sums[r * k + c]! / sizes[c]!;
      if (mean < b) b = mean;
    }
    const spread = Math.max(a, b);
    if (spread > 0) total += (b - a) / spread;
  }
  return total / m;
}

/**
 * Mean silhouette of the labelling (labels in [0, k)) over a sample of at most sampleSize points
 * drawn with the rng; see silhouetteOnSample. The same seed and n give the same sample.
 */
export function silhouette(x: Matrix, labels: Int32Array, k: number, options: SilhouetteOptions): number {
  const sampleSize = options.sampleSize ?? 5000;
  if (!Number.isInteger(sampleSize) || sampleSize < 2) throw new RangeError(`silhouette: sampleSize=${sampleSize}`);
  return silhouetteOnSample(x, labels, k, sampleWithoutReplacement(x.rows, sampleSize, options.rng));
}
