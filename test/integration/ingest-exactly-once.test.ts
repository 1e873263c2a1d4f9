// Exactly-once state from at-least-once delivery: every event published twice, and the consumer
// process SIGKILLed mid-stream and restarted, must leave Redis exactly as one clean pass does.
import { describe, expect, it } from 'vitest';
import { consumerLag } from '../../src/consumers/lag.js';
import { exited, spawnCli } from '../support/cli.js';
import { caughtUp, cleanPass, replayDataSet } from '../support/pipeline.js';
import { redisState, serviceEnv } from '../support/service-process.js';
import { usePipeline } from '../support/use-pipeline.js';
import { waitFor } from '../support/wait.js';

const LIMIT = 12_000;

describe('ingest: duplicates and a killed consumer change nothing', () => {
  const clean = usePipeline({ ORDERS_PARTITIONS: '3' });
  const faulty = usePipeline({ ORDERS_PARTITIONS: '3' });

  it('ends in the state of one clean pass', async () => {
    // One clean pass, in process.
    await replayDataSet(clean.config, { limit: LIMIT });
    const { state: expected } = await cleanPass(clean.admin, clean.redis, clean.config);
    expect(expected.size).toBeGreaterThan(1000);

    // The same events twice, consumed by a process that is SIGKILLed part-way and restarted.
    await replayDataSet(faulty.config, { limit: LIMIT });
    await replayDataSet(faulty.config, { limit: LIMIT });
    const env = serviceEnv(faulty.config, { LOG_LEVEL: 'warn' });
    const first = spawnCli(['consume'], env);
    await waitFor(async () => (await faulty.redis.exists(faulty.keys.watermark)) === 1, {
      timeoutMs: 60_000,
      intervalMs: 20,
      what: 'the first consumer to apply something',
    });
    first.kill('SIGKILL');
    expect(await exited(first)).toBe('SIGKILL');
    const { consumerGroup, ordersTopic } = faulty.config.kafka;
    const lagAtKill = await consumerLag(faulty.admin, consumerGroup, ordersTopic);
    expect(lagAtKill).toBeGreaterThan(0); // it really died mid-stream

    const second = spawnCli(['consume'], env);
    await caughtUp(faulty.admin, faulty.config);
    second.kill('SIGTERM');
    expect(await exited(second), second.output()).toBe(0);

    const actual = await redisState(faulty.redis, faulty.config);
    expect(actual.size).toBe(expected.size);
    const differing = [...expected.keys()].filter((k) => actual.get(k) !== expected.get(k));
    expect(differing.slice(0, 10)).toEqual([]);
  }, 300_000);
});
