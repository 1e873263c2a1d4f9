// Consumer lag: how far a consumer group is behind the end of a topic.
import type { Admin } from 'kafkajs';

export interface PartitionLag {
  readonly topic: string;
  readonly partition: number;
  readonly lag: number;
}

/** Messages of `topic` the group has not committed yet, per partition. */
export async function consumerLagByPartition(admin: Admin, groupId: string, topic: string): Promise<PartitionLag[]> {
  const [committed, latest] = await Promise.all([
    admin.fetchOffsets({ groupId, topics: [topic] }),
    admin.fetchTopicOffsets(topic),
  ]);
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
