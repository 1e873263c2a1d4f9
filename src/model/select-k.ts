// Chooses the number of segments: fits every k in a range and scores each by its silhouette; the
// Insiders policy then prefers the k whose Insiders fall in the target band (chooseK). A fixed k is
// the range kMin = kMax.
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

/** One candidate k as the Insiders policy sees it. */
export interface PolicyCandidate {
  readonly k: number;
  readonly silhouette: number;
  /** the Insiders' share of segmented customers at this k, 0..1 */
  readonly insidersShare: number;
}

export interface PolicyChoice {
  readonly k: number;
  readonly inBand: boolean;
  /** why this k won, in words, for the model run and the logs */
  readonly reason: string;
}

const percent = (x: number) => `${(100 * x).toFixed(1)} %`;
const band = ([min, max]: readonly [number, number]) => `${(100 * min).toFixed(0)}–${(100 * max).toFixed(0)} %`;

/** How far a share lies outside the band; 0 inside it. */
export function distanceToBand(share: number, [min, max]: readonly [number, number]): number {
  return share < min ? min - share : share > max ? share - max : 0;
}

/**
 * The Insiders policy's k: among the candidates whose Insiders' share falls in `shareBand`, the best
 * silhouette; when none does, the one whose share comes closest to the band (then the best
 * silhouette). Equal scores go to the smaller k.
 */
export function chooseK(candidates: readonly PolicyCandidate[], shareBand: readonly [number, number]): PolicyChoice {
  if (candidates.length === 0) throw new RangeError('chooseK: no candidates');
  const better = (a: PolicyCandidate, b: PolicyCandidate) =>
    distanceToBand(a.insidersShare, shareBand) - distanceToBand(b.insidersShare, shareBand) ||
    b.silhouette - a.silhouette ||
    a.k - b.k;
  const sorted = [...candidates].sort(better);
  const best = sorted[0]!;
  const inBand = distanceToBand(best.insidersShare, shareBand) === 0;
  const topSilhouette = [...candidates].sort((a, b) => b.silhouette - a.silhouette || a.k - b.k)[0]!;
  const fixed = candidates.length === 1;
  let reason: string;
  if (fixed) {
    reason = `k = ${best.k} fixed; Insiders at ${percent(best.insidersShare)}, ${inBand ? 'in' : 'outside'} ${band(shareBand)}`;
  } else if (!inBand) {
    reason =
      `no k in ${candidates.map((c) => c.k).join(', ')} puts the Insiders in ${band(shareBand)}: ` +
      `k = ${best.k} comes closest (Insiders at ${percent(best.insidersShare)}, silhouette ${best.silhouette.toFixed(3)})`;
  } else if (topSilhouette.k === best.k) {
    reason = `k = ${best.k}: the best silhouette (${best.silhouette.toFixed(3)}), Insiders at ${percent(best.insidersShare)}, in ${band(shareBand)}`;
  } else {
    const inside = sorted.filter((c) => distanceToBand(c.insidersShare, shareBand) === 0).map((c) => c.k);
    reason =
      `k = ${best.k}: the best silhouette (${best.silhouette.toFixed(3)}) of the k whose Insiders fall in ` +
      `${band(shareBand)} (${inside.sort((a, b) => a - b).join(', ')}), Insiders at ${percent(best.insidersShare)}; ` +
      `k = ${topSilhouette.k} scored higher (${topSilhouette.silhouette.toFixed(3)}) with Insiders at ${percent(topSilhouette.insidersShare)}`;
  }
  return { k: best.k, inBand, reason };
}
