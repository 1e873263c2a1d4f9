// Places customers in the current model's segments and records every change of segment: in Redis
// first, the customer's hash with their next due time and the change in an entry of the shard's
// outbox (set-segments.lua, atomic), then in every sink, then — once every sink holds it durably
// (a buffering sink's stored()) — the outbox entry is removed. A crash between the steps leaves
// the entry, which a later placement pass publishes again (same changeId), so no change is lost.
import { featuresAt, type Features } from '../features/features.js';
import { dueCalculator, windowChangeMs, type PlacementDue } from '../model/due.js';
import { placeCustomers, type FittedModel, type Placement } from '../model/model.js';
import type { PlacementState } from '../state/customer-state.js';
import type { OutboxEntry, SegmentRecord, StateStore, StoredOutboxEntry } from '../state/state-store.js';
import { parseRecordedChange, type ChangeReason, type SegmentChange } from './changes.js';
import type { ChangeSink } from './change-publisher.js';

/** Receives the current segment and features of every customer placed. */
export interface PlacementSink {
  writeCustomers(model: FittedModel, features: readonly Features[], placements: readonly Placement[]): Promise<void>;
  /** For a buffering sink: resolves once what was written before the call is durable. */
  flush?(): Promise<void>;
}

export interface AssignResult {
  readonly placed: number;
  /** customers placed in each segment, by segment id */
  readonly bySegment: ReadonlyMap<number, number>;
  readonly changes: readonly SegmentChange[];
}

export class SegmentAssigner {
  private model: FittedModel | undefined;
  /** the current model's due-time calculator (see src/model/due.ts), built once per version */
  private due: PlacementDue | undefined;

  constructor(
    private readonly store: StateStore,
    private readonly sink: ChangeSink,
    private readonly windowDays: number,
    private readonly placementSink?: PlacementSink,
  ) {}

  /** Swaps to a newer model version; an older or equal one is ignored. */
  useModel(model: FittedModel): void {
    if (this.model === undefined || model.version > this.model.version) {
      this.model = model;
      this.due = dueCalculator(model);
    }
  }

  get currentModel(): FittedModel | undefined {
    return this.model;
  }

  private names(segmentId: number): { name: string | null; insider: boolean } {
    const segment = this.model?.segments.find((s) => s.id === segmentId);
    return { name: segment?.name ?? null, insider: segmentId === this.model?.insidersId };
  }

  /**
   * Publishes again the changes of outbox entries a crash left (recorded, perhaps published, not
   * cleared), then removes the entries once every sink holds them: awaited, so a pass that goes on
   * does not find the same entries again while a buffering sink stores them.
   */
  async publishStale(entries: readonly StoredOutboxEntry[]): Promise<number> {
    const changes = entries.flatMap((e) => e.changes.map((line) => parseRecordedChange(line, (id) => this.names(id))));
    if (changes.length > 0) await this.sink.publish(changes);
    await this.sink.stored?.();
    await this.store.clearOutbox(entries);
    return changes.length;
  }

  /**
   * Places each customer by their features at `nowMs` and records their next due time. `reason`
   * is what prompted it; in a time-driven pass (reason "time"), a customer not yet placed by the
   * current model version moves for reason "refit": the new model, not the passing of time, moved them.
   */
  async assign(states: readonly PlacementState[], nowMs: number, reason: ChangeReason): Promise<AssignResult> {
    const { model, due } = this;
    if (model === undefined || due === undefined || states.length === 0) {
      return { placed: 0, bySegment: new Map(), changes: [] };
    }
    const features = states.map((s) => featuresAt(s, nowMs, this.windowDays));
    const placements = placeCustomers(model, features);
    const placed = new Map(placements.map((p) => [p.customerId, p.segmentId]));
    const records: SegmentRecord[] = states.map((s, i) => ({
      customerId: s.customerId,
      segmentId: placed.get(s.customerId) ?? null,
      dueMs: due(features[i]!, s.lastPurchaseMs, nowMs, windowChangeMs(s, nowMs, this.windowDays)),
      reason: reason === 'time' && (s.segmentModelVersion ?? 0) < model.version ? 'refit' : reason,
    }));
    const { outcomes, outbox } = await this.store.recordSegments(records, model.version, nowMs);
    const changes: SegmentChange[] = [];
    // Customers erased since their state was read (-1) get no row: ClickHouse must not show them again.
    const gone = new Set<string>();
    for (const [i, r] of records.entries()) {
      const { changed, previous, seq } = outcomes[i]!;
      if (changed === -1) gone.add(r.customerId);
      if (changed !== 1) continue;
      const line = `${r.customerId}|${seq}|${previous}|${r.segmentId ?? ''}|${model.version}|${r.reason}|${nowMs}`;
      changes.push(parseRecordedChange(line, (id) => this.names(id)));
    }
    await this.publishAndClear(changes, outbox);
    const kept = gone.size === 0 ? placements : placements.filter((p) => !gone.has(p.customerId));
    const bySegment = new Map<number, number>();
    for (const p of kept) bySegment.set(p.segmentId, (bySegment.get(p.segmentId) ?? 0) + 1);
    await this.placementSink?.writeCustomers(
      model,
      gone.size === 0 ? features : features.filter((f) => !gone.has(f.customerId)),
      kept,
    );
    return { placed: kept.length, bySegment, changes };
  }

  /** Resolves once every placement written so far is durable in the placement sink. */
  async placementsStored(): Promise<void> {
    await this.placementSink?.flush?.();
  }

  private async publishAndClear(changes: readonly SegmentChange[], outbox: readonly OutboxEntry[]): Promise<void> {
    if (outbox.length === 0) return;
    await this.sink.publish(changes);
    const clear = () => this.store.clearOutbox(outbox);
    if (this.sink.stored === undefined) return clear();
    // Cleared once a buffering sink has stored them, without waiting for it here. Should the
    // clear fail or never come (a crash), the entries stay and a later placement pass publishes
    // them again: a duplicate with the same changeId, never a loss.
    this.sink
      .stored()
      .then(clear)
      .catch(() => undefined);
  }
}
