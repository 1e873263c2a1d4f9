// Chooses the number of segments: fits every k in a range and keeps the one with the highest
// silhouette, as the origin study did. A fixed k is the range kMin = kMax.
import { miniBatchKMeans, type KMeansFit, type MiniBatchOptions } from './kmeans.js';
import { sampleWithoutReplacement } from './rng.js';
import { silhouetteOnSample } from './silhouette.js';
import type { Matrix } from './types.js';

export interface SelectKOptions extends Omit<MiniBatchOptions, 'k' | 'init' | 'counts'> {
  /** smallest k tried, ≥ 2 (the silhouette needs two clusters) */
  readonly kMin: number;
  /** largest k tried, ≤ the number of points */
  readonly kMax: number;
  /** points the silhouette is computed over; default 5000 (all points when fewer) */
  readonly silhouetteSampleSize?: number;
}

export interface KCandidate {
  readonly silhouette: number;
  readonly inertia: number;
  readonly clustering: KMeansFit;
}

export interface KSelection {
  /** the k with the highest silhouette; the smallest such k on a tie */
  readonly best: number;
  readonly byK: Record<number, KCandidate>;
}

/**
 * Fits mini-batch k-means for every k in [kMin, kMax] with the same rng stream and scores each with
 * the silhouette over one sample drawn first, so every k is judged on the same points.
 */
export function selectK(x: Matrix, options: SelectKOptions): KSelection {
  const { kMin, kMax, silhouetteSampleSize = 5000, ...fit } = options;
  if (!Number.isInteger(kMin) || !Number.isInteger(kMax) || kMin < 2 || kMax < kMin || kMax > x.rows) {
    throw new RangeError(`selectK: k range [${kMin}, ${kMax}] with ${x.rows} points`);
  }
  const sample = sampleWithoutReplacement(x.rows, silhouetteSampleSize, fit.rng);
  const byK: Record<number, KCandidate> = {};
  let best = kMin;
  let bestSilhouette = -Infinity;
  for (let k = kMin; k <= kMax; k++) {
    const clustering = miniBatchKMeans(x, { ...fit, k });
    const score = silhouetteOnSample(x, clustering.labels, k, sample);
    byK[k] = { silhouette: score, inertia: clustering.inertia, clustering };
    if (score > bestSilhouette) {
      bestSilhouette = score;
      best = k;
    }
  }
  return { best, byK };
}
