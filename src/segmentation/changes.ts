// Membership changes: a customer moving from one segment to another (or into or out of any).
// Each has a stable id, `<customerId>:<seq>`, seq counting that customer's changes, so a change
// published twice (at-least-once) is recognisable downstream.

export type ChangeReason = 'event' | 'refit' | 'time';

export interface SegmentChange {
  readonly changeId: string;
  readonly customerId: string;
  readonly seq: number;
  /** null: the customer had no segment */
  readonly fromSegment: number | null;
  /** null: the customer has no segment any more */
  readonly toSegment: number | null;
  readonly fromName: string | null;
  readonly toName: string | null;
  /** did this change move the customer into or out of the Insiders? */
  readonly insiders: 'entered' | 'left' | 'unchanged';
  readonly modelVersion: number;
  readonly reason: ChangeReason;
  /** epoch ms, on the service clock (the watermark by default) */
  readonly atMs: number;
}

/**
 * A change as set-segments.lua records it in its shard's outbox:
 * "<customerId>|<seq>|<from>|<to>|<version>|<reason>|<at>" (ids never hold "|").
 */
export function parseRecordedChange(
  line: string,
  names: (segmentId: number, modelVersion: number) => { name: string | null; insider: boolean },
): SegmentChange {
  const [customerId = '', seqText = '0', from = '', to = '', version = '0', reason = 'event', at = '0'] =
    line.split('|');
  const seq = Number(seqText);
  const fromSegment = from === '' ? null : Number(from);
  const toSegment = to === '' ? null : Number(to);
  const modelVersion = Number(version);
  const a = fromSegment === null ? { name: null, insider: false } : names(fromSegment, modelVersion);
  const b = toSegment === null ? { name: null, insider: false } : names(toSegment, modelVersion);
  return {
    changeId: `${customerId}:${seq}`,
    customerId,
    seq,
    fromSegment,
    toSegment,
    fromName: a.name,
    toName: b.name,
    insiders: a.insider === b.insider ? 'unchanged' : b.insider ? 'entered' : 'left',
    modelVersion,
    reason: reason as ChangeReason,
    atMs: Number(at),
  };
}

/** A change of a customer's segment as read back for the HTTP API (src/sinks/recent-changes.ts). */
export interface RecentChange {
  readonly changeId: string;
  readonly seq: number;
  /** null: the customer had no segment */
  readonly fromSegment: number | null;
  readonly fromName: string | null;
  readonly toSegment: number | null;
  readonly toName: string | null;
  readonly insiders: 'entered' | 'left' | 'unchanged';
  readonly reason: ChangeReason;
  readonly modelVersion: number;
  /** ISO 8601, UTC, on the service clock */
  readonly at: string;
}
