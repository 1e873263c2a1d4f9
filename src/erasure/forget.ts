// GDPR erasure of one customer, on request: their state in Redis, their rows in ClickHouse's
// views, and a tombstone on the change topic for the CRM tools that keep their own copy.
//
// Order and guarantees: Redis first, so that from then on no event of theirs — a late duplicate
// of one applied before, or one still waiting in the orders topic — rebuilds any state or emits a
// change (the erasure marker stops it in the state script). Then the erasure row in ClickHouse,
// which every view honours for good, even against a placement row written after it by a sweep
// that was already in flight; then the deletion of their other rows underneath (a mutation, done
// in the background; a row written after it stays hidden, and is deleted by running forget
// again). Then the tombstone. Every step is idempotent: running forget again
// (after a failure half-way, or twice by mistake) completes the erasure and harms nothing.
import type { StateStore } from '../state/state-store.js';

export interface ErasureSinks {
  /** writes the customer's erasure row (ClickHouseSink.eraseCustomer) */
  eraseCustomer(customerId: string): Promise<void>;
  /** resolves once what was written is stored */
  flush(): Promise<void>;
  /** deletes their other rows from the tables under the views (sinks/erase.ts) */
  deleteRows(customerId: string): Promise<void>;
}

export interface Tombstones {
  tombstone(customerId: string): Promise<void>;
}

export interface ForgetOutcome {
  readonly customerId: string;
  /** Redis held state of theirs, now removed */
  readonly removed: boolean;
  /** an earlier erasure had already marked them */
  readonly alreadyErased: boolean;
}

export async function forgetCustomer(
  deps: {
    readonly store: Pick<StateStore, 'forget'>;
    readonly results: ErasureSinks;
    readonly changes: Tombstones;
    /** wall clock, epoch ms: when the erasure happened */
    readonly clock?: () => number;
  },
  customerId: string,
): Promise<ForgetOutcome> {
  const { removed, alreadyErased } = await deps.store.forget(customerId, (deps.clock ?? Date.now)());
  await deps.results.eraseCustomer(customerId);
  await deps.results.flush();
  await deps.results.deleteRows(customerId);
  await deps.changes.tombstone(customerId);
  return { customerId, removed, alreadyErased };
}
