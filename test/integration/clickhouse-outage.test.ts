// ClickHouse stopped for 30 s in the middle of a replay, then started again: the sink holds its
// rows and retries, the consumers carry on or wait, and afterwards the views show every customer
// once, matching Redis, and every change once. Uses a ClickHouse server of the test's own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin } from 'kafkajs';
import type { Redis } from 'ioredis';
import { createClickHouse } from '../../src/infra/clickhouse.js';
import { createKafka } from '../../src/infra/kafka.js';
import { createRedis } from '../../src/infra/redis.js';
import { silentLogger } from '../../src/log.js';
import { startService, type Service } from '../../src/service/service.js';
import { unlinkPrefix } from '../support/cleanup.js';
import { caughtUp, replayDataSet } from '../support/pipeline.js';
import { integrationConfig, modelDrivenByTest } from '../support/integration.js';
import { uniqueName } from '../support/names.js';
import { ownClickHouse, type OwnClickHouse } from '../support/own-clickhouse.js';
import { customerFields } from '../support/state.js';

const OUTAGE_MS = 30_000;

describe('ClickHouse outage during a replay', () => {
  const topic = uniqueName('orders');
  let clickhouseServer: OwnClickHouse;
  let config: ReturnType<typeof integrationConfig>;
  let admin: Admin;
  let redis: Redis;
  let service: Service | undefined;

  beforeAll(async () => {
    clickhouseServer = await ownClickHouse();
    await clickhouseServer.start();
    config = integrationConfig({
      CLICKHOUSE_URL: clickhouseServer.url,
      ORDERS_TOPIC: topic,
      DEAD_LETTER_TOPIC: `${topic}.dlq`,
      SEGMENT_CHANGES_TOPIC: `${topic}.changes`,
      CONSUMER_GROUP: uniqueName('state'),
      ORDERS_PARTITIONS: '3',
      MODEL_K: '4',
      ...modelDrivenByTest,
    });
    admin = createKafka(config.kafka, silentLogger).admin();
    await admin.connect();
    redis = createRedis(config.redis);
    await redis.connect();
  });

  afterAll(async () => {
    await service?.close();
    await unlinkPrefix(redis, config.redis.keyPrefix);
    await redis.quit();
    await admin.deleteTopics({ topics: [topic, `${topic}.dlq`, `${topic}.changes`] }).catch(() => undefined);
    await admin.disconnect();
    await clickhouseServer.destroy();
  });

  it('loses and duplicates nothing, and the consumer catches up', async () => {
    await replayDataSet(config, { limit: 6000 });
    service = await startService(config, silentLogger);
    await caughtUp(admin, config);
    expect((await service.refitNow()).kind).toBe('fitted');
    await service.results.flush();

    await clickhouseServer.stop();
    // The rest of the data set arrives while ClickHouse is down: every placement's rows wait.
    await replayDataSet(config, { limit: 26_000 });
    await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
    const stats = service.results.stats();
    expect(stats.customers!.failedAttempts + stats.changes!.failedAttempts).toBeGreaterThan(0);
    await clickhouseServer.start();
    await caughtUp(admin, config);
    await service.results.flush();

    const ch = createClickHouse(config.clickhouse);
    const rows = async <T>(query: string) => (await ch.query({ query, format: 'JSONEachRow' })).json<T>();
    const current = await rows<{ customer_id: string; segment_id: number }>(
      'SELECT customer_id, segment_id FROM current_customers',
    );
    const ids = current.map((r) => r.customer_id);
    expect(new Set(ids).size).toBe(ids.length);
    let customers = 0;
    const mismatched: string[] = [];
    const inClickHouse = new Map(current.map((r) => [r.customer_id, r.segment_id]));
    const inRedis = await customerFields(redis, config, ['s', 'sc']);
    for (const [id, [s]] of inRedis) {
      customers++;
      const want = s === null || s === '' ? 0 : Number(s);
      if (inClickHouse.get(id) !== want) mismatched.push(`${id}: redis ${want}, clickhouse ${inClickHouse.get(id)}`);
    }
    expect(customers).toBeGreaterThan(4000);
    expect(current.length).toBe(customers);
    expect(mismatched.slice(0, 10)).toEqual([]);

    const [changes] = await rows<{ n: string; ids: string; raw: string }>(
      'SELECT count() AS n, uniqExact(change_id) AS ids, (SELECT count() FROM segment_changes) AS raw FROM segment_changes_dedup',
    );
    expect(changes?.n).toBe(changes?.ids);
    // Every change recorded in Redis (sc counts them per customer) is in ClickHouse once.
    let recorded = 0;
    for (const [, sc] of inRedis.values()) recorded += Number(sc ?? 0);
    expect(Number(changes?.n)).toBe(recorded);
    await ch.close();
  });
});
