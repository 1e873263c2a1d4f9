// BatchWriter.stored(): resolves once the rows written before it are inserted — after a failed
// insert's retry too — and not before, without sending the batch early.
import { describe, expect, it } from 'vitest';
import { BatchWriter } from '../../src/sinks/batch-writer.js';
import { recorder, writerBase as base } from '../support/batch-recorder.js';

describe('BatchWriter.stored', () => {
  it('resolves at once when nothing is waiting', async () => {
    const w = new BatchWriter({
      ...base,
      insert: recorder().insert,
      batchRows: 10,
      maxDelayMs: 60_000,
      maxBufferedRows: 100,
    });
    await expect(w.stored()).resolves.toBeUndefined();
  });

  it('waits for the insert of the rows written before it, which goes out on its own delay', async () => {
    const { batches: inserted, insert } = recorder(2);
    const w = new BatchWriter({ ...base, insert, batchRows: 1000, maxDelayMs: 30, maxBufferedRows: 5000 });
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
    const { batches: inserted, insert } = recorder();
    const w = new BatchWriter({ ...base, insert, batchRows: 2, maxDelayMs: 60_000, maxBufferedRows: 100 });
    await w.write([1, 2]);
    const first = w.stored().then(() => inserted.flat().length);
    await w.write([3]);
    const second = w.stored().then(() => inserted.flat().length);
    expect(await first).toBeGreaterThanOrEqual(2);
    await w.flush();
    expect(await second).toBe(3);
  });
});
