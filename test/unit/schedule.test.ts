import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { scheduleJob } from '../../src/service/schedule.js';

describe('scheduleJob', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('skips the turns that come while the previous one still runs, instead of queueing them', async () => {
    let started = 0;
    let finish: (() => void) | undefined;
    const job = () => {
      started++;
      return new Promise<void>((resolve) => (finish = resolve));
    };
    const timer = scheduleJob('refit', 1000, job, silentLogger);
    await vi.advanceTimersByTimeAsync(1000);
    expect(started).toBe(1);
    await vi.advanceTimersByTimeAsync(5000); // five turns while the first runs
    expect(started).toBe(1);
    finish?.();
    await vi.advanceTimersByTimeAsync(1000);
    expect(started).toBe(2); // the next turn after it ended, and only one
    clearInterval(timer);
  });

  it('a failed turn does not stop the schedule', async () => {
    let calls = 0;
    const timer = scheduleJob(
      'sweep',
      1000,
      () => {
        calls++;
        return Promise.reject(new Error('redis down'));
      },
      silentLogger,
    );
    await vi.advanceTimersByTimeAsync(3000);
    expect(calls).toBe(3);
    clearInterval(timer);
  });
});
