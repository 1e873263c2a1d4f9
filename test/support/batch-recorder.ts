// What the BatchWriter tests write into: an insert that fails its first calls and records the
// batches of the others.
import { silentLogger } from '../../src/log.js';

/** An insert failing its first `failFirst` calls ("clickhouse down"), then keeping each batch in `batches`. */
export function recorder(failFirst = 0) {
  const batches: number[][] = [];
  let failures = failFirst;
  return {
    batches,
    insert: (rows: readonly number[]) => {
      if (failures > 0) {
        failures--;
        return Promise.reject(new Error('clickhouse down'));
      }
      batches.push([...rows]);
      return Promise.resolve();
    },
  };
}

/** The BatchWriter options every test shares: silent, retries a millisecond or two apart. */
export const writerBase = { name: 't', logger: silentLogger, retryInitialDelayMs: 1, retryMaxDelayMs: 2 };
