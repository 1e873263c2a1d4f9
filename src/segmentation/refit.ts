// The refit job: under the refit lease, fits a new model version on a bounded random sample of
// customers' current features (warm-started from the current version), stores it with the
// lease's fencing token and announces it. Singleton across instances; safe to call anywhere.
import type { Redis } from 'ioredis';
import { computeFeatures, type Features } from '../features/features.js';
import { fitModel, isEligible, type FitOptions, type FittedModel } from '../model/model.js';
import { createRng } from '../model/rng.js';
import type { StateStore } from '../state/state-store.js';
import { tryAcquireLease } from './lease.js';
import type { ModelStore } from './model-store.js';

export interface RefitOptions {
  readonly sampleSize: number;
  readonly windowDays: number;
  readonly leaseTtlMs: number;
  readonly fit: Omit<FitOptions, 'seed'>;
  /** the service clock, epoch ms */
  readonly now: () => Promise<number>;
}

export type RefitOutcome =
  | {
      readonly kind: 'fitted';
      readonly model: FittedModel;
      /** the customers the model was fitted on */
      readonly sample: readonly Features[];
      readonly sampled: number;
      readonly customers: number;
      readonly ms: number;
    }
  | { readonly kind: 'busy' }
  | { readonly kind: 'too-few'; readonly customers: number }
  | { readonly kind: 'superseded' };

/** Uniform sample of at most `size` items from a stream (Vitter's algorithm R), seeded. */
export function reservoir<T>(size: number, seed: number): { offer(item: T): void; items: T[]; seen: () => number } {
  const rng = createRng(seed);
  const items: T[] = [];
  let seen = 0;
  return {
    items,
    seen: () => seen,
    offer(item: T) {
      seen++;
      if (items.length < size) items.push(item);
      else {
        const j = Math.floor(rng() * seen);
        if (j < size) items[j] = item;
      }
    },
  };
}

export async function refit(
  redis: Redis,
  store: StateStore,
  models: ModelStore,
  options: RefitOptions,
): Promise<RefitOutcome> {
  const lease = await tryAcquireLease(redis, store.keys, store.keys.refitLock, options.leaseTtlMs);
  if (!lease) return { kind: 'busy' };
  try {
    const started = performance.now();
    const previous = await models.current();
    const nowMs = await options.now();
    const seed = (previous?.version ?? 0) + 1;
    const sample = reservoir<Features>(options.sampleSize, seed);
    for await (const page of store.customers()) {
      for (const state of page) {
        const f = computeFeatures(state, nowMs, options.windowDays);
        if (isEligible(f)) sample.offer(f);
      }
      if (!(await lease.renew())) return { kind: 'superseded' };
    }
    const kMin = options.fit.k ?? options.fit.kRange?.[0] ?? 2;
    if (sample.items.length < Math.max(kMin, 2) * 2) return { kind: 'too-few', customers: sample.seen() };
    // The sample comes in SCAN order, which depends on the keyspace's history; fitModel reads its
    // rows in customer-id order, so the same state (and seed) fits the same model wherever it was built.
    const model = fitModel(sample.items, { ...options.fit, seed }, previous);
    if (!(await models.store(model, lease.fence))) return { kind: 'superseded' };
    return {
      kind: 'fitted',
      model,
      sample: sample.items,
      sampled: sample.items.length,
      customers: sample.seen(),
      ms: performance.now() - started,
    };
  } finally {
    await lease.release();
  }
}
