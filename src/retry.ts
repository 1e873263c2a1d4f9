// Retry with capped exponential backoff and jitter, for writes whose failure must not advance
// Kafka offsets: the caller keeps retrying the same (idempotent) work until it succeeds or
// `shouldStop` says the work is no longer ours (shutdown, rebalance).

export interface RetryOptions {
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  /** checked before every attempt after the first; true gives up with RetryAbandoned */
  readonly shouldStop: () => boolean;
  /** called after each failed attempt, before the pause */
  readonly onFailure: (err: unknown, attempt: number, delayMs: number) => void | Promise<void>;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

export class RetryAbandoned extends Error {
  constructor(readonly lastError: unknown) {
    super('retry abandoned', { cause: lastError });
  }
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function retryUntilDone<T>(work: () => Promise<T>, options: RetryOptions): Promise<T> {
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      const base = Math.min(options.maxDelayMs, options.initialDelayMs * 2 ** (attempt - 1));
      const delayMs = Math.round(base * (0.5 + random() / 2));
      await options.onFailure(err, attempt, delayMs);
      await sleep(delayMs);
      if (options.shouldStop()) throw new RetryAbandoned(err);
    }
  }
}
