import { describe, expect, it } from 'vitest';
import { InsidersError } from '../../src/errors.js';
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

describe('retryUntilDone: a bound on attempts', () => {
  it('throws the last failure as is once maxAttempts have failed', async () => {
    let calls = 0;
    const last = new Error('broker away');
    const err = await retryUntilDone(() => (++calls, Promise.reject(calls < 3 ? new Error('away') : last)), {
      initialDelayMs: 1,
      maxDelayMs: 1,
      maxAttempts: 3,
      shouldStop: () => false,
      onFailure: () => undefined,
      sleep: () => Promise.resolve(),
    }).catch((e: unknown) => e);
    expect(err).toBe(last);
    expect(calls).toBe(3);
  });
});

describe('retryUntilDone: what is retried', () => {
  const fast = { initialDelayMs: 1, maxDelayMs: 1, shouldStop: () => false, sleep: () => Promise.resolve() };

  it.each<[string, Error]>([
    ['a TypeError (a defect)', new TypeError("Cannot read properties of undefined (reading 'length')")],
    ['a RangeError', new RangeError('Maximum call stack size exceeded')],
    ['a script error from Redis', Object.assign(new Error('ERR user_script:1: boom'), { name: 'ReplyError' })],
    ['an InsidersError that is not retryable', new InsidersError('STATE_WRITE_FAILED', 'bad reply')],
    [
      'a broker refusing the record',
      Object.assign(new Error('too large'), { name: 'KafkaJSProtocolError', type: 'MESSAGE_TOO_LARGE' }),
    ],
  ])('throws %s at once, without retrying it', async (_what, failure) => {
    let calls = 0;
    const failures: unknown[] = [];
    const err = await retryUntilDone(
      () => {
        calls++;
        return Promise.reject(failure);
      },
      { ...fast, onFailure: (e) => void failures.push(e) },
    ).catch((e: unknown) => e);
    expect(err).toBe(failure);
    expect(calls).toBe(1);
    expect(failures).toEqual([]);
  });

  it.each<[string, Error]>([
    ['a lost connection', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' })],
    [
      'Redis loading its data',
      Object.assign(new Error('LOADING Redis is loading the dataset'), { name: 'ReplyError' }),
    ],
    ['a retryable InsidersError', new InsidersError('STATE_WRITE_FAILED', 'down', { retryable: true })],
    ['a broker away', Object.assign(new Error('Connection timeout'), { name: 'KafkaJSConnectionError' })],
  ])('retries %s', async (_what, failure) => {
    let calls = 0;
    const result = await retryUntilDone(() => (++calls < 3 ? Promise.reject(failure) : Promise.resolve('done')), {
      ...fast,
      onFailure: () => undefined,
    });
    expect([result, calls]).toEqual(['done', 3]);
  });
});
