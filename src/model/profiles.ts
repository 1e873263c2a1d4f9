// Segment profiles: what each segment of a model version looks like over the customers placed in
// it — size, share of customers and of revenue, mean and median features, name, description and
// action; the rule-based Lapsed group is profiled like a segment, last. Pure. The same numbers
// feed the `insiders segment` table and the segment_profiles table marketing reads.
import type { Features } from '../features/features.js';
import type { Placement } from './model.js';
import type { SegmentKind } from './naming.js';
import type { FeatureName, ModelVersion } from './types.js';

export const profileFeatures: readonly FeatureName[] = [
  'grossRevenueMills',
  'recencyDays',
  'frequency',
  'products',
  'returns',
  'orders',
  'avgTicketMills',
];

export interface SegmentProfileRow {
  readonly segmentId: number;
  readonly rank: number;
  readonly name: string;
  readonly kind: SegmentKind;
  /** what sets the segment apart, in plain words */
  readonly description: string;
  /** what marketing should do with it */
  readonly action: string;
  /** placed by rule (Lapsed), not clustered */
  readonly ruleBased: boolean;
  readonly customers: number;
  readonly shareOfCustomers: number;
  readonly revenueMills: number;
  readonly shareOfRevenue: number;
  readonly mean: Readonly<Record<FeatureName, number>>;
  readonly median: Readonly<Record<FeatureName, number>>;
}

function medianOf(values: number[]): number {
  if (values.length === 0) return 0;
  values.sort((a, b) => a - b);
  const mid = values.length >> 1;
  return values.length % 2 === 1 ? values[mid]! : (values[mid - 1]! + values[mid]!) / 2;
}

/** Profiles of every segment of `model`, by rank; `features` must hold every placed customer. */
export function segmentProfiles(
  model: ModelVersion,
  features: readonly Features[],
  placements: readonly Placement[],
): SegmentProfileRow[] {
  const byId = new Map(features.map((f) => [f.customerId, f]));
  const members = new Map<number, Features[]>(model.segments.map((s) => [s.id, []]));
  let totalRevenue = 0;
  for (const p of placements) {
    const f = byId.get(p.customerId);
    if (!f) continue;
    members.get(p.segmentId)?.push(f);
    totalRevenue += f.grossRevenueMills;
  }
  const total = placements.length;
  return [...model.segments]
    .sort((a, b) => a.rank - b.rank)
    .map((s) => {
      const rows = members.get(s.id) ?? [];
      const mean = {} as Record<FeatureName, number>;
      const median = {} as Record<FeatureName, number>;
      for (const name of profileFeatures) {
        const values = rows.map((r) => r[name] ?? 0);
        mean[name] = values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
        median[name] = medianOf(values);
      }
      const revenueMills = rows.reduce((a, r) => a + r.grossRevenueMills, 0);
      return {
        segmentId: s.id,
        rank: s.rank,
        name: s.name,
        kind: s.kind,
        description: s.description,
        action: s.action,
        ruleBased: s.ruleBased,
        customers: rows.length,
        shareOfCustomers: total === 0 ? 0 : rows.length / total,
        revenueMills,
        shareOfRevenue: totalRevenue === 0 ? 0 : revenueMills / totalRevenue,
        mean,
        median,
      };
    });
}
