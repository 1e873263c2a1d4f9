// What the segment report shows, as plain data: built from a model version, customers' features
// and their placements. `insiders segment --report` gives it every customer; the service's
// GET /report a bounded sample, with each segment's exact size from the sizes kept in Redis.
// Pure: the clock and the scatter's random draw come in (builtAtMs, seed).
import type { Features } from '../features/features.js';
import type { Placement } from '../model/model.js';
import { segmentProfiles } from '../model/profiles.js';
import { createRng, sampleWithoutReplacement } from '../model/rng.js';
import type { KSelectionRecord, ModelVersion, SegmentDescription } from '../model/types.js';

/** The five features the model clusters on, in the order the report shows them. */
export const reportFeatures = ['grossRevenueMills', 'recencyDays', 'frequency', 'products', 'returns'] as const;
export type ReportFeature = (typeof reportFeatures)[number];

/** At most this many customers are drawn in a scatter plot: enough to see the clusters, small in the file. */
export const MAX_SCATTER_POINTS = 1500;
const HISTOGRAM_BINS = 20;

export interface ReportSegment extends SegmentDescription {
  readonly segmentId: number;
  readonly insiders: boolean;
  /** exact: every customer placed, or the service's sizes in Redis */
  readonly customers: number;
  readonly shareOfCustomers: number;
  /** gross revenue in the window, mills; undefined when only a sample was read */
  readonly revenueMills: number | undefined;
  /** of the customers read (the sample in the service) */
  readonly shareOfRevenue: number;
  readonly mean: Readonly<Record<ReportFeature, number>>;
  readonly median: Readonly<Record<ReportFeature, number>>;
}

/** A feature's median and mean for the Insiders and for every other placed customer, in original units. */
export interface ProfileContrast {
  readonly feature: ReportFeature;
  readonly insiders: { readonly median: number; readonly mean: number };
  readonly others: { readonly median: number; readonly mean: number };
}

/** One customer in the scatter plots, in original units (revenue in mills). */
export interface ReportPoint {
  readonly segmentId: number;
  readonly grossRevenueMills: number;
  readonly recencyDays: number;
  readonly frequency: number;
}

export interface Histogram {
  readonly feature: ReportFeature;
  /** HISTOGRAM_BINS + 1 bin edges; bin i is [edges[i], edges[i+1]), the last one closed */
  readonly edges: readonly number[];
  readonly counts: readonly number[];
  /** bins of equal width on a log scale, for a heavy tail: then zeros are counted apart */
  readonly logBins: boolean;
  /** values of 0 when logBins (else they are in the bins) */
  readonly zeros: number;
}

/** Where the customers came from and what the data holds; unknown fields are left out. */
export interface DataSummary {
  /** the file read, or the service's state */
  readonly source: string;
  readonly rows?: number;
  readonly events?: number;
  readonly problemsByKind?: Readonly<Record<string, number>>;
  /** every customer known (the service: the due indexes' sizes) */
  readonly customers: number;
  /** orders from guests (no customer id), not segmented */
  readonly guestOrders: number;
  /** epoch ms */
  readonly firstEventMs?: number;
  /** the latest event time, epoch ms: "now" for the features */
  readonly watermarkMs?: number;
  readonly windowDays: number;
}

export interface ReportModel {
  readonly version: number;
  readonly k: number;
  readonly silhouette: number;
  readonly silhouetteByK: Readonly<Record<number, number>>;
  readonly trainedOn: number;
  readonly selection?: KSelectionRecord;
}

export interface ReportData {
  readonly title: string;
  /**
   * The features the model log-transforms before clustering (heavy tails): the scatter plots
   * draw them on log axes, so the picture is the one the model sees.
   */
  readonly logScale: Readonly<Record<ReportFeature, boolean>>;
  /** epoch ms */
  readonly builtAtMs: number;
  /** ISO 4217 code of the money amounts */
  readonly currency: string;
  readonly model: ReportModel;
  /** by rank: the Insiders first, the Lapsed group last */
  readonly segments: readonly ReportSegment[];
  /**
   * Set when the features are a sample: shares of revenue, means and medians, the profile, the
   * scatter plots and the distributions come from `read` customers drawn out of `of`.
   */
  readonly sample?: { readonly read: number; readonly of: number };
  /** placed customers whose features were read */
  readonly placed: number;
  readonly insidersProfile: readonly ProfileContrast[];
  /** at most MAX_SCATTER_POINTS of the placed customers, drawn uniformly */
  readonly points: readonly ReportPoint[];
  readonly histograms: readonly Histogram[];
  readonly summary: DataSummary;
}

export interface ReportInput {
  readonly title: string;
  readonly builtAtMs: number;
  readonly currency: string;
  readonly model: ModelVersion;
  /** every placed customer's features, or a sample of them */
  readonly features: readonly Features[];
  readonly placements: readonly Placement[];
  /** the sample: exact customers per segment id, and how many customers the sample was drawn from */
  readonly sample?: { readonly sizes: ReadonlyMap<number, number>; readonly of: number };
  readonly summary: DataSummary;
  /** seeds the scatter plots' draw: the same input gives the same report */
  readonly seed: number;
}

function medianOf(values: Float64Array): number {
  if (values.length === 0) return 0;
  const sorted = values.slice().sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function meanOf(values: Float64Array): number {
  let sum = 0;
  for (const v of values) sum += v;
  return values.length === 0 ? 0 : sum / values.length;
}

/** The feature's values over `rows`, leaving out customers without one (recency of a returns-only customer). */
function valuesOf(rows: readonly Features[], feature: ReportFeature): Float64Array {
  const out: number[] = [];
  for (const r of rows) {
    const v = r[feature];
    if (v !== null) out.push(v);
  }
  return Float64Array.from(out);
}

/**
 * A heavy tail needs a log scale: the largest positive value is over 50 times the median positive
 * one. Revenue and products usually do; recency (bounded by the data's span) does not.
 */
export function needsLogScale(values: ArrayLike<number>): boolean {
  const positive: number[] = [];
  for (let i = 0; i < values.length; i++) if (values[i]! > 0) positive.push(values[i]!);
  if (positive.length < 2) return false;
  positive.sort((a, b) => a - b);
  const median = positive[positive.length >> 1]!;
  return positive[positive.length - 1]! / median > 50;
}

/**
 * Counts of `values` in HISTOGRAM_BINS bins of equal width from the smallest to the largest; for a
 * heavy tail of non-negative values, of equal width in log(x) from the smallest positive value,
 * zeros apart.
 */
export function histogram(feature: ReportFeature, values: Float64Array): Histogram {
  let min = Infinity;
  let minPositive = Infinity;
  let max = -Infinity;
  let zeros = 0;
  for (const v of values) {
    if (v < min) min = v;
    if (v > 0 && v < minPositive) minPositive = v;
    if (v > max) max = v;
    if (v === 0) zeros++;
  }
  if (values.length === 0) min = max = 0;
  const logBins = min >= 0 && needsLogScale(values);
  const to = logBins ? Math.log : (x: number) => x;
  const from = logBins ? Math.exp : (x: number) => x;
  const lo = to(logBins ? minPositive : min);
  const hi = to(max);
  const width = hi > lo ? (hi - lo) / HISTOGRAM_BINS : 1;
  const edges = Array.from({ length: HISTOGRAM_BINS + 1 }, (_, i) =>
    i === HISTOGRAM_BINS ? max : from(lo + i * width),
  );
  const counts = new Array<number>(HISTOGRAM_BINS).fill(0);
  for (const v of values) {
    if (logBins && v === 0) continue;
    const bin = Math.max(0, Math.min(HISTOGRAM_BINS - 1, Math.floor((to(v) - lo) / width)));
    counts[bin]!++;
  }
  return { feature, edges, counts, logBins, zeros: logBins ? zeros : 0 };
}

export function reportData(input: ReportInput): ReportData {
  const { model, features, placements, sample } = input;
  const profiles = segmentProfiles(model, features, placements);
  const byId = new Map(features.map((f) => [f.customerId, f]));
  const placed: Features[] = [];
  const insiders: Features[] = [];
  const others: Features[] = [];
  const placedSegment: number[] = [];
  for (const p of placements) {
    const f = byId.get(p.customerId);
    if (f === undefined) continue;
    placed.push(f);
    placedSegment.push(p.segmentId);
    (p.segmentId === model.insidersId ? insiders : others).push(f);
  }
  const exactTotal = sample === undefined ? 0 : [...sample.sizes.values()].reduce((a, b) => a + b, 0);
  const pick = (r: Readonly<Record<string, number>>) =>
    Object.fromEntries(reportFeatures.map((name) => [name, r[name] ?? 0])) as Record<ReportFeature, number>;
  const segments: ReportSegment[] = profiles.map((p) => {
    const customers = sample === undefined ? p.customers : (sample.sizes.get(p.segmentId) ?? 0);
    return {
      segmentId: p.segmentId,
      rank: p.rank,
      name: p.name,
      description: p.description,
      action: p.action,
      ruleBased: p.ruleBased,
      insiders: p.segmentId === model.insidersId,
      customers,
      shareOfCustomers: sample === undefined ? p.shareOfCustomers : exactTotal === 0 ? 0 : customers / exactTotal,
      revenueMills: sample === undefined ? p.revenueMills : undefined,
      shareOfRevenue: p.shareOfRevenue,
      mean: pick(p.mean),
      median: pick(p.median),
    };
  });
  const insidersProfile = reportFeatures.map((feature) => {
    const a = valuesOf(insiders, feature);
    const b = valuesOf(others, feature);
    return {
      feature,
      insiders: { median: medianOf(a), mean: meanOf(a) },
      others: { median: medianOf(b), mean: meanOf(b) },
    };
  });
  const drawn = sampleWithoutReplacement(placed.length, MAX_SCATTER_POINTS, createRng(input.seed));
  const points: ReportPoint[] = [];
  for (const i of drawn) {
    const f = placed[i]!;
    if (f.recencyDays === null) continue;
    points.push({
      segmentId: placedSegment[i]!,
      grossRevenueMills: f.grossRevenueMills,
      recencyDays: f.recencyDays,
      frequency: f.frequency,
    });
  }
  const logged = new Set(model.scaler.features.filter((t) => t.log1p).map((t) => t.name));
  return {
    title: input.title,
    logScale: Object.fromEntries(reportFeatures.map((f) => [f, logged.has(f)])) as Record<ReportFeature, boolean>,
    builtAtMs: input.builtAtMs,
    currency: input.currency,
    model: {
      version: model.version,
      k: model.k,
      silhouette: model.silhouette,
      silhouetteByK: model.silhouetteByK,
      trainedOn: model.trainedOn,
      ...(model.selection === undefined ? {} : { selection: model.selection }),
    },
    segments,
    ...(sample === undefined ? {} : { sample: { read: features.length, of: sample.of } }),
    placed: placed.length,
    insidersProfile,
    points,
    histograms: reportFeatures.map((feature) => histogram(feature, valuesOf(placed, feature))),
    summary: input.summary,
  };
}
