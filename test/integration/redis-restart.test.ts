// Redis going away under the service: a Redis of the test's own, with the AOF fsynced on every
// write, is stopped (SIGTERM) and later SIGKILLed while `insiders run` consumes a replay, and
// started again each time. The consumer holds its offsets and retries while Redis is away, and
// carries on by itself when it is back. Before that, the service itself is frozen (SIGSTOP) for
// longer than its consumer's session, as a starved machine or a long pause can: the group expels
// the member, and the batch in hand learns it at its last heartbeat; the consumer must rejoin, not
// stop for good. The state ends as one clean pass leaves it: nothing lost, nothing counted twice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownRedis } from '../support/own-redis.js';
import { cleanPass, replayDataSet } from '../support/pipeline.js';
import { differingKeys, redisState, serviceEnv, spawnService, type ServiceChild } from '../support/service-process.js';
import { usePipeline } from '../support/use-pipeline.js';
import { useServer } from '../support/use-server.js';
import { waitFor } from '../support/wait.js';

const LIMIT = 12_000;
const DAY_MS = String(86_400_000);
/** the shortest session the config takes: a freeze a few seconds longer expels the member */
const SESSION_MS = 6000;

const restartSettings = {
  ORDERS_PARTITIONS: '3',
  REFIT_INTERVAL_MS: DAY_MS,
  SWEEP_INTERVAL_MS: DAY_MS,
};

describe('Redis stopped and killed while the service consumes', () => {
  const server = useServer(() => ownRedis({ appendonly: true }));
  const clean = usePipeline(restartSettings);
  const faulty = usePipeline(() => ({ ...restartSettings, REDIS_URL: server().url }));
  let service: ServiceChild | undefined;

  beforeAll(async () => {
    await Promise.all([replayDataSet(clean.config, { limit: LIMIT }), replayDataSet(faulty.config, { limit: LIMIT })]);
  });

  afterAll(() => {
    service?.kill('SIGKILL');
  });

  it('loses nothing, counts nothing twice, and resumes by itself after a freeze and two outages', async () => {
    // One clean pass on the stack's Redis.
    const { state: expected } = await cleanPass(clean.admin, clean.redis, clean.config);
    expect(expected.size).toBeGreaterThan(1000);

    // Small fetches (64 KiB a partition): the replay goes in many batches, so Redis goes away while
    // some are still to be written, however fast the consumer is.
    const p = spawnService(
      serviceEnv(faulty.config, { KAFKA_FETCH_BYTES: '65536', KAFKA_SESSION_TIMEOUT_MS: String(SESSION_MS) }),
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
      await server().start();
    };
    await waitFor(() => p.messagesHandled() >= LIMIT * 0.1, {
      timeoutMs: 120_000,
      intervalMs: 5,
      what: `the service to handle ${LIMIT * 0.1} messages`,
    });
    p.kill('SIGSTOP');
    await new Promise((resolve) => setTimeout(resolve, SESSION_MS + 4000));
    p.kill('SIGCONT');
    await outage(() => server().stop(), LIMIT * 0.35);
    await outage(() => server().kill(), LIMIT * 0.6);
    await faulty.caughtUp();
    p.kill('SIGTERM');
    expect(await p.exited(), p.output().slice(-2000)).toBe(0);

    const actual = await redisState(faulty.redis, faulty.config);
    expect(actual.size).toBe(expected.size);
    expect(differingKeys(expected, actual)).toEqual([]);
  }, 300_000);
});
