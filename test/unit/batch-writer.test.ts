import { describe, expect, it } from 'vitest';
import { BatchWriter } from '../../src/sinks/batch-writer.js';
import { recorder, writerBase as base } from '../support/batch-recorder.js';

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

  it('flush() ends once the rows written before it are stored, while writes keep coming', async () => {
    const r = recorder();
    const w = new BatchWriter({
      ...base,
      insert: async (rows: readonly number[]) => {
        await new Promise((resolve) => setTimeout(resolve, 2));
        return r.insert(rows);
      },
      batchRows: 10,
      maxDelayMs: 1,
      maxBufferedRows: 1000,
    });
    let writing = true;
    let next = 0;
    let written = 0; // rows whose write() has returned: they are in the buffer or stored
    const writer = (async () => {
      while (writing) {
        await w.write([next++, next++, next++]);
        written = next;
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 10));
    const before = written;
    await w.flush();
    // every row written before the flush began is stored; the writer never stopped meanwhile
    expect(r.batches.flat().length).toBeGreaterThanOrEqual(before);
    expect(written).toBeGreaterThan(before);
    writing = false;
    await writer;
    await w.close();
    expect(r.batches.flat()).toEqual(Array.from({ length: next }, (_, i) => i));
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
});
