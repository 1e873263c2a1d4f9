// The service (`insiders run`, a process of its own) SIGKILLed at random points of a replay and
// restarted each time must end with the Redis state and ClickHouse views of an uninterrupted run.
//
// What makes the two runs comparable: placing a customer depends on the service's "now" (the
// watermark) at that moment, and while events stream in over several partitions that moment
// depends on how the partitions interleave, which no two runs share. So both runs go through the
// same two phases, each deterministic on its own: (1) the replay is consumed with no model yet
// (long refit and sweep intervals), killed at random points; (2) once everything is consumed, the
// first sweep turn fits model version 1 (fixed k, seeded, on every customer in id order) and the
// sweep places every customer at the final watermark, recording and publishing every change —
// killed at a random point of that too; (3) time passes: one guest order months later moves the
// watermark, and the next sweep places the customers that came due — killed part-way through that
// due pass, once it has begun writing. What a kill may not change: any customer hash, field by
// field; the watermark and guest counts; the model; every current_customers row (segment and
// features) and every segment_changes_dedup row. Left out: lease tokens and fencing counters
// (they count lease acquisitions, which restarts add to), and current_customers' updated_at and
// version (the wall-clock time of the write).
//
// FAULT_SEED=<n> repeats a run's kill targets (the share of what is left after which each kill
// comes while consuming, and the delay of the kill while placing); the seed is printed. Where a
// kill lands exactly still depends on batch sizes and timing.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.js';
import { consumerLag } from '../../src/consumers/lag.js';
import { createRng } from '../../src/model/rng.js';
import { exited, spawnCli } from '../support/cli.js';
import { replayDataSet } from '../support/pipeline.js';
import {
  clickhouseViews,
  differingKeys,
  redisState,
  serviceEnv,
  spawnService,
  type ServiceChild,
} from '../support/service-process.js';
import { usePipeline } from '../support/use-pipeline.js';
import { waitFor } from '../support/wait.js';

const LIMIT = 9000;
const CONSUME_KILLS = 2;
const DAY_MS = 86_400_000;

const faultSettings = {
  ORDERS_PARTITIONS: '3',
  MODEL_K: '4',
  REFIT_INTERVAL_MS: String(DAY_MS),
  SWEEP_INTERVAL_MS: String(DAY_MS),
  // Twice a restarted service waits out the shard leases of the process killed while placing.
  // 10 s is still several times a refit's fit of these customers (about 1 s) on a loaded machine,
  // and a sweep renews a shard's lease after every page of 500 customers.
  LEASE_TTL_MS: '10000',
};

/**
 * A guest's order on 2012-03-01, after the data set ends (December 2011): it changes no
 * customer and moves the service's "now", so customers' recency grows and some come due.
 */
const LATER_GUEST_ORDER =
  'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n' +
  '900001,85123A,WHITE HANGING HEART T-LIGHT HOLDER,1,3/1/2012 10:00,2.55,,United Kingdom\n';
const LATER_MS = Date.parse('2012-03-01T10:00:00Z');

async function publishLaterGuestOrder(config: Config): Promise<void> {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'insiders-kill-')), 'later.csv');
  writeFileSync(file, LATER_GUEST_ORDER);
  const child = spawnCli(['replay', file, '--topic', config.kafka.ordersTopic], {
    KAFKA_BROKERS: config.kafka.brokers.join(','),
    ORDERS_PARTITIONS: String(config.kafka.ordersPartitions),
    LOG_LEVEL: 'warn',
  });
  expect(await exited(child), child.output()).toBe(0);
}

const seed = process.env.FAULT_SEED === undefined ? Date.now() % 1_000_000 : Number(process.env.FAULT_SEED);

describe('the service SIGKILLed at random points of a replay', () => {
  const cleanPipeline = usePipeline(faultSettings);
  const faultyPipeline = usePipeline(faultSettings);
  const clean = cleanPipeline.config;
  const faulty = faultyPipeline.config;
  const running: ServiceChild[] = [];

  beforeAll(async () => {
    await Promise.all([replayDataSet(clean, { limit: LIMIT }), replayDataSet(faulty, { limit: LIMIT })]);
  });

  afterAll(() => {
    for (const p of running) p.kill('SIGKILL');
  });

  const lag = () => consumerLag(faultyPipeline.admin, faulty.kafka.consumerGroup, faulty.kafka.ordersTopic);
  const start = (env: Record<string, string>) => {
    const p = spawnService(env);
    running.push(p);
    return p;
  };

  it('ends with the Redis state and ClickHouse views of an uninterrupted run', async () => {
    console.log(`service-kill: FAULT_SEED=${seed}`);
    const rng = createRng(seed);

    // The uninterrupted run, in process: the same two phases. Its prefix, topics and database are
    // its own, so phase 1 below runs beside it; phases 2 and 3 time their kills by its lengths.
    const uninterrupted = async () => {
      const service = await cleanPipeline.startService();
      await cleanPipeline.caughtUp();
      const refitStarted = performance.now();
      const fitted = await service.refitNow();
      expect(fitted.kind).toBe('fitted');
      // What follows "refit done": the model run's rows, then the sweep. The kill lands in there.
      const afterFitMs = performance.now() - refitStarted - (fitted.kind === 'fitted' ? fitted.ms : 0);
      await publishLaterGuestOrder(clean);
      await cleanPipeline.caughtUp();
      const duePass = await service.sweepNow();
      expect(duePass.kind === 'swept' && duePass.due).toBeGreaterThan(50);
      const duePassMs = duePass.kind === 'swept' ? duePass.ms : 0;
      await service.close();
      const expectedRedis = await redisState(cleanPipeline.redis, clean);
      const expectedViews = await clickhouseViews(clean.clickhouse);
      expect(expectedRedis.size).toBeGreaterThan(1000);
      expect(expectedViews.changes.size).toBeGreaterThan(1000);
      return { afterFitMs, duePassMs, expectedRedis, expectedViews };
    };

    // Phase 1: consuming, killed after a random share (10-70 %) of what is left each time: a batch
    // can hold hundreds of messages, so the kill must come well before the end to land mid-stream.
    const env = serviceEnv(faulty);
    const consumedWithKills = async () => {
      for (let i = 0; i < CONSUME_KILLS; i++) {
        const left = await lag();
        const killAfter = Math.max(1, Math.round(left * (0.1 + 0.6 * rng())));
        const p = start(env);
        await waitFor(() => p.messagesHandled() >= killAfter, {
          timeoutMs: 180_000,
          intervalMs: 5,
          what: `the service to handle ${killAfter} messages`,
        });
        p.kill('SIGKILL');
        expect(await p.exited()).toBe('SIGKILL');
        console.log(`service-kill: killed while consuming, after ${p.messagesHandled()} of ${left} messages`);
        expect(await lag()).toBeGreaterThan(0); // it died mid-stream
      }
      const consumer = start(env);
      await faultyPipeline.caughtUp();
      consumer.kill('SIGTERM');
      expect(await consumer.exited(), consumer.output().slice(-2000)).toBe(0);
    };
    const [{ afterFitMs, duePassMs, expectedRedis, expectedViews }] = await Promise.all([
      uninterrupted(),
      consumedWithKills(),
    ]);

    // Phase 2: the first sweep turn refits and sweeps; killed at a random point of that.
    const envPlacing = serviceEnv(faulty, { SWEEP_INTERVAL_MS: '1000' });
    const placing = start(envPlacing);
    await placing.waitForLog('refit done');
    await new Promise((resolve) => setTimeout(resolve, rng() * afterFitMs));
    placing.kill('SIGKILL');
    expect(await placing.exited()).toBe('SIGKILL');
    const sweepLogged = placing.logs().some((l) => l.msg === 'sweep done');
    console.log(`service-kill: killed while placing (${sweepLogged ? 'after' : 'before'} the sweep finished)`);

    // Restarted, it finds the model and the shard leases the dead process held; once they expire, a
    // sweep that held every shard places whoever is left and publishes the changes the kill left pending.
    const last = start(envPlacing);
    await last.waitForLog('sweep done', { timeoutMs: 180_000, match: (l) => l.busyShards === 0 });
    last.kill('SIGTERM');
    expect(await last.exited(), last.output().slice(-2000)).toBe(0);

    // Phase 3: time passes; the due pass is killed once it has begun writing (customers due at
    // the new "now" are fewer than when the watermark moved), after a random part of its length.
    const { keys, redis } = faultyPipeline;
    const dueNow = async () => {
      let n = 0;
      for (let shard = 0; shard < keys.shards; shard++)
        n += await redis.zcount(keys.shard(shard).due, '-inf', LATER_MS);
      return n;
    };
    await publishLaterGuestOrder(faulty);
    const passing = start(envPlacing);
    await waitFor(async () => Number(await redis.get(keys.watermark)) === LATER_MS, {
      timeoutMs: 120_000,
      intervalMs: 5,
      what: 'the later guest order to move the watermark',
    });
    const dueAtFirst = await dueNow();
    expect(dueAtFirst).toBeGreaterThan(50);
    await waitFor(async () => (await dueNow()) < dueAtFirst, {
      timeoutMs: 120_000,
      intervalMs: 2,
      what: 'the due pass to begin',
    });
    await new Promise((resolve) => setTimeout(resolve, rng() * duePassMs));
    passing.kill('SIGKILL');
    expect(await passing.exited()).toBe('SIGKILL');
    console.log(`service-kill: killed in the due pass with ${await dueNow()} of ${dueAtFirst} customers still due`);
    const after = start(envPlacing);
    await after.waitForLog('sweep done', { timeoutMs: 180_000, match: (l) => l.busyShards === 0 });
    after.kill('SIGTERM');
    expect(await after.exited(), after.output().slice(-2000)).toBe(0);
    expect(await dueNow()).toBe(0);

    const actualRedis = await redisState(redis, faulty);
    expect(differingKeys(expectedRedis, actualRedis)).toEqual([]);
    const actualViews = await clickhouseViews(faulty.clickhouse);
    expect(actualViews.changeRows).toBe(actualViews.changes.size);
    expect(differingKeys(expectedViews.customers, actualViews.customers)).toEqual([]);
    expect(differingKeys(expectedViews.changes, actualViews.changes)).toEqual([]);
  }, 480_000);
});
