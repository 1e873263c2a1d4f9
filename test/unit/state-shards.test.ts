import { describe, expect, it } from 'vitest';
import { Partitioners } from 'kafkajs';
import { murmur2, shardOf } from '../../src/state/shards.js';
import { createRng } from '../../src/model/rng.js';

function randomKey(rng: () => number): string {
  const alphabet = ['a', 'Z', '0', '9', '-', ' ', 'é', '€', '中', '😀', '\u0000'];
  const n = Math.floor(rng() * 24);
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[Math.floor(rng() * alphabet.length)]!;
  return s;
}

describe('shardOf', () => {
  it("places every key where kafkajs' default partitioner puts its message", () => {
    const rng = createRng(7);
    for (const partitions of [1, 2, 3, 6, 12, 64, 1000]) {
      const partitioner = Partitioners.DefaultPartitioner();
      const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({
        partitionId,
        leader: 0,
        replicas: [0],
        isr: [0],
        partitionErrorCode: 0,
        offlineReplicas: [],
      }));
      const keys = ['17850', '12346', 'C536379', '', 'x', 'ab', 'abc', 'abcd', 'abcde'];
      for (let i = 0; i < 2000; i++) keys.push(i % 2 === 0 ? String(10_000 + i * 7) : randomKey(rng));
      for (const key of keys) {
        const expected = partitioner({ topic: 't', partitionMetadata, message: { key, value: null } });
        expect(shardOf(key, partitions), `key ${JSON.stringify(key)} of ${partitions}`).toBe(expected);
      }
    }
  });

  it("matches Kafka's murmur2 reference values", () => {
    // Values of org.apache.kafka.common.utils.Utils.murmur2 (the Java client's test vectors).
    expect(murmur2('21')).toBe(-973932308);
    expect(murmur2('foobar')).toBe(-790332482);
    expect(murmur2('a-little-bit-long-string')).toBe(-985981536);
    expect(murmur2('a-little-bit-longer-string')).toBe(-1486304829);
    expect(murmur2('lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8')).toBe(-58897971);
    expect(murmur2('abc')).toBe(479470107);
  });
});
