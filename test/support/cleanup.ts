// Removing what an integration test created: its Redis keys, its ClickHouse database and its
// Kafka topics.
import type { Admin } from 'kafkajs';
import type { Config } from '../../src/config.js';
import { createClickHouse } from '../../src/infra/clickhouse.js';
import { masters, type RedisClient } from '../../src/infra/redis.js';

/**
 * UNLINKs every key under `prefix:`, on one Redis or on every master of a cluster (SCAN, so a
 * large keyspace is never blocked; one key per UNLINK, as a cluster node takes keys of one slot).
 */
export async function unlinkPrefix(redis: RedisClient, prefix: string): Promise<void> {
  for (const node of masters(redis)) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 5000);
      cursor = next;
      if (keys.length > 0) await keys.reduce((p, key) => p.unlink(key), node.pipeline()).exec();
    } while (cursor !== '0');
  }
}

export async function dropDatabase(config: Config['clickhouse']): Promise<void> {
  const server = createClickHouse(config, 'default');
  try {
    await server.command({ query: `DROP DATABASE IF EXISTS ${config.database}` });
  } finally {
    await server.close();
  }
}

/**
 * What a pipelineConfig() test wrote: its Redis keys, ClickHouse database, consumer group (once its
 * members have left) and the three topics.
 */
export async function removePipeline(config: Config, redis: RedisClient, admin: Admin): Promise<void> {
  await unlinkPrefix(redis, config.redis.keyPrefix);
  await dropDatabase(config.clickhouse);
  const { ordersTopic, deadLetterTopic, consumerGroup } = config.kafka;
  await admin.deleteGroups([consumerGroup]).catch(() => undefined);
  await admin
    .deleteTopics({ topics: [ordersTopic, deadLetterTopic, config.model.changesTopic] })
    .catch(() => undefined);
}
