import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin, Consumer, Kafka } from 'kafkajs';
import { createKafka, createProducer, ensureTopics } from '../../src/infra/kafka.js';
import { silentLogger } from '../../src/log.js';
import { integrationConfig } from '../support/integration.js';
import { uniqueName } from '../support/names.js';
import { waitFor } from '../support/wait.js';

describe('kafka: produce and consume through a consumer group', () => {
  const config = integrationConfig();
  const topic = uniqueName('smoke');
  const groupId = uniqueName('smoke-group');
  let kafka: Kafka;
  let admin: Admin;

  beforeAll(async () => {
    kafka = createKafka(config.kafka, silentLogger);
    admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, [{ topic, numPartitions: 1 }]);
  });

  afterAll(async () => {
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.deleteTopics({ topics: [topic] });
    await admin.disconnect();
  });

  /** Consumes from the group, committing each offset only after the message is recorded. */
  async function consumeUntil(count: number, seen: string[]): Promise<void> {
    const consumer: Consumer = kafka.consumer({ groupId });
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
    const producer = createProducer(kafka);
    await producer.connect();
    await producer.send({
      topic,
      messages: Array.from({ length: 10 }, (_, i) => ({ key: `c${i % 3}`, value: `m${i}` })),
    });
    await producer.disconnect();

    const seen: string[] = [];
    await consumeUntil(4, seen);
    const committed = await admin.fetchOffsets({ groupId, topics: [topic] });
    expect(committed[0]?.partitions[0]?.offset).toBe('4');

    await consumeUntil(6, seen);
    expect(seen).toEqual(Array.from({ length: 10 }, (_, i) => `m${i}`));
  });
});
