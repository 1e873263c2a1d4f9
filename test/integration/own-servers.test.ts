// The servers fault tests start of their own: a Redis with AOF keeps acknowledged writes across a
// SIGKILL, and a Kafka broker keeps its topics and messages across a stop and a restart.
import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { topicOffsets } from '../../src/consumers/lag.js';
import { createKafka, createProducer, ensureTopics } from '../../src/infra/kafka.js';
import { silentLogger } from '../../src/log.js';
import { integrationConfig } from '../support/integration.js';
import { ownKafka, type OwnKafka } from '../support/own-kafka.js';
import { ownRedis, type OwnRedis } from '../support/own-redis.js';

describe('servers of a test of its own', () => {
  let redisServer: OwnRedis | undefined;
  let kafkaServer: OwnKafka | undefined;

  afterAll(async () => {
    await redisServer?.destroy();
    await kafkaServer?.destroy();
  });

  it('a Redis with AOF keeps every acknowledged write across SIGKILL', async () => {
    redisServer = await ownRedis({ appendonly: true });
    await redisServer.start();
    const writer = new Redis(redisServer.url, { lazyConnect: true });
    await writer.connect();
    for (let i = 0; i < 100; i++) await writer.hincrby('h', 'n', 1);
    writer.disconnect();
    await redisServer.kill();
    await redisServer.start();
    const reader = new Redis(redisServer.url, { lazyConnect: true });
    await reader.connect();
    expect(await reader.hget('h', 'n')).toBe('100');
    await reader.quit();
  });

  it('a Kafka broker keeps its messages across a stop and a start', async () => {
    kafkaServer = await ownKafka();
    await kafkaServer.start();
    const config = integrationConfig({ KAFKA_BROKERS: kafkaServer.broker });
    const kafka = createKafka(config.kafka, silentLogger);
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, [{ topic: 'kept', numPartitions: 2 }]);
    const producer = createProducer(kafka);
    await producer.connect();
    await producer.send({
      topic: 'kept',
      acks: -1,
      messages: [
        { key: 'a', value: 'one' },
        { key: 'b', value: 'two' },
      ],
    });
    await producer.disconnect();
    await admin.disconnect();

    await kafkaServer.stop();
    await kafkaServer.start();
    const again = createKafka(config.kafka, silentLogger).admin();
    await again.connect();
    const offsets = await topicOffsets(again, 'kept');
    await again.disconnect();
    expect(offsets.reduce((sum, p) => sum + Number(p.high), 0)).toBe(2);
  });
});
