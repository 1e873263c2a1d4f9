// The sweep: places every customer again at the current "now", so that customers move between
// segments as time passes (recency grows, orders leave the window) without any new event, and
// after every refit. Also publishes changes a crash left pending. Singleton under its own lease.
import type { Redis } from 'ioredis';
import type { StateStore } from '../state/state-store.js';
import type { SegmentAssigner } from './assigner.js';
import { tryAcquireLease } from './lease.js';

export type SweepOutcome =
  | {
      readonly kind: 'swept';
      readonly customers: number;
      readonly changes: number;
      readonly republished: number;
      /** customers in each segment at this sweep's "now", by segment id */
      readonly bySegment: ReadonlyMap<number, number>;
      readonly modelVersion: number;
      readonly ms: number;
    }
  | { readonly kind: 'busy' }
  | { readonly kind: 'no-model' };

export async function sweep(
  redis: Redis,
  store: StateStore,
  assigner: SegmentAssigner,
  options: { readonly leaseTtlMs: number; readonly now: () => Promise<number> },
): Promise<SweepOutcome> {
  if (assigner.currentModel === undefined) return { kind: 'no-model' };
  const lease = await tryAcquireLease(redis, store.keys, store.keys.sweepLock, options.leaseTtlMs);
  if (!lease) return { kind: 'busy' };
  try {
    const started = performance.now();
    const nowMs = await options.now();
    let customers = 0;
    let changes = 0;
    let republished = 0;
    const bySegment = new Map<number, number>();
    const modelVersion = assigner.currentModel.version;
    for await (const page of store.customers()) {
      republished += await assigner.publishPending(page);
      const result = await assigner.assign(page, nowMs, 'time');
      customers += page.length;
      changes += result.changes.length;
      for (const [id, n] of result.bySegment) bySegment.set(id, (bySegment.get(id) ?? 0) + n);
      await lease.renew();
    }
    return { kind: 'swept', customers, changes, republished, bySegment, modelVersion, ms: performance.now() - started };
  } finally {
    await lease.release();
  }
}
