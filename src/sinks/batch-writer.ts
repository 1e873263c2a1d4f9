// Batches rows for a store that wants few large inserts (ClickHouse): a batch goes out when it
// holds `batchRows` rows or its oldest row has waited `maxDelayMs`, whichever comes first.
// A failed insert is retried with backoff, with the same rows, until it succeeds or the writer is
// closed; rows are never dropped. Memory is bounded: when `maxBufferedRows` are waiting, write()
// does not resolve until there is room again, which holds up the caller (the Kafka consumer's
// batch), so consumption pauses while the store is down instead of growing without bound.
import type { Logger } from '../log.js';
import { retryUntilDone } from '../retry.js';

export interface BatchWriterOptions<T> {
  readonly name: string;
  readonly insert: (rows: readonly T[]) => Promise<void>;
  readonly batchRows: number;
  readonly maxDelayMs: number;
  readonly maxBufferedRows: number;
  readonly logger: Logger;
  readonly retryInitialDelayMs?: number;
  readonly retryMaxDelayMs?: number;
}

export interface BatchWriterStats {
  readonly buffered: number;
  readonly inserted: number;
  readonly batches: number;
  readonly failedAttempts: number;
}

export class BatchWriter<T> {
  private buffer: T[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private closed = false;
  private readonly waiters: (() => void)[] = [];
  /** stored() callers: resolved once `inserted` reaches their mark */
  private readonly storedWaiters: { mark: number; resolve: () => void }[] = [];
  private inserted = 0;
  private batches = 0;
  private failedAttempts = 0;
  private readonly log: Logger;

  constructor(private readonly options: BatchWriterOptions<T>) {
    this.log = options.logger.child({ component: `sink:${options.name}` });
  }

  stats(): BatchWriterStats {
    return {
      buffered: this.buffer.length,
      inserted: this.inserted,
      batches: this.batches,
      failedAttempts: this.failedAttempts,
    };
  }

  /** Queues rows; resolves once they are buffered (waiting for room when the buffer is full). */
  async write(rows: readonly T[]): Promise<void> {
    if (this.closed) throw new Error(`sink ${this.options.name} is closed`);
    for (const row of rows) {
      while (this.buffer.length >= this.options.maxBufferedRows) {
        this.startFlush();
        await new Promise<void>((resolve) => this.waiters.push(resolve));
      }
      this.buffer.push(row);
    }
    if (this.buffer.length >= this.options.batchRows) this.startFlush();
    else if (this.buffer.length > 0 && this.timer === undefined) {
      this.timer = setTimeout(() => this.startFlush(), this.options.maxDelayMs);
    }
  }

  /**
   * Resolves once every row written so far is inserted, without hastening the insert: the batch
   * goes out on its own size or delay.
   */
  stored(): Promise<void> {
    const mark = this.inserted + this.buffer.length;
    if (mark <= this.inserted) return Promise.resolve();
    return new Promise((resolve) => this.storedWaiters.push({ mark, resolve }));
  }

  /**
   * Sends everything buffered now; resolves once those rows are stored. Rows written meanwhile go
   * out in the same drain but are not waited for: under a steady stream of writes the buffer is
   * never empty, and a flush that waited for that would never end (the consumer's checkpoint
   * waits on this before it commits offsets).
   */
  async flush(): Promise<void> {
    const stored = this.stored();
    this.startFlush();
    await stored;
  }

  /** Sends every row, also those written while it runs, and stops; later writes fail. Idempotent. */
  async close(): Promise<void> {
    while (this.buffer.length > 0 || this.flushing) {
      this.startFlush();
      await this.flushing;
    }
    this.closed = true;
  }

  private startFlush(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.flushing || this.buffer.length === 0) return;
    this.flushing = this.drain().finally(() => {
      this.flushing = undefined;
      // rows that arrived meanwhile get their own batch or timer
      if (this.buffer.length >= this.options.batchRows) this.startFlush();
      else if (this.buffer.length > 0 && this.timer === undefined) {
        this.timer = setTimeout(() => this.startFlush(), this.options.maxDelayMs);
      }
    });
  }

  private async drain(): Promise<void> {
    while (this.buffer.length > 0) {
      const batch = this.buffer.slice(0, this.options.batchRows);
      await retryUntilDone(() => this.options.insert(batch), {
        initialDelayMs: this.options.retryInitialDelayMs ?? 200,
        maxDelayMs: this.options.retryMaxDelayMs ?? 5_000,
        shouldStop: () => false,
        // the writer's contract: every failed insert is retried until it succeeds or the writer closes
        retryable: () => true,
        onFailure: (err, attempt, delayMs) => {
          this.failedAttempts++;
          this.log.warn(
            { err, attempt, delayMs, rows: batch.length, buffered: this.buffer.length },
            'insert failed; retrying',
          );
        },
      });
      this.buffer.splice(0, batch.length);
      this.inserted += batch.length;
      this.batches++;
      for (let i = this.storedWaiters.length - 1; i >= 0; i--) {
        const waiter = this.storedWaiters[i]!;
        if (waiter.mark <= this.inserted) {
          this.storedWaiters.splice(i, 1);
          waiter.resolve();
        }
      }
      while (this.waiters.length > 0 && this.buffer.length < this.options.maxBufferedRows) this.waiters.shift()!();
    }
  }
}
