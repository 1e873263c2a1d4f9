// Shared types of the segmentation model. Everything in src/model is pure: no IO, no clock, no
// Math.random (randomness comes from a seeded Rng passed in). Matrices are row-major Float64Arrays.

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

/** A segment of a model version: a centre with a stable id, a rank by value and a name. */
export interface Segment {
  /** stable across refits: matched to the previous version's centres */
  readonly id: number;
  /** 1 = most valuable; rank 1 is the Insiders */
  readonly rank: number;
  readonly name: string;
  /** the centre in original feature units, by feature name */
  readonly centre: Readonly<Record<string, number>>;
  /** customers assigned at fit time */
  readonly size: number;
}

/** Everything needed to assign a customer: what the service stores and announces per refit. */
export interface ModelVersion {
  readonly version: number;
  readonly k: number;
  readonly scaler: Scaler;
  /** segment i's centre is row i, in the scaled space */
  readonly centres: Matrix;
  readonly segments: readonly Segment[];
  /** the segment id of the Insiders */
  readonly insidersId: number;
  readonly silhouette: number;
  readonly inertia: number;
  readonly seed: number;
  /** silhouette for each k tried, when k was chosen automatically */
  readonly silhouetteByK: Readonly<Record<number, number>>;
  readonly trainedOn: number;
}
