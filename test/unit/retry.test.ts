import { describe, expect, it } from 'vitest';
import { RetryAbandoned, retryUntilDone } from '../../src/retry.js';

describe('retryUntilDone', () => {
  it('retries with capped exponential backoff until the work succeeds', async () => {
    const delays: number[] = [];
    let calls = 0;
    const result = await retryUntilDone(
      () => (++calls < 5 ? Promise.reject(new Error(`fail ${calls}`)) : Promise.resolve('done')),
      {
        initialDelayMs: 100,
        maxDelayMs: 500,
        shouldStop: () => false,
        onFailure: () => undefined,
        sleep: (ms) => (delays.push(ms), Promise.resolve()),
        random: () => 1, // no jitter: the upper bound of each delay
      },
    );
    expect(result).toBe('done');
    expect(delays).toEqual([100, 200, 400, 500]);
  });

  it('gives up when told to stop, carrying the last error', async () => {
    let stop = false;
    const err = await retryUntilDone(() => Promise.reject(new Error('redis down')), {
      initialDelayMs: 1,
      maxDelayMs: 1,
      shouldStop: () => stop,
      onFailure: (_e, attempt) => {
        if (attempt === 3) stop = true;
      },
      sleep: () => Promise.resolve(),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetryAbandoned);
    expect(((err as RetryAbandoned).lastError as Error).message).toBe('redis down');
  });
});
