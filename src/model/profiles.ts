// Segment profiles: what each segment of a model version looks like over the customers placed in
// it — size, share of customers and of revenue, mean and median features, name, description and
// action; the rule-based Lapsed group is profiled like a segment, last. Pure. The same numbers
// feed the `insiders segment` table and the segment_profiles table marketing reads.
import type { Features } from '../features/features.js';
import type { Placement } from './model.js';
import { medianInPlace } from './median.js';
import { featureColumns } from './prepare.js';
import type { SegmentKind } from './naming.js';
import { LAPSED_SEGMENT_ID } from './segments.js';
import type { FeatureName, ModelVersion, SegmentDescription } from './types.js';

export const profileFeatures: readonly FeatureName[] = [
  'grossRevenueMills',
  'recencyDays',
  'frequency',
  'products',
  'returns',
  'orders',
  'avgTicketMills',
];

export interface SegmentProfileRow extends SegmentDescription {
  readonly segmentId: number;
  readonly kind: SegmentKind;
  readonly customers: number;
  readonly shareOfCustomers: number;
  readonly revenueMills: number;
  readonly shareOfRevenue: number;
  readonly mean: Readonly<Record<FeatureName, number>>;
  readonly median: Readonly<Record<FeatureName, number>>;
}

/**
 * The customer of each placement (undefined when not among `features`). placeCustomers lists the
 * clustered customers, then the Lapsed, each in the order of its rows: then one walk over both
 * finds them, with no map of a million ids; any other order takes the map.
 */
function inPlacementOrder(features: readonly Features[], placements: readonly Placement[]): (Features | undefined)[] {
  const placed = new Array<Features | undefined>(placements.length);
  let lapsedFrom = placements.findIndex((p) => p.segmentId === LAPSED_SEGMENT_ID);
  if (lapsedFrom < 0) lapsedFrom = placements.length;
  let clustered = 0;
  let lapsed = lapsedFrom;
  for (const f of features) {
    if (clustered < lapsedFrom && placements[clustered]!.customerId === f.customerId) placed[clustered++] = f;
    else if (lapsed < placements.length && placements[lapsed]!.customerId === f.customerId) placed[lapsed++] = f;
  }
  if (clustered === lapsedFrom && lapsed === placements.length) return placed;
  const byId = new Map<string, Features>();
  for (const f of features) byId.set(f.customerId, f);
  return placements.map((p) => byId.get(p.customerId));
}

/** Profiles of every segment of `model`, by rank; `features` must hold every placed customer, once. */
export function segmentProfiles(
  model: ModelVersion,
  features: readonly Features[],
  placements: readonly Placement[],
): SegmentProfileRow[] {
  // The placed customers' profile features as columns, read in placement order (one pass over
  // the rows); each segment's members as positions in them, in that order.
  const rows: Features[] = [];
  const members = new Map<number, number[]>(model.segments.map((s) => [s.id, []]));
  let totalRevenue = 0;
  const placed = inPlacementOrder(features, placements);
  for (let i = 0; i < placements.length; i++) {
    const f = placed[i];
    if (!f) continue;
    members.get(placements[i]!.segmentId)?.push(rows.length);
    rows.push(f);
    totalRevenue += f.grossRevenueMills;
  }
  const columns = featureColumns(rows, profileFeatures, 0);
  const revenue = columns[profileFeatures.indexOf('grossRevenueMills')]!;
  const total = placements.length;
  return [...model.segments]
    .sort((a, b) => a.rank - b.rank)
    .map((s) => {
      const at = members.get(s.id) ?? [];
      const mean = {} as Record<FeatureName, number>;
      const median = {} as Record<FeatureName, number>;
      const values = new Float64Array(at.length);
      profileFeatures.forEach((name, j) => {
        // summed in row order, before the median reorders them, as a reduce over the rows would
        const column = columns[j]!;
        for (let i = 0; i < at.length; i++) values[i] = column[at[i]!]!;
        let sum = 0;
        for (let i = 0; i < values.length; i++) sum += values[i]!;
        mean[name] = values.length === 0 ? 0 : sum / values.length;
        median[name] = medianInPlace(values);
      });
      let revenueMills = 0;
      for (let i = 0; i < at.length; i++) revenueMills += revenue[at[i]!]!;
      return {
        segmentId: s.id,
        rank: s.rank,
        name: s.name,
        kind: s.kind,
        description: s.description,
        action: s.action,
        ruleBased: s.ruleBased,
        customers: at.length,
        shareOfCustomers: total === 0 ? 0 : at.length / total,
        revenueMills,
        shareOfRevenue: totalRevenue === 0 ? 0 : revenueMills / totalRevenue,
        mean,
        median,
      };
    });
}
