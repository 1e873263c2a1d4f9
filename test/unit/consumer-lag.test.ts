import { KafkaJSProtocolError } from 'kafkajs';
import type { Admin } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { consumerLag } from '../../src/consumers/lag.js';

// kafkajs builds a protocol error from Kafka's error entry: NOT_COORDINATOR (code 16) is retriable,
// GROUP_AUTHORIZATION_FAILED (30) is not.
const protocolError = (type: string, code: number, retriable: boolean) =>
  new KafkaJSProtocolError(Object.assign(new Error(type), { type, code, retriable }));

/** An admin whose offset fetch fails with each of `failures` in turn, then answers. */
function adminFailing(failures: Error[]): { admin: Admin; calls: () => number } {
  let calls = 0;
  const admin = {
    fetchOffsets: () => {
      const failure = failures[calls++];
      if (failure) return Promise.reject(failure);
      return Promise.resolve([{ topic: 'orders', partitions: [{ partition: 0, offset: '40', metadata: null }] }]);
    },
    fetchTopicOffsets: () => Promise.resolve([{ partition: 0, offset: '100', high: '100', low: '0' }]),
  } as unknown as Admin;
  return { admin, calls: () => calls };
}

describe('consumerLag', () => {
  it('outlasts a group coordinator that moved (retriable), as kafkajs itself does not', async () => {
    const notCoordinator = protocolError('NOT_COORDINATOR', 16, true);
    const { admin, calls } = adminFailing([notCoordinator, notCoordinator]);
    expect(await consumerLag(admin, 'group', 'orders')).toBe(60);
    expect(calls()).toBe(3);
  });

  it('throws a failure no retry can outlast at once', async () => {
    const denied = protocolError('GROUP_AUTHORIZATION_FAILED', 30, false);
    const { admin, calls } = adminFailing([denied]);
    await expect(consumerLag(admin, 'group', 'orders')).rejects.toBe(denied);
    expect(calls()).toBe(1);
  });

  it('gives up after a handful of attempts', async () => {
    const notCoordinator = protocolError('NOT_COORDINATOR', 16, true);
    const { admin, calls } = adminFailing(Array.from({ length: 10 }, () => notCoordinator));
    await expect(consumerLag(admin, 'group', 'orders')).rejects.toBe(notCoordinator);
    expect(calls()).toBe(6);
  });
});
