// BatchWriter.stored(): resolves once the rows written before it are inserted — after a failed
// insert's retry too — and not before, without sending the batch early.
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { BatchWriter } from '../../src/sinks/batch-writer.js';

const base = { name: 't', logger: silentLogger, retryInitialDelayMs: 1, retryMaxDelayMs: 2 };

describe('BatchWriter.stored', () => {
  it('resolves at once when nothing is waiting', async () => {
    const w = new BatchWriter<number>({
      ...base,
      insert: () => Promise.resolve(),
      batchRows: 10,
      maxDelayMs: 60_000,
      maxBufferedRows: 100,
    });
    await expect(w.stored()).resolves.toBeUndefined();
  });

  it('waits for the insert of the rows written before it, which goes out on its own delay', async () => {
    const inserted: number[][] = [];
    let failures = 2;
    const w = new BatchWriter<number>({
      ...base,
      insert: (rows) => {
        if (failures-- > 0) return Promise.reject(new Error('clickhouse down'));
        inserted.push([...rows]);
        return Promise.resolve();
      },
      batchRows: 1000,
      maxDelayMs: 30,
      maxBufferedRows: 5000,
    });
    await w.write([1, 2]);
    let stored = false;
    const done = w.stored().then(() => (stored = true));
    await w.write([3]);
    await new Promise((resolve) => setTimeout(resolve, 5));
    // not sent yet: stored() does not hasten the batch
    expect(inserted).toEqual([]);
    expect(stored).toBe(false);
    await done;
    expect(inserted.flat()).toEqual([1, 2, 3]);
    await w.close();
  });

  it('resolves a caller only when its own rows are in, in a later batch than earlier callers', async () => {
    const inserted: number[][] = [];
    const w = new BatchWriter<number>({
      ...base,
      insert: (rows) => {
        inserted.push([...rows]);
        return Promise.resolve();
      },
      batchRows: 2,
      maxDelayMs: 60_000,
      maxBufferedRows: 100,
    });
    await w.write([1, 2]);
    const first = w.stored().then(() => inserted.flat().length);
    await w.write([3]);
    const second = w.stored().then(() => inserted.flat().length);
    expect(await first).toBeGreaterThanOrEqual(2);
    await w.flush();
    expect(await second).toBe(3);
  });
});
