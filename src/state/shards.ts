// Which shard of the state a customer's keys live in. A shard is one Redis hash slot (its keys
// share the hash tag {s<shard>}), so every script touches one slot and the layout runs unchanged
// on Redis Cluster. Customers are sharded exactly as Kafka's default partitioner (kafkajs' and the
// Java client's: murmur2 of the message key, made positive, modulo the partition count) places
// their events: with as many shards as the orders topic has partitions, a consumer's batch of one
// partition is one shard, so it stays a few script calls on one node.

const SEED = 0x9747b28c;
const M = 0x5bd1e995;

/**
 * Kafka's murmur2 of a string's UTF-8 bytes, as a signed 32-bit integer: the same value as
 * kafkajs' `murmur2` (which computes it with 64-bit Longs) and Kafka's `Utils.murmur2`.
 */
export function murmur2(key: string): number {
  const data = Buffer.from(key, 'utf8');
  const length = data.length;
  let h = (SEED ^ length) | 0;
  const length4 = length >>> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    let k = data[i4]! | (data[i4 + 1]! << 8) | (data[i4 + 2]! << 16) | (data[i4 + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  // The last one to three bytes (the reference's switch, whose cases fall through).
  const tail = length & ~3;
  const rest = length % 4;
  if (rest === 3) h ^= data[tail + 2]! << 16;
  if (rest >= 2) h ^= data[tail + 1]! << 8;
  if (rest >= 1) {
    h ^= data[tail]!;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** The shard of a message key among `shards`: the partition Kafka's default partitioner picks. */
export function shardOf(key: string, shards: number): number {
  return (murmur2(key) & 0x7fffffff) % shards;
}
