// Places customers in the current model's segments and records every change of segment: in the
// customer's hash first (set-segment.lua, atomic, with the change kept as pending), then in every
// sink, then — once every sink holds it durably (a buffering sink's stored()) — the pending record
// is cleared. A crash between the steps leaves the pending record, which the next sweep publishes
// again (same changeId), so no change is lost.
import type { Redis, Result } from 'ioredis';
import { computeFeatures, type Features } from '../features/features.js';
import { placeCustomers, type FittedModel, type Placement } from '../model/model.js';
import type { CustomerState } from '../state/customer-state.js';
import type { StateKeys } from '../state/keys.js';
import { parsePendingChange, type ChangeReason, type SegmentChange } from './changes.js';
import type { ChangeSink } from './change-publisher.js';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    setSegment(
      key: string,
      segmentId: string,
      modelVersion: number,
      reason: ChangeReason,
      atMs: number,
    ): Result<[number, string, number], Context>;
  }
}

/** Receives the current segment and features of every customer placed. */
export interface PlacementSink {
  writeCustomers(model: FittedModel, features: readonly Features[], placements: readonly Placement[]): Promise<void>;
}

export interface AssignResult {
  readonly placed: number;
  /** customers placed in each segment, by segment id */
  readonly bySegment: ReadonlyMap<number, number>;
  readonly changes: readonly SegmentChange[];
}

export class SegmentAssigner {
  private model: FittedModel | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly keys: StateKeys,
    private readonly sink: ChangeSink,
    private readonly windowDays: number,
    private readonly placementSink?: PlacementSink,
  ) {}

  /** Swaps to a newer model version; an older or equal one is ignored. */
  useModel(model: FittedModel): void {
    if (this.model === undefined || model.version > this.model.version) this.model = model;
  }

  get currentModel(): FittedModel | undefined {
    return this.model;
  }

  private names(segmentId: number): { name: string | null; insider: boolean } {
    const segment = this.model?.segments.find((s) => s.id === segmentId);
    return { name: segment?.name ?? null, insider: segmentId === this.model?.insidersId };
  }

  /** Publishes changes that were recorded but not published (a crash came in between). */
  async publishPending(states: readonly CustomerState[]): Promise<number> {
    const pending: SegmentChange[] = [];
    for (const s of states) {
      for (const [seq, record] of s.pendingChanges) {
        pending.push(parsePendingChange(s.customerId, seq, record, (id) => this.names(id)));
      }
    }
    await this.publishAndClear(pending);
    return pending.length;
  }

  /**
   * Places each customer by their features at `nowMs`. `reason` is what prompted it; in a sweep
   * (reason "time"), a customer not yet placed by the current model version moves for reason
   * "refit": the new model, not the passing of time, moved them.
   */
  async assign(states: readonly CustomerState[], nowMs: number, reason: ChangeReason): Promise<AssignResult> {
    const model = this.model;
    if (model === undefined || states.length === 0) return { placed: 0, bySegment: new Map(), changes: [] };
    const features = states.map((s) => computeFeatures(s, nowMs, this.windowDays));
    const placements = placeCustomers(model, features);
    const placed = new Map(placements.map((p) => [p.customerId, p.segmentId]));
    const pipeline = this.redis.pipeline();
    const reasons: ChangeReason[] = [];
    for (const s of states) {
      const why = reason === 'time' && (s.segmentModelVersion ?? 0) < model.version ? 'refit' : reason;
      reasons.push(why);
      const to = placed.get(s.customerId);
      pipeline.setSegment(
        this.keys.customer(s.customerId),
        to === undefined ? '' : String(to),
        model.version,
        why,
        nowMs,
      );
    }
    const replies = (await pipeline.exec()) ?? [];
    const changes: SegmentChange[] = [];
    // Customers erased since their state was read (-1) get no row: ClickHouse must not show them again.
    const gone = new Set<string>();
    for (const [i, s] of states.entries()) {
      const [err, reply] = replies[i] ?? [new Error('no reply'), null];
      if (err) throw err;
      const [changed, previous, seq] = reply as [number, string, number];
      if (changed === -1) gone.add(s.customerId);
      if (changed !== 1) continue;
      const to = placed.get(s.customerId);
      const record = `${previous}|${to === undefined ? '' : to}|${model.version}|${reasons[i]!}|${nowMs}`;
      changes.push(parsePendingChange(s.customerId, seq, record, (id) => this.names(id)));
    }
    await this.publishAndClear(changes);
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

  private async publishAndClear(changes: readonly SegmentChange[]): Promise<void> {
    if (changes.length === 0) return;
    await this.sink.publish(changes);
    const clear = async () => {
      const pipeline = this.redis.pipeline();
      for (const c of changes) pipeline.hdel(this.keys.customer(c.customerId), `pc:${c.seq}`);
      await pipeline.exec();
    };
    if (this.sink.stored === undefined) return clear();
    // Cleared once a buffering sink has stored them, without waiting for it here. Should the
    // clear fail or never come (a crash), the records stay pending and the next sweep publishes
    // them again: a duplicate with the same changeId, never a loss.
    this.sink
      .stored()
      .then(clear)
      .catch(() => undefined);
  }
}
