// A customer's latest membership changes, read back from ClickHouse's segment_changes_dedup view
// (one row per change id). Written by the sinks shortly after the change (within the writer's
// flush delay), and kept for as long as the table keeps them.
import type { ClickHouseClient } from '@clickhouse/client';
import type { ChangeReason, RecentChange } from '../segmentation/changes.js';
import { VIEWS } from './schema.js';

interface ChangeLine {
  change_id: string;
  seq: number;
  from_segment: number;
  from_name: string;
  to_segment: number;
  to_name: string;
  insiders: 'entered' | 'left' | 'unchanged';
  reason: ChangeReason;
  model_version: number;
  at: string;
}

/** A ClickHouse string literal: backslash and quote escaped (18.16 has no query parameters). */
export function sqlString(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** The customer's `limit` latest changes, newest first. */
export async function recentChanges(client: ClickHouseClient, customerId: string, limit = 10): Promise<RecentChange[]> {
  const result = await client.query({
    query: `SELECT change_id, seq, from_segment, from_name, to_segment, to_name, insiders, reason, model_version, at
            FROM ${VIEWS.segmentChangesDedup}
            WHERE customer_id = ${sqlString(customerId)}
            ORDER BY seq DESC
            LIMIT ${Math.max(1, Math.floor(limit))}`,
    format: 'JSONEachRow',
  });
  const rows = await result.json<ChangeLine>();
  return rows.map((r) => ({
    changeId: r.change_id,
    seq: Number(r.seq),
    fromSegment: Number(r.from_segment) === 0 ? null : Number(r.from_segment),
    fromName: r.from_name === '' ? null : r.from_name,
    toSegment: Number(r.to_segment) === 0 ? null : Number(r.to_segment),
    toName: r.to_name === '' ? null : r.to_name,
    insiders: r.insiders,
    reason: r.reason,
    modelVersion: Number(r.model_version),
    at: `${r.at.replace(' ', 'T')}Z`,
  }));
}
