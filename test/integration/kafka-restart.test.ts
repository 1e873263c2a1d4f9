// The Kafka broker going away under the service: a broker of the test's own is killed while
// `insiders run` consumes a replay from it (the service frozen while the broker dies, which takes
// longer than the service needs to consume the whole replay on a quiet machine), kept down for
// longer than the client's retries last (so the consumer crashes with its retries exhausted and
// must restart itself), then started again. The service's topic holds the first half of the
// replay until then, and the second half is published once the broker is back: the stream is
// part-way through when the broker dies however fast or slow the machine. Consumption resumes by
// itself and ends in the state one clean pass over the whole replay leaves.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueName } from '../support/names.js';
import { ownKafka } from '../support/own-kafka.js';
import { caughtUp, cleanPass, replayDataSet } from '../support/pipeline.js';
import { differingKeys, redisState, serviceEnv, spawnService, type ServiceChild } from '../support/service-process.js';
import { usePipeline } from '../support/use-pipeline.js';
import { useServer } from '../support/use-server.js';
import { waitFor } from '../support/wait.js';

const LIMIT = 6000;
const DAY_MS = String(86_400_000);

describe('the Kafka broker restarted while the service consumes', () => {
  const broker = useServer(() => ownKafka());
  const topic = uniqueName('orders');
  const shared = () => ({
    KAFKA_BROKERS: broker().broker,
    ORDERS_TOPIC: topic,
    DEAD_LETTER_TOPIC: `${topic}.dlq`,
    SEGMENT_CHANGES_TOPIC: `${topic}.changes`,
    ORDERS_PARTITIONS: '3',
    // Small fetches (each with room for one event of EVENT_MAX_BYTES; the data set's largest is
    // about 100 KB), so that the broker goes with part of the replay still to fetch.
    KAFKA_FETCH_BYTES: String(64 * 1024),
    EVENT_MAX_BYTES: String(256 * 1024),
    REFIT_INTERVAL_MS: DAY_MS,
    SWEEP_INTERVAL_MS: DAY_MS,
  });
  // Both read the same topic of the test's broker, each in a group and key prefix of its own.
  const clean = usePipeline(shared);
  // Few retries: the service's consumer gives up and restarts within seconds of the broker going,
  // rather than after kafkajs' default back-off of about a minute.
  const faulty = usePipeline(() => ({ ...shared(), ORDERS_TOPIC: `${topic}.faulty`, KAFKA_RETRIES: '2' }));
  let service: ServiceChild | undefined;

  beforeAll(async () => {
    await replayDataSet(clean.config, { limit: LIMIT });
  });

  afterAll(() => {
    service?.kill('SIGKILL');
  });

  it('resumes by itself and ends in the state of a clean pass', async () => {
    const { state: expected } = await cleanPass(clean.admin, clean.redis, clean.config);
    expect(expected.size).toBeGreaterThan(1000);

    await replayDataSet(faulty.config, { limit: LIMIT / 2 });
    const p = spawnService(serviceEnv(faulty.config));
    service = p;
    // Frozen as soon as the first batches are in, and the broker killed meanwhile: on a quiet
    // machine the service consumes the replay in a second or two, less than a broker takes to die,
    // so a kill alone could come after the replay's end.
    await waitFor(() => p.messagesHandled() >= LIMIT * 0.05, {
      timeoutMs: 120_000,
      intervalMs: 5,
      what: 'the service to be part-way through the replay',
    });
    p.kill('SIGSTOP');
    await broker().kill();
    p.kill('SIGCONT');
    const handledAtStop = p.messagesHandled();
    expect(handledAtStop).toBeLessThanOrEqual(LIMIT / 2); // it stopped mid-stream
    // Down until the consumer has given up retrying and crashed (and said it restarts).
    await waitFor(
      () => p.logs().some((l) => typeof l.msg === 'string' && l.msg.startsWith('Restarting the consumer')),
      {
        timeoutMs: 180_000,
        intervalMs: 200,
        what: 'the consumer to crash with its retries exhausted',
      },
    );
    await broker().start();
    await replayDataSet(faulty.config, { from: LIMIT / 2, limit: LIMIT });

    // the clean pipeline's admin: its retries (the default) ride out the restarted broker
    await caughtUp(clean.admin, faulty.config, 240_000).catch((err: unknown) => {
      throw new Error(`${String(err)}; the service's last output:\n${p.output().slice(-6000)}`);
    });
    expect(p.messagesHandled()).toBeGreaterThan(handledAtStop);
    p.kill('SIGTERM');
    expect(await p.exited(), p.output().slice(-3000)).toBe(0);

    const actual = await redisState(faulty.redis, faulty.config);
    expect(actual.size).toBe(expected.size);
    expect(differingKeys(expected, actual)).toEqual([]);
  }, 480_000);
});
