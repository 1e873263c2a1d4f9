import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { BatchWriter } from '../../src/sinks/batch-writer.js';

function recorder(failFirst = 0) {
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

const base = { name: 't', logger: silentLogger, retryInitialDelayMs: 1, retryMaxDelayMs: 2 };

describe('BatchWriter', () => {
  it('sends a batch as soon as it holds batchRows rows', async () => {
    const r = recorder();
    const w = new BatchWriter({ ...base, insert: r.insert, batchRows: 3, maxDelayMs: 60_000, maxBufferedRows: 100 });
    await w.write([1, 2, 3, 4]);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(r.batches[0]).toEqual([1, 2, 3]);
    await w.close();
    expect(r.batches.flat()).toEqual([1, 2, 3, 4]);
  });

  it('sends a partial batch after maxDelayMs', async () => {
    const r = recorder();
    const w = new BatchWriter({ ...base, insert: r.insert, batchRows: 1000, maxDelayMs: 20, maxBufferedRows: 5000 });
    await w.write([7, 8]);
    expect(r.batches).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(r.batches).toEqual([[7, 8]]);
    await w.close();
  });

  it('retries a failed insert with the same rows, losing and duplicating nothing', async () => {
    const r = recorder(3);
    const w = new BatchWriter({ ...base, insert: r.insert, batchRows: 2, maxDelayMs: 5, maxBufferedRows: 10 });
    await w.write([1, 2, 3, 4, 5]);
    await w.close();
    expect(r.batches.flat()).toEqual([1, 2, 3, 4, 5]);
    expect(w.stats()).toMatchObject({ inserted: 5, buffered: 0, failedAttempts: 3 });
  });

  it('holds writers back while the buffer is full, and lets them go once rows are stored', async () => {
    let release: (() => void) | undefined;
    let down = true;
    const stored: number[] = [];
    const w = new BatchWriter<number>({
      ...base,
      batchRows: 2,
      maxDelayMs: 1,
      maxBufferedRows: 4,
      insert: (rows) => {
        if (down) return new Promise<void>((_, reject) => (release = () => reject(new Error('down'))));
        stored.push(...rows);
        return Promise.resolve();
      },
    });
    let done = false;
    const writing = w.write([1, 2, 3, 4, 5, 6]).then(() => (done = true));
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(done).toBe(false); // 4 rows buffered; the 5th waits for room
    expect(w.stats().buffered).toBe(4);
    down = false;
    release?.();
    await writing;
    await w.close();
    expect(stored).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('writeAndWait sends at once and resolves only when those rows are stored', async () => {
    let release: (() => void) | undefined;
    const stored: number[] = [];
    const w = new BatchWriter<number>({
      ...base,
      batchRows: 100,
      maxDelayMs: 60_000, // no timer would send them within the test
      maxBufferedRows: 1000,
      insert: (rows) =>
        new Promise<void>((resolve) => {
          release = () => {
            stored.push(...rows);
            resolve();
          };
        }),
    });
    await w.write([1]); // buffered only
    let done = false;
    const writing = w.writeAndWait([2, 3]).then(() => (done = true));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(done).toBe(false); // the insert is under way but not acknowledged
    release?.();
    await writing;
    expect(stored).toEqual([1, 2, 3]);
    expect(w.stats()).toMatchObject({ buffered: 0, inserted: 3 });
    await w.close();
  });

  it('writeAndWait callers are released in order, each once its own rows are stored', async () => {
    const r = recorder();
    const w = new BatchWriter({ ...base, insert: r.insert, batchRows: 2, maxDelayMs: 60_000, maxBufferedRows: 100 });
    await Promise.all([w.writeAndWait([1, 2, 3]), w.writeAndWait([4])]);
    expect(r.batches.flat()).toEqual([1, 2, 3, 4]);
    await w.close();
  });
});
