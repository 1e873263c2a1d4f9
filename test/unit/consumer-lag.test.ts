import { KafkaJSProtocolError } from 'kafkajs';
import type { Admin } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { consumerLag, topicOffsets } from '../../src/consumers/lag.js';

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

describe('topicOffsets', () => {
  it("outlasts a new topic's partition whose leader has not taken it up yet (retriable)", async () => {
    // NOT_LEADER_OR_FOLLOWER (code 6): the metadata names a leader the broker has not become yet
    const notLeader = protocolError('NOT_LEADER_OR_FOLLOWER', 6, true);
    let calls = 0;
    const admin = {
      fetchTopicOffsets: () =>
        calls++ < 2 ? Promise.reject(notLeader) : Promise.resolve([{ partition: 0, offset: '7', high: '7', low: '2' }]),
    };
    expect(await topicOffsets(admin, 'orders')).toEqual([{ partition: 0, offset: '7', high: '7', low: '2' }]);
    expect(calls).toBe(3);
  });

  it('throws a failure no retry can outlast at once', async () => {
    const denied = protocolError('TOPIC_AUTHORIZATION_FAILED', 29, false);
    let calls = 0;
    const admin = { fetchTopicOffsets: () => (calls++, Promise.reject(denied)) };
    await expect(topicOffsets(admin, 'orders')).rejects.toBe(denied);
    expect(calls).toBe(1);
  });
});
