// Redis going away under the service: a Redis of the test's own, with the AOF fsynced on every
// write, is stopped (SIGTERM) and later SIGKILLed while `insiders run` consumes a replay, and
// started again each time. The consumer holds its offsets and retries while Redis is away, and
// carries on by itself when it is back. Before that, the service itself is frozen (SIGSTOP) for
// longer than its consumer's session, as a starved machine or a long pause can: the group expels
// the member, and the batch in hand learns it at its last heartbeat; the consumer must rejoin, not
// stop for good. The state ends as one clean pass leaves it: nothing lost, nothing counted twice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin } from 'kafkajs';
import type { Redis } from 'ioredis';
import type { Config } from '../../src/config.js';
import { createKafka } from '../../src/infra/kafka.js';
import { createRedis } from '../../src/infra/redis.js';
import { silentLogger } from '../../src/log.js';
import { dropDatabase, unlinkPrefix } from '../support/cleanup.js';
import { pipelineConfig } from '../support/integration.js';
import { ownRedis, type OwnRedis } from '../support/own-redis.js';
import { caughtUp, cleanPass, replayDataSet } from '../support/pipeline.js';
import { differingKeys, redisState, serviceEnv, spawnService, type ServiceChild } from '../support/service-process.js';
import { waitFor } from '../support/wait.js';

const LIMIT = 12_000;
const DAY_MS = String(86_400_000);
/** the shortest session the config takes: a freeze a few seconds longer expels the member */
const SESSION_MS = 6000;

function restartConfig(overrides: Record<string, string> = {}): Config {
  return pipelineConfig({
    ORDERS_PARTITIONS: '3',
    REFIT_INTERVAL_MS: DAY_MS,
    SWEEP_INTERVAL_MS: DAY_MS,
    ...overrides,
  });
}

describe('Redis stopped and killed while the service consumes', () => {
  let server: OwnRedis;
  let clean: Config;
  let faulty: Config;
  let admin: Admin;
  let stackRedis: Redis;
  let service: ServiceChild | undefined;

  beforeAll(async () => {
    server = await ownRedis({ appendonly: true });
    await server.start();
    clean = restartConfig();
    faulty = restartConfig({ REDIS_URL: server.url });
    admin = createKafka(clean.kafka, silentLogger).admin();
    await admin.connect();
    stackRedis = createRedis(clean.redis);
    await stackRedis.connect();
    await Promise.all([replayDataSet(clean, { limit: LIMIT }), replayDataSet(faulty, { limit: LIMIT })]);
  });

  afterAll(async () => {
    service?.kill('SIGKILL');
    await unlinkPrefix(stackRedis, clean.redis.keyPrefix);
    await stackRedis.quit();
    for (const c of [clean, faulty]) {
      await dropDatabase(c.clickhouse).catch(() => undefined);
      const topics = [c.kafka.ordersTopic, c.kafka.deadLetterTopic, c.model.changesTopic];
      await admin.deleteTopics({ topics }).catch(() => undefined);
    }
    await admin.disconnect();
    await server.destroy();
  });

  it('loses nothing, counts nothing twice, and resumes by itself after a freeze and two outages', async () => {
    // One clean pass on the stack's Redis.
    const { state: expected } = await cleanPass(admin, stackRedis, clean);
    expect(expected.size).toBeGreaterThan(1000);

    // Small fetches (64 KiB a partition): the replay goes in many batches, so Redis goes away while
    // some are still to be written, however fast the consumer is.
    const p = spawnService(
      serviceEnv(faulty, { KAFKA_FETCH_BYTES: '65536', KAFKA_SESSION_TIMEOUT_MS: String(SESSION_MS) }),
    );
    service = p;
    const retries = () => p.logs().filter((l) => l.msg === 'batch write failed; retrying, offsets held').length;
    const outage = async (halt: () => Promise<void>, afterMessages: number) => {
      await waitFor(() => p.messagesHandled() >= afterMessages, {
        timeoutMs: 120_000,
        intervalMs: 5,
        what: `the service to handle ${afterMessages} messages`,
      });
      const before = retries();
      await halt();
      // Redis is away until the consumer has found out, and held its offsets.
      await waitFor(() => retries() > before, { timeoutMs: 60_000, what: 'the consumer to retry a batch' });
      await server.start();
    };
    await waitFor(() => p.messagesHandled() >= LIMIT * 0.1, {
      timeoutMs: 120_000,
      intervalMs: 5,
      what: `the service to handle ${LIMIT * 0.1} messages`,
    });
    p.kill('SIGSTOP');
    await new Promise((resolve) => setTimeout(resolve, SESSION_MS + 4000));
    p.kill('SIGCONT');
    await outage(() => server.stop(), LIMIT * 0.35);
    await outage(() => server.kill(), LIMIT * 0.6);
    await caughtUp(admin, faulty);
    p.kill('SIGTERM');
    expect(await p.exited(), p.output().slice(-2000)).toBe(0);

    const own = createRedis(faulty.redis);
    await own.connect();
    try {
      const actual = await redisState(own, faulty);
      expect(actual.size).toBe(expected.size);
      expect(differingKeys(expected, actual)).toEqual([]);
    } finally {
      await own.quit();
    }
  }, 300_000);
});
