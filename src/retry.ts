// Retry with capped exponential backoff and jitter, for writes whose failure must not advance
// Kafka offsets: the caller retries the same (idempotent) work while the failure is one a retry can
// outlast (a server unavailable), until it succeeds or `shouldStop` says the work is no longer ours
// (shutdown, rebalance). A deterministic failure (see isRetryable) is thrown at once: retried, it
// would stall the work for ever without a word.
import { isRetryable } from './errors.js';

export interface RetryOptions {
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  /** checked before every attempt after the first; true gives up with RetryAbandoned */
  readonly shouldStop: () => boolean;
  /** called after each failed attempt that is retried, before the pause */
  readonly onFailure: (err: unknown, attempt: number, delayMs: number) => void | Promise<void>;
  /** whether a failure is worth retrying (default: isRetryable, which reads InsidersError.retryable) */
  readonly retryable?: (err: unknown) => boolean;
  /** attempts in all before the last failure is thrown as is (default: no bound) */
  readonly maxAttempts?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

export class RetryAbandoned extends Error {
  constructor(readonly lastError: unknown) {
    super('retry abandoned', { cause: lastError });
  }
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs `work` until it succeeds; throws its error as is when that is not retryable. */
export async function retryUntilDone<T>(work: () => Promise<T>, options: RetryOptions): Promise<T> {
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;
  const retryable = options.retryable ?? isRetryable;
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      if (!retryable(err) || attempt >= (options.maxAttempts ?? Infinity)) throw err;
      const base = Math.min(options.maxDelayMs, options.initialDelayMs * 2 ** (attempt - 1));
      const delayMs = Math.round(base * (0.5 + random() / 2));
      await options.onFailure(err, attempt, delayMs);
      await sleep(delayMs);
      if (options.shouldStop()) throw new RetryAbandoned(err);
    }
  }
}
