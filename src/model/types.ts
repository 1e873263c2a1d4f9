// Shared types of the segmentation model. Everything in src/model is pure: no IO, no clock, no
// Math.random (randomness comes from a seeded Rng passed in). Matrices are row-major Float64Arrays.
import type { SegmentKind } from './naming.js';

/** A dense row-major matrix: `rows` points of `cols` dimensions. */
export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
}

/** Uniform [0, 1) random numbers from a seed: the same seed gives the same sequence. */
export type Rng = () => number;

/** The features the model may use, by their names in src/features/features.ts (mills for money). */
export type FeatureName =
  | 'grossRevenueMills'
  | 'recencyDays'
  | 'products'
  | 'frequency'
  | 'returns'
  | 'orders'
  | 'items'
  | 'avgTicketMills'
  | 'returnedMills';

/** How one feature is prepared before clustering. */
export interface FeatureTransform {
  readonly name: FeatureName;
  /** log1p before scaling, for heavy-tailed features (money, counts) */
  readonly log1p: boolean;
}

/** The fitted scaler: x' = (t(x) - center) / scale per feature, t = log1p or identity. */
export interface Scaler {
  readonly kind: 'minmax' | 'robust';
  readonly features: readonly FeatureTransform[];
  readonly center: readonly number[];
  readonly scale: readonly number[];
}

export interface Centres {
  readonly k: number;
  /** k rows in the scaled space */
  readonly matrix: Matrix;
}

/** The outcome of one k-means fit in the scaled space. */
export interface Clustering {
  readonly centres: Matrix;
  /** points assigned to each centre over the fit (for per-centre learning rates) */
  readonly counts: Float64Array;
  /** sum of squared distances of the fitted points to their centres */
  readonly inertia: number;
}

/**
 * How a segment of a model version is ranked, named and explained: the same words in the model,
 * its profiles, the report and the stored model runs.
 */
export interface SegmentDescription {
  /** 1 = most valuable; rank 1 is the Insiders */
  readonly rank: number;
  /** distinct within a version */
  readonly name: string;
  /** what sets the segment apart, in plain words */
  readonly description: string;
  /** what marketing should do with it */
  readonly action: string;
  /** true: placed by a fixed rule, not clustered (no centre row) */
  readonly ruleBased: boolean;
}

/**
 * A segment of a model version: a centre with a stable id, a rank by value and a name; or the
 * rule-based Lapsed group (no centre, ranked last, id LAPSED_SEGMENT_ID).
 */
export interface Segment extends SegmentDescription {
  /** stable across refits: matched to the previous version's centres */
  readonly id: number;
  readonly kind: SegmentKind;
  /** the centre in original feature units, by feature name; empty for a rule-based group */
  readonly centre: Readonly<Record<string, number>>;
  /** customers assigned at fit time */
  readonly size: number;
}

/** How the Insiders are chosen: a target band for their share, and the rule that picks them. */
export interface InsidersPolicy {
  /** share of segmented customers (Lapsed included), 0..1, inclusive */
  readonly shareBand: readonly [min: number, max: number];
  /** the rule ranking segments; rank 1 is the Insiders */
  readonly rankRule: string;
}

/** How this version's k came about, and where its Insiders stand against the policy. */
export interface KSelectionRecord {
  readonly policy: InsidersPolicy;
  /** the Insiders' share of segmented customers at fit time, 0..1 */
  readonly insidersShareOfCustomers: number;
  /** the Insiders' share of the segmented customers' gross revenue in the window, 0..1 */
  readonly insidersShareOfRevenue: number;
  readonly insidersInBand: boolean;
  /** why this k won, in words */
  readonly reason: string;
}

/** Everything needed to assign a customer: what the service stores and announces per refit. */
export interface ModelVersion {
  readonly version: number;
  readonly k: number;
  readonly scaler: Scaler;
  /** clustered segment i's centre is row i, in the scaled space */
  readonly centres: Matrix;
  /** the k clustered segments in centre-row order, then the rule-based Lapsed group */
  readonly segments: readonly Segment[];
  /** the segment id of the Insiders */
  readonly insidersId: number;
  readonly silhouette: number;
  readonly inertia: number;
  readonly seed: number;
  /** silhouette for each k tried, when k was chosen automatically */
  readonly silhouetteByK: Readonly<Record<number, number>>;
  /** customers clustered (Lapsed customers are not) */
  readonly trainedOn: number;
  /** absent in versions stored before the Insiders policy existed */
  readonly selection?: KSelectionRecord;
}
