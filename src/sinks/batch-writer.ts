// Batches rows for a store that wants few large inserts (ClickHouse): a batch goes out when it
// holds `batchRows` rows or its oldest row has waited `maxDelayMs`, whichever comes first.
// A failed insert is retried with backoff, with the same rows, until it succeeds or the writer is
// closed; rows are never dropped. Memory is bounded: when `maxBufferedRows` are waiting, write()
// does not resolve until there is room again, which holds up the caller (the Kafka consumer's
// batch), so consumption pauses while the store is down instead of growing without bound.
// A caller that must know its rows are stored before it moves on (it is about to forget them,
// or to commit what caused them) uses writeAndWait(): those rows go out at once, together with
// whatever else is waiting, and the call resolves when the insert holding the last of them succeeds.
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
  /** writeAndWait() callers: resolved once `inserted` reaches `upTo` */
  private readonly storedWaiters: { upTo: number; resolve: () => void }[] = [];
  /** rows ever put in the buffer; rows leave it in order, so rows 1..inserted are stored */
  private accepted = 0;
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
      this.accepted++;
    }
    if (this.buffer.length >= this.options.batchRows) this.startFlush();
    else if (this.buffer.length > 0 && this.timer === undefined) {
      this.timer = setTimeout(() => this.startFlush(), this.options.maxDelayMs);
    }
  }

  /** Queues rows and sends them now; resolves once every one of them is stored. */
  async writeAndWait(rows: readonly T[]): Promise<void> {
    await this.write(rows);
    const upTo = this.accepted;
    if (this.inserted >= upTo) return;
    const stored = new Promise<void>((resolve) => this.storedWaiters.push({ upTo, resolve }));
    this.startFlush();
    await stored;
  }

  /** Sends everything buffered now; resolves when it is stored. */
  async flush(): Promise<void> {
    while (this.buffer.length > 0 || this.flushing) {
      this.startFlush();
      await this.flushing;
    }
  }

  /** Flushes and stops; later writes fail. Idempotent. */
  async close(): Promise<void> {
    await this.flush();
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
      while (this.storedWaiters.length > 0 && this.storedWaiters[0]!.upTo <= this.inserted) {
        this.storedWaiters.shift()!.resolve();
      }
      while (this.waiters.length > 0 && this.buffer.length < this.options.maxBufferedRows) this.waiters.shift()!();
    }
  }
}
