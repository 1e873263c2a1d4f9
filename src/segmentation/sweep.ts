// The placement pass, run on the sweep schedule: keeps every customer's segment current as time
// passes (recency grows, orders leave the window) and after every refit, touching only what is due.
// Shard by shard, under the shard's lease (several processes share the shards, none places the
// same customer at once):
//   - a shard not yet placed under the current model version is placed whole (reason "refit" for
//     a customer the new version moves, "time" for one it had placed already), page by page, and
//     then marked placed: a pass killed part-way leaves the mark unset and the
//     next pass places the shard again, so no customer keeps a due time of an older model;
//   - otherwise only the customers whose due time (see src/model/due.ts) is at or before "now" are
//     placed, earliest first, and get their next due time; they are listed as being placed until
//     their placements are durable in the sinks, and a pass finding such a list (its predecessor
//     died) places them again first. Once nobody is due at the "now" the shard's pass began with,
//     it looks once more at a "now" read then: what came due while the pass ran does not wait a
//     whole period for the next pass, so a time-driven change comes at most about one period late;
//   - first of all, outbox entries a crash left (changes recorded, perhaps published, not cleared)
//     are published again, so that a customer's older change goes out before a newer one.
// Work goes in batches with a turn of the event loop between them, so consumption in the same
// process interleaves with it however many customers fall due at once.
import type { RedisClient } from '../infra/redis.js';
import { FIRST_EVENT_DUE_BELOW_MS, type StateStore } from '../state/state-store.js';
import type { SegmentAssigner } from './assigner.js';
import { tryAcquireLease } from '../state/lease.js';

export type SweepOutcome =
  | {
      readonly kind: 'swept';
      /** customers placed because a new model version came (the post-refit placement) */
      readonly placedForModel: number;
      /** customers placed because they came due */
      readonly due: number;
      readonly changes: number;
      readonly republished: number;
      /** shards this pass worked on, and shards another process held */
      readonly shards: number;
      readonly busyShards: number;
      /** the runs of customers placed because they came due, each at its own "now" */
      readonly dueRuns: readonly DueRun[];
      /** the latest "now" (event time, epoch ms) a shard of this pass was placed at */
      readonly nowMs: number;
      readonly modelVersion: number;
      readonly ms: number;
    }
  | { readonly kind: 'busy' }
  | { readonly kind: 'no-model' };

/** A run of due customers placed at one "now". */
export interface DueRun {
  /** the "now" they were placed at (event time, epoch ms) */
  readonly nowMs: number;
  /** when their placements were written (wall clock, epoch ms) */
  readonly placedAtMs: number;
  /** event time from each one's due time to `nowMs`, ms (due time 0, a first placement, is left out) */
  readonly lateness: readonly number[];
}

export interface SweepOptions {
  readonly leaseTtlMs: number;
  readonly now: () => Promise<number>;
  /** customers read and placed at a time */
  readonly batchSize?: number;
  /**
   * outbox entries older than this (wall ms) are published again: younger ones are most likely
   * being published by the process that recorded them
   */
  readonly outboxGraceMs?: number;
  /**
   * when this process started, wall ms: entries from before it are published again at once, since
   * the process that recorded them may be the one this process replaced (a crash, a restart)
   */
  readonly startedAtMs?: number;
  /** shards worked on at once (each under its own lease); default 2 */
  readonly parallelShards?: number;
}

/** outbox entries (of up to 200 changes each) published again at a time */
const OUTBOX_ENTRIES_PER_TURN = 50;

const yieldToEvents = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function sweep(
  redis: RedisClient,
  store: StateStore,
  assigner: SegmentAssigner,
  options: SweepOptions,
): Promise<SweepOutcome> {
  const model = assigner.currentModel;
  if (model === undefined) return { kind: 'no-model' };
  const batchSize = options.batchSize ?? 500;
  const graceMs = options.outboxGraceMs ?? 60_000;
  const started = performance.now();
  let placedForModel = 0;
  let due = 0;
  let changes = 0;
  let republished = 0;
  let shards = 0;
  let busyShards = 0;
  const dueRuns: DueRun[] = [];
  let latestNowMs = -Infinity;
  // One shard's pass, under its lease.
  const placeShard = async (shard: number): Promise<void> => {
    const lease = await tryAcquireLease(redis, store.keys, store.keys.shard(shard).lease, options.leaseTtlMs);
    if (!lease) {
      busyShards++;
      return;
    }
    shards++;
    try {
      for (;;) {
        const before = Math.max(Date.now() - graceMs, options.startedAtMs ?? -Infinity);
        const stale = await store.staleOutbox(shard, before, OUTBOX_ENTRIES_PER_TURN);
        if (stale.length === 0) break;
        republished += await assigner.publishStale(stale);
        if (stale.length < OUTBOX_ENTRIES_PER_TURN || !(await lease.renew())) break;
        await yieldToEvents();
      }
      const nowMs = await options.now();
      if (nowMs > latestNowMs) latestNowMs = nowMs;
      if ((await store.placedVersion(shard)) < model.version) {
        for await (const page of store.customersOfShard(shard, nowMs, batchSize)) {
          const result = await assigner.assign(page, nowMs, 'time');
          placedForModel += result.placed;
          changes += result.changes.length;
          if (!(await lease.renew())) break;
          await yieldToEvents();
        }
        // Marked only when the whole shard went through under this lease and its placements are
        // durable in the sinks: a process killed before that leaves the shard to be placed again,
        // or ClickHouse would miss the rows of customers whose placement did not change.
        await assigner.placementsStored();
        if (await lease.renew()) await store.setPlacedVersion(shard, model.version);
        return;
      }
      // A due pass killed before its placements were durable in the sinks left them listed: placed
      // again first (rows in ClickHouse would otherwise keep a segment and features Redis moved on from).
      const leftover = await store.placingCustomers(shard, nowMs);
      if (leftover.states.length > 0) {
        changes += (await assigner.assign(leftover.states, nowMs, 'time')).changes.length;
      }
      let marked = leftover.ids.length > 0;
      let runNowMs = nowMs;
      let lookedAgain = false;
      for (;;) {
        const batch = await store.dueCustomers(shard, runNowMs, batchSize);
        if (batch.ids.length > 0) {
          const found = new Set(batch.states.map((s) => s.customerId));
          await store.dropFromDue(
            shard,
            batch.ids.filter((id) => !found.has(id)),
          );
          // listed before their due times move (set-segments.lua), cleared once the sinks hold them
          await store.markPlacing(shard, [...found]);
          marked = true;
          const result = await assigner.assign(batch.states, runNowMs, 'time');
          due += batch.states.length;
          changes += result.changes.length;
          // A due time below FIRST_EVENT_DUE_BELOW_MS marks a customer not placed since their first
          // event (apply-events.lua): not a time-driven change, so no lateness.
          dueRuns.push({
            nowMs: runNowMs,
            placedAtMs: Date.now(),
            lateness: batch.dueMs.filter((dueMs) => dueMs >= FIRST_EVENT_DUE_BELOW_MS).map((dueMs) => runNowMs - dueMs),
          });
        }
        if (!(await lease.renew())) break;
        if (batch.ids.length === batchSize) {
          await yieldToEvents();
          continue;
        }
        // Nobody else is due at this "now". One more look, once, at the "now" of this moment: more
        // looks could keep a shard's pass going while a steady stream moves "now" on, and the
        // shards after it waiting.
        if (lookedAgain) break;
        lookedAgain = true;
        const later = await options.now();
        if (later <= runNowMs) break;
        runNowMs = later;
        if (later > latestNowMs) latestNowMs = later;
        await yieldToEvents();
      }
      if (marked) {
        await assigner.placementsStored();
        if (await lease.renew()) await store.clearPlacing(shard);
      }
    } finally {
      await lease.release();
    }
  };
  // A few shards at a time: while one waits on Redis or the sinks, another computes placements.
  const parallel = Math.max(1, Math.min(options.parallelShards ?? 2, store.keys.shards));
  let nextShard = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      for (let shard = nextShard++; shard < store.keys.shards; shard = nextShard++) await placeShard(shard);
    }),
  );
  return {
    kind: 'swept',
    placedForModel,
    due,
    changes,
    republished,
    shards,
    busyShards,
    dueRuns,
    nowMs: latestNowMs,
    modelVersion: model.version,
    ms: performance.now() - started,
  };
}
