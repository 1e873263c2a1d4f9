// What `insiders segment --out DIR` writes: assignments.csv, one row per customer (its segment and
// features), and segments.csv, one row per segment (its profile). Money in the currency's units.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { featureRow } from '../features/export.js';
import type { Features } from '../features/features.js';
import type { FittedModel, Placement } from '../model/model.js';
import type { SegmentProfileRow } from '../model/profiles.js';
import { formatMills } from '../money.js';

export type AssignmentRow = ReturnType<typeof assignmentRows>[number];

/** One row per placed customer: the segment's id and name, 1 for an Insider, then its features. */
export function assignmentRows(features: readonly Features[], placements: readonly Placement[], model: FittedModel) {
  const segment = new Map(model.segments.map((s) => [s.id, s.name]));
  const byId = new Map(features.map((f) => [f.customerId, f]));
  return placements.map((p) => ({
    segment_id: p.segmentId,
    segment: segment.get(p.segmentId) ?? '',
    insider: p.segmentId === model.insidersId ? 1 : 0,
    ...featureRow(byId.get(p.customerId)!),
  }));
}

/** Writes assignments.csv and segments.csv into `dir`, creating it when missing. */
export async function writeSegmentFiles(
  dir: string,
  rows: AssignmentRow[],
  profiles: readonly SegmentProfileRow[],
): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'assignments.csv'), stringify(rows, { header: true }));
  await writeFile(
    path.join(dir, 'segments.csv'),
    stringify(
      profiles.map((p) => ({
        segment_id: p.segmentId,
        rank: p.rank,
        segment: p.name,
        description: p.description,
        action: p.action,
        rule_based: p.ruleBased ? 1 : 0,
        customers: p.customers,
        share_of_customers: p.shareOfCustomers.toFixed(4),
        revenue: formatMills(p.revenueMills),
        share_of_revenue: p.shareOfRevenue.toFixed(4),
      })),
      { header: true },
    ),
  );
}
