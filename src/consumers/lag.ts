// Consumer lag: how far a consumer group is behind the end of a topic.
import type { Admin } from 'kafkajs';
import { retryUntilDone } from '../retry.js';

export interface PartitionLag {
  readonly topic: string;
  readonly partition: number;
  readonly lag: number;
}

// kafkajs' admin does not retry an offset fetch answered "not the coordinator" (the group's
// coordinator moved, as it does while a broker restarts or a group is new), nor a topic's offsets
// answered "not the leader" (a new topic's partition whose broker has not yet taken up the
// leadership the metadata already names), although Kafka marks both errors retriable. A handful of
// short retries outlast either; anything else is thrown at once.
const retriableAttempts = 6;
const retriableKafkaError = (err: unknown): boolean =>
  typeof err === 'object' && err !== null && (err as { retriable?: unknown }).retriable === true;

function retryingRetriable<T>(fetch: () => Promise<T>): Promise<T> {
  return retryUntilDone(fetch, {
    initialDelayMs: 100,
    maxDelayMs: 1000,
    maxAttempts: retriableAttempts,
    retryable: retriableKafkaError,
    shouldStop: () => false,
    onFailure: () => undefined,
  });
}

/** Each partition of `topic` with its low and high watermarks, as kafkajs' fetchTopicOffsets gives them. */
export function topicOffsets(admin: Pick<Admin, 'fetchTopicOffsets'>, topic: string) {
  return retryingRetriable(() => admin.fetchTopicOffsets(topic));
}

/** Messages of `topic` the group has not committed yet, per partition. */
export async function consumerLagByPartition(admin: Admin, groupId: string, topic: string): Promise<PartitionLag[]> {
  const [committed, latest] = await retryingRetriable(() =>
    Promise.all([admin.fetchOffsets({ groupId, topics: [topic] }), admin.fetchTopicOffsets(topic)]),
  );
  const done = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
  return latest.map((p) => {
    const at = done.get(p.partition) ?? -1;
    return { topic, partition: p.partition, lag: Number(p.high) - Math.max(at, Number(p.low)) };
  });
}

/** Messages of `topic` the group has not committed yet, over all partitions. */
export async function consumerLag(admin: Admin, groupId: string, topic: string): Promise<number> {
  return (await consumerLagByPartition(admin, groupId, topic)).reduce((sum, p) => sum + p.lag, 0);
}
