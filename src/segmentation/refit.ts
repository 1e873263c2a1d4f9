// The refit job: under the refit lease, fits a new model version on a bounded random sample of
// customers' current features (reading the sample only, warm-started from the current version),
// stores it with the lease's fencing token and announces it. Singleton across instances; safe to
// call anywhere. Placing every customer under the new version is the placement pass's (sweep.ts).
import { featuresAt, type Features } from '../features/features.js';
import { fitModel, isEligible, type FitOptions, type FittedModel } from '../model/model.js';
import type { RedisClient } from '../infra/redis.js';
import type { StateStore } from '../state/state-store.js';
import { tryAcquireLease } from '../state/lease.js';
import type { ModelStore } from '../state/model-store.js';

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

export async function refit(
  redis: RedisClient,
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
    // The sample only, not every customer: drawn uniformly from the shards' due indexes. With
    // fewer customers than the sample size it is every customer, and the fit is reproducible.
    const drawn = await store.sampleCustomers(options.sampleSize, nowMs);
    const sample: Features[] = [];
    for (const state of drawn.states) {
      const f = featuresAt(state, nowMs, options.windowDays);
      if (isEligible(f)) sample.push(f);
    }
    if (!(await lease.renew())) return { kind: 'superseded' };
    const kMin = options.fit.k ?? options.fit.kRange?.[0] ?? 2;
    if (sample.length < Math.max(kMin, 2) * 2) return { kind: 'too-few', customers: drawn.customers };
    // The sample comes in the indexes' order, which depends on their history; fitModel reads its
    // rows in customer-id order, so the same customers (and seed) fit the same model wherever they were read.
    const model = fitModel(sample, { ...options.fit, seed }, previous);
    if (!(await models.store(model, lease.fence))) return { kind: 'superseded' };
    return {
      kind: 'fitted',
      model,
      sample,
      sampled: sample.length,
      customers: drawn.customers,
      ms: performance.now() - started,
    };
  } finally {
    await lease.release();
  }
}
