// Consumer lag: how far a consumer group is behind the end of a topic.
import type { Admin } from 'kafkajs';

/** Messages of `topic` the group has not committed yet, over all partitions. */
export async function consumerLag(admin: Admin, groupId: string, topic: string): Promise<number> {
  const [committed, latest] = await Promise.all([
    admin.fetchOffsets({ groupId, topics: [topic] }),
    admin.fetchTopicOffsets(topic),
  ]);
  const done = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
  let lag = 0;
  for (const p of latest) {
    const at = done.get(p.partition) ?? -1;
    lag += Number(p.high) - Math.max(at, Number(p.low));
  }
  return lag;
}
