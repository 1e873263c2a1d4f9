// The rows the ClickHouse sink inserts (JSONEachRow), one interface per table of
// src/sinks/migrations, and the conversions from the domain records. Column names and types here
// must match the migrations; test/unit/migrations.test.ts checks the names.
//
// Conventions: DateTime columns are DateTime('UTC') and take 'YYYY-MM-DD hh:mm:ss' UTC text, which
// every server version parses without best_effort; money stays in integer mills; "none" is 0 for a
// segment id, '' for a name and -1 for recency, since no column is Nullable.
import type { Features } from '../features/features.js';
import type { FittedModel } from '../model/model.js';
import type { SegmentProfileRow } from '../model/profiles.js';
import type { FeatureName, SegmentDescription } from '../model/types.js';
import type { SegmentChange } from '../segmentation/changes.js';

/** Tables the sink writes. Queries name them unqualified; the client's database selects them. */
export const TABLES = {
  customerSegments: 'customer_segments',
  segmentChanges: 'segment_changes',
  modelRuns: 'model_runs',
  segmentProfiles: 'segment_profiles',
} as const;

/** Views the dashboard reads: current answers without FINAL or argMax in the question. */
export const VIEWS = {
  currentCustomers: 'current_customers',
  currentInsiders: 'current_insiders',
  segmentChangesDedup: 'segment_changes_dedup',
  insidersDaily: 'insiders_daily',
  modelRunsDedup: 'model_runs_dedup',
  latestModelRun: 'latest_model_run',
  segmentProfilesDedup: 'segment_profiles_dedup',
  latestSegmentProfiles: 'latest_segment_profiles',
  /** customers erased on request: every view leaves them out */
  erasedCustomers: 'erased_customers',
} as const;

/** 'YYYY-MM-DD hh:mm:ss' in UTC, the DateTime text every supported ClickHouse accepts. */
export function clickhouseDateTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

// JSON has no NaN or Infinity (JSON.stringify writes null), and a non-Nullable Float64 column
// rejects null: a value that is not finite is stored as 0.
function float(x: number): number {
  return Number.isFinite(x) ? x : 0;
}

/** customer_segments: one row per write; the largest `version` is the customer's current state. */
export interface CustomerSegmentRow {
  customer_id: string;
  segment_id: number;
  segment_name: string;
  is_insider: 0 | 1;
  model_version: number;
  recency_days: number;
  orders: number;
  frequency: number;
  gross_revenue_mills: number;
  avg_ticket_mills: number;
  items: number;
  products: number;
  returns: number;
  returned_mills: number;
  lifetime_orders: number;
  lifetime_revenue_mills: number;
  updated_at: string;
  deleted: 0 | 1;
  version: number;
}

/** Where a customer stands in the model version that placed them. */
export interface CustomerPlacement {
  /** null: no segment (the customer never bought, or no model yet) */
  readonly segmentId: number | null;
  readonly segmentName: string | null;
  readonly isInsider: boolean;
  /** 0 before the first model version */
  readonly modelVersion: number;
}

/**
 * A customer's row. `version` orders the writes of one customer (larger wins): a monotonic ms clock,
 * below 2^53 so it travels exactly as a JSON number. `updatedAtMs`: epoch ms on the service clock.
 */
export function customerRow(
  features: Features,
  placement: CustomerPlacement,
  version: number,
  updatedAtMs: number,
): CustomerSegmentRow {
  return {
    customer_id: features.customerId,
    segment_id: placement.segmentId ?? 0,
    segment_name: placement.segmentName ?? '',
    is_insider: placement.isInsider ? 1 : 0,
    model_version: placement.modelVersion,
    recency_days: features.recencyDays ?? -1,
    orders: features.orders,
    frequency: float(features.frequency),
    gross_revenue_mills: features.grossRevenueMills,
    avg_ticket_mills: float(features.avgTicketMills),
    items: features.items,
    products: features.products,
    returns: features.returns,
    returned_mills: features.returnedMills,
    lifetime_orders: features.lifetimeOrders,
    lifetime_revenue_mills: features.lifetimeRevenueMills,
    updated_at: clickhouseDateTime(updatedAtMs),
    deleted: 0,
    version,
  };
}

/**
 * The row that erases a customer on request: it wins over every earlier row (larger `version`),
 * carries no segment and no features, and hides the customer from every current_* view.
 */
export function erasedCustomerRow(customerId: string, version: number, updatedAtMs: number): CustomerSegmentRow {
  return {
    customer_id: customerId,
    segment_id: 0,
    segment_name: '',
    is_insider: 0,
    model_version: 0,
    recency_days: -1,
    orders: 0,
    frequency: 0,
    gross_revenue_mills: 0,
    avg_ticket_mills: 0,
    items: 0,
    products: 0,
    returns: 0,
    returned_mills: 0,
    lifetime_orders: 0,
    lifetime_revenue_mills: 0,
    updated_at: clickhouseDateTime(updatedAtMs),
    deleted: 1,
    version,
  };
}

/** segment_changes: append-only; a retried insert of the same change collapses by (customer_id, seq). */
export interface SegmentChangeRow {
  change_id: string;
  customer_id: string;
  seq: number;
  from_segment: number;
  from_name: string;
  to_segment: number;
  to_name: string;
  insiders: SegmentChange['insiders'];
  reason: SegmentChange['reason'];
  model_version: number;
  at: string;
}

export function changeRow(change: SegmentChange): SegmentChangeRow {
  return {
    change_id: change.changeId,
    customer_id: change.customerId,
    seq: change.seq,
    from_segment: change.fromSegment ?? 0,
    from_name: change.fromName ?? '',
    to_segment: change.toSegment ?? 0,
    to_name: change.toName ?? '',
    insiders: change.insiders,
    reason: change.reason,
    model_version: change.modelVersion,
    at: clickhouseDateTime(change.atMs),
  };
}

/** model_runs: one row per model version. */
export interface ModelRunRow {
  model_version: number;
  k: number;
  silhouette: number;
  inertia: number;
  /** fit-time size of segment segment_ids[i] */
  sizes: number[];
  segment_ids: number[];
  /** JSON: ModelRunCentre[] */
  centres: string;
  feature_set: string[];
  /** JSON of the fitted Scaler: kind, features (with log1p), center, scale */
  scaler: string;
  trained_on: number;
  duration_ms: number;
  seed: number;
  insiders_id: number;
  /** JSON: { "<k>": silhouette } for each k tried */
  silhouette_by_k: string;
  fitted_at: string;
  /** the Insiders policy's target band of their share of segmented customers, 0..1 (0 and 0: none recorded) */
  insiders_share_min: number;
  insiders_share_max: number;
  /** the rule that picks the Insiders, in words */
  insiders_rule: string;
  insiders_share_of_customers: number;
  insiders_share_of_revenue: number;
  insiders_in_band: 0 | 1;
  /** why this k won, in words */
  k_reason: string;
}

/**
 * One element of model_runs.centres: a segment and its centre in original units (mills, days); the
 * rule-based Lapsed group has an empty centre.
 */
export interface ModelRunCentre extends SegmentDescription {
  readonly segmentId: number;
  readonly centre: Readonly<Record<string, number>>;
}

/** `durationMs`: how long the fit took; `fittedAtMs`: when it finished, epoch ms. */
export function modelRunRow(model: FittedModel, durationMs: number, fittedAtMs: number): ModelRunRow {
  const centres: ModelRunCentre[] = model.segments.map((s) => ({
    segmentId: s.id,
    rank: s.rank,
    name: s.name,
    description: s.description,
    action: s.action,
    ruleBased: s.ruleBased,
    centre: s.centre,
  }));
  const selection = model.selection;
  return {
    model_version: model.version,
    k: model.k,
    silhouette: float(model.silhouette),
    inertia: float(model.inertia),
    sizes: model.segments.map((s) => s.size),
    segment_ids: model.segments.map((s) => s.id),
    centres: JSON.stringify(centres),
    feature_set: model.transformsUsed.map((t) => t.name),
    scaler: JSON.stringify(model.scaler),
    trained_on: model.trainedOn,
    duration_ms: Math.max(0, Math.round(durationMs)),
    // UInt32 column: the seed's low 32 bits, as the RNG uses them
    seed: model.seed >>> 0,
    insiders_id: model.insidersId,
    silhouette_by_k: JSON.stringify(model.silhouetteByK),
    fitted_at: clickhouseDateTime(fittedAtMs),
    insiders_share_min: selection?.policy.shareBand[0] ?? 0,
    insiders_share_max: selection?.policy.shareBand[1] ?? 0,
    insiders_rule: selection?.policy.rankRule ?? '',
    insiders_share_of_customers: float(selection?.insidersShareOfCustomers ?? 0),
    insiders_share_of_revenue: float(selection?.insidersShareOfRevenue ?? 0),
    insiders_in_band: selection?.insidersInBand === true ? 1 : 0,
    k_reason: selection?.reason ?? '',
  };
}

/** segment_profiles: one row per model version and segment. Money in mills, recency in days. */
export interface SegmentProfileTableRow {
  model_version: number;
  segment_id: number;
  rank: number;
  name: string;
  customers: number;
  share_of_customers: number;
  revenue_mills: number;
  share_of_revenue: number;
  mean_gross_revenue_mills: number;
  median_gross_revenue_mills: number;
  mean_recency_days: number;
  median_recency_days: number;
  mean_frequency: number;
  median_frequency: number;
  mean_products: number;
  median_products: number;
  mean_returns: number;
  median_returns: number;
  mean_orders: number;
  median_orders: number;
  mean_avg_ticket_mills: number;
  median_avg_ticket_mills: number;
  profiled_at: string;
  kind: string;
  /** what sets the segment apart, in plain words */
  description: string;
  /** what marketing should do with it */
  action: string;
  /** 1: placed by rule (Lapsed, segment id -1), not clustered */
  rule_based: 0 | 1;
}

/** The column stem of each profiled feature: a mean_ and a median_ column each (profileFeatures). */
const profileColumn = {
  grossRevenueMills: 'gross_revenue_mills',
  recencyDays: 'recency_days',
  frequency: 'frequency',
  products: 'products',
  returns: 'returns',
  orders: 'orders',
  avgTicketMills: 'avg_ticket_mills',
} as const satisfies Partial<Record<FeatureName, string>>;

type ProfiledFeature = keyof typeof profileColumn;

export function profileRows(
  modelVersion: number,
  profiles: readonly SegmentProfileRow[],
  atMs: number,
): SegmentProfileTableRow[] {
  const profiledAt = clickhouseDateTime(atMs);
  return profiles.map((p) => {
    const stats = {} as Record<`${'mean' | 'median'}_${(typeof profileColumn)[ProfiledFeature]}`, number>;
    for (const feature of Object.keys(profileColumn) as ProfiledFeature[]) {
      stats[`mean_${profileColumn[feature]}`] = float(p.mean[feature]);
      stats[`median_${profileColumn[feature]}`] = float(p.median[feature]);
    }
    return {
      model_version: modelVersion,
      segment_id: p.segmentId,
      rank: p.rank,
      name: p.name,
      customers: p.customers,
      share_of_customers: float(p.shareOfCustomers),
      revenue_mills: p.revenueMills,
      share_of_revenue: float(p.shareOfRevenue),
      ...stats,
      profiled_at: profiledAt,
      kind: p.kind ?? '',
      description: p.description ?? '',
      action: p.action ?? '',
      rule_based: p.ruleBased === true ? 1 : 0,
    };
  });
}
