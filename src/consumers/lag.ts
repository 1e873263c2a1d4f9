// Consumer lag: how far a consumer group is behind the end of a topic.
import type { Admin } from 'kafkajs';
import { retryUntilDone } from '../retry.js';

export interface PartitionLag {
  readonly topic: string;
  readonly partition: number;
  readonly lag: number;
}

// kafkajs' admin does not retry an offset fetch answered "not the coordinator" (the group's
// coordinator moved, as it does while a broker restarts or a group is new), although Kafka marks the
// error retriable. A handful of short retries outlast the move; anything else is thrown at once.
const coordinatorAttempts = 6;
const retriableKafkaError = (err: unknown): boolean =>
  typeof err === 'object' && err !== null && (err as { retriable?: unknown }).retriable === true;

/** Messages of `topic` the group has not committed yet, per partition. */
export async function consumerLagByPartition(admin: Admin, groupId: string, topic: string): Promise<PartitionLag[]> {
  const [committed, latest] = await retryUntilDone(
    () => Promise.all([admin.fetchOffsets({ groupId, topics: [topic] }), admin.fetchTopicOffsets(topic)]),
    {
      initialDelayMs: 100,
      maxDelayMs: 1000,
      maxAttempts: coordinatorAttempts,
      retryable: retriableKafkaError,
      shouldStop: () => false,
      onFailure: () => undefined,
    },
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
