import { beforeAll, describe, expect, it } from 'vitest';
import type { Consumer } from 'kafkajs';
import { createProducer, ensureTopics } from '../../src/infra/kafka.js';
import { usePipeline } from '../support/use-pipeline.js';
import { waitFor } from '../support/wait.js';

describe('kafka: produce and consume through a consumer group', () => {
  // the pipeline's orders topic, with one partition, and its consumer group
  const pipeline = usePipeline({ ORDERS_PARTITIONS: '1' });
  const { ordersTopic: topic, consumerGroup: groupId } = pipeline.config.kafka;

  beforeAll(async () => {
    await ensureTopics(pipeline.admin, [{ topic, numPartitions: 1 }]);
  });

  /** Consumes from the group, committing each offset only after the message is recorded. */
  async function consumeUntil(count: number, seen: string[]): Promise<void> {
    const consumer: Consumer = pipeline.kafka.consumer({ groupId });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const target = seen.length + count;
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async (payload) => {
        const { batch } = payload;
        let last: string | undefined;
        for (const message of batch.messages) {
          if (seen.length >= target) break;
          seen.push(message.value?.toString() ?? '');
          payload.resolveOffset(message.offset);
          last = message.offset;
        }
        // The committed offset is the next one to read: one past the last message recorded.
        if (last !== undefined) {
          await consumer.commitOffsets([{ topic, partition: batch.partition, offset: String(Number(last) + 1) }]);
        }
      },
    });
    await waitFor(() => seen.length >= target, { what: `${target} messages` });
    await consumer.disconnect();
  }

  it('resumes from the committed offset after a consumer restart', async () => {
    const producer = createProducer(pipeline.kafka);
    await producer.connect();
    await producer.send({
      topic,
      messages: Array.from({ length: 10 }, (_, i) => ({ key: `c${i % 3}`, value: `m${i}` })),
    });
    await producer.disconnect();

    const seen: string[] = [];
    await consumeUntil(4, seen);
    const committed = await pipeline.admin.fetchOffsets({ groupId, topics: [topic] });
    expect(committed[0]?.partitions[0]?.offset).toBe('4');

    await consumeUntil(6, seen);
    expect(seen).toEqual(Array.from({ length: 10 }, (_, i) => `m${i}`));
  });
});
