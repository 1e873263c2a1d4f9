// The service's refit and placement passes over real Redis, beside scikit-learn on the same
// customers in the same run. Fills Redis (a key prefix of its own, removed afterwards) with the
// synthetic customers of bench/ingest/synthetic-data.ts through the state script, as the consumer
// would; then times
//   refit         src/segmentation/refit.ts: a sample of at most REFIT_SAMPLE_SIZE customers read
//                 from the shards' due indexes (not every customer), a cold fit at fixed k, the
//                 model stored and announced
//   placement     src/segmentation/sweep.ts after the refit: every customer placed under the new
//                 version, with their due time (one change each, published to a change topic of
//                 its own)
//   tick (1 %)    a pass with 1 % of customers due (chosen at random, their due time set to "now")
//   tick (none)   a pass with nothing due
//   warm refit    a second refit, warm-started from the first
//   placement after the warm refit   everyone placed again under it (few changes: the usual case)
// with, for both refits, the time of the same fitModel call on the same sample in process (the
// model's share; the rest is reading the sample from Redis), the due index's memory per customer
// (MEMORY USAGE of every shard's index), and scikit-learn's MiniBatchKMeans and full KMeans on the
// refit's sample (the same scaled matrix); for each timed step the CPU it cost this process and
// Redis (INFO cpu: on a Redis shared with other clients, theirs too), this process's peak RSS and
// V8 heap in use during it (sampled every 100 ms), and for the placements Redis's time per command
// (INFO commandstats). One JSON line per size.
//
// npx tsx bench/model/sweep.ts [--sizes 100000] [--orders 5] [--k 8] [--sample 200000] [--shards 6]
//   [--parallel-shards 2]   shards a pass works on at once
//   [--own-redis]           a private redis-server instead of the stack's, so that its CPU is this
//                           benchmark's alone
import { mkdirSync } from 'node:fs';
import type { Redis } from 'ioredis';
import path from 'node:path';
import { fitModel, isEligible } from '../../src/model/model.js';
import { applyScaler, featureMatrix } from '../../src/model/prepare.js';
import { SegmentAssigner } from '../../src/segmentation/assigner.js';
import { KafkaChangeSink } from '../../src/segmentation/change-publisher.js';
import { ModelStore } from '../../src/state/model-store.js';
import { refit } from '../../src/segmentation/refit.js';
import { sweep } from '../../src/segmentation/sweep.js';
import type { StateStore } from '../../src/state/state-store.js';
import {
  benchConfig,
  commandStats,
  diffCommandStats,
  flag,
  note,
  redisCpuSeconds,
  startOwnRedis,
  uniqueName,
} from '../ingest/lib.js';
import { fillSyntheticState, withBenchState } from './fill-state.js';
import { startSklearn, writeMatrix } from './sklearn-client.js';

const sizes = flag('sizes', '100000').split(',').map(Number);
const ordersPerCustomer = Number(flag('orders', '5'));
const shards = flag('shards', '6');
const k = Number(flag('k', '8'));
const sampleSize = Number(flag('sample', '200000'));
const parallelShards = Number(flag('parallel-shards', '2'));
const outDir = flag('out', 'bench/results');
const round = (value: number, digits = 1): number => Math.round(value * 10 ** digits) / 10 ** digits;
const LEASE_TTL_MS = 120_000;

/** Bytes of every shard's due index (MEMORY USAGE, every element counted). */
async function dueIndexBytes(redis: Redis, store: StateStore): Promise<number> {
  let bytes = 0;
  for (let shard = 0; shard < store.keys.shards; shard++) {
    bytes += Number(await redis.call('MEMORY', 'USAGE', store.keys.shard(shard).due, 'SAMPLES', '0'));
  }
  return bytes;
}

/**
 * Runs a step and notes the CPU it cost this process and Redis (INFO cpu: Redis's whole CPU in
 * the meantime, so other clients of the same Redis count too), in ms.
 */
async function costOf<T>(
  redis: Redis,
  step: () => Promise<T>,
): Promise<{
  result: T;
  nodeCpuMs: number;
  redisCpuMs: number;
  commands: Record<string, number>;
  rssMaxMb: number;
  heapUsedMaxMb: number;
}> {
  const commands0 = await commandStats(redis);
  const redis0 = await redisCpuSeconds(redis);
  // this process's memory during the step, sampled every 100 ms (and at its end)
  let rssMax = 0;
  let heapUsedMax = 0;
  const sampleMemory = () => {
    const { rss, heapUsed } = process.memoryUsage();
    rssMax = Math.max(rssMax, rss);
    heapUsedMax = Math.max(heapUsedMax, heapUsed);
  };
  const memorySampler = setInterval(sampleMemory, 100);
  const node0 = process.cpuUsage();
  const result = await step();
  const node = process.cpuUsage(node0);
  clearInterval(memorySampler);
  sampleMemory();
  const redisCpuMs = ((await redisCpuSeconds(redis)) - redis0) * 1000;
  // Redis's own time per command, ms (INFO commandstats; a script's time includes the commands it
  // calls, which are also counted under their own names)
  const commands: Record<string, number> = {};
  for (const [name, { usec }] of Object.entries(diffCommandStats(commands0, await commandStats(redis)))) {
    if (usec >= 10_000) commands[name] = round(usec / 1000);
  }
  return {
    result,
    nodeCpuMs: round((node.user + node.system) / 1000),
    redisCpuMs: round(redisCpuMs),
    commands,
    rssMaxMb: Math.round(rssMax / 2 ** 20),
    heapUsedMaxMb: Math.round(heapUsedMax / 2 ** 20),
  };
}

mkdirSync(outDir, { recursive: true });
const ownRedis = process.argv.includes('--own-redis') ? await startOwnRedis(false) : undefined;
const sklearn = await startSklearn({ python: flag('python', '/usr/bin/python3'), dir: outDir, threads: '1' });
for (const n of sizes) {
  const prefix = uniqueName('benchsweep');
  const topic = uniqueName('bench.changes');
  const config = benchConfig({
    REDIS_KEY_PREFIX: prefix,
    STATE_SHARDS: shards,
    ...(ownRedis === undefined ? {} : { REDIS_URL: ownRedis.url }),
  });
  await withBenchState(config, topic, async ({ redis, store, producer }) => {
    note(`filling ${n} customers under ${prefix}`);
    const usedMemory = async () => Number(/^used_memory:(\d+)/m.exec(await redis.info('memory'))?.[1]);
    const memoryBefore = await usedMemory();
    const fillStarted = performance.now();
    await fillSyntheticState(store, config, n, ordersPerCustomer);
    const fillMs = performance.now() - fillStarted;
    const stateBytes = (await usedMemory()) - memoryBefore;

    const models = new ModelStore(redis, store.keys);
    const now = () => store.now('watermark');
    const refitOptions = { sampleSize, windowDays: config.state.windowDays, leaseTtlMs: LEASE_TTL_MS, now, fit: { k } };
    const firstCost = await costOf(redis, () => refit(redis, store, models, refitOptions));
    const first = firstCost.result;
    if (first.kind !== 'fitted') throw new Error(`refit: ${first.kind}`);
    const assigner = new SegmentAssigner(store, new KafkaChangeSink(producer, topic), config.state.windowDays);
    assigner.useModel(first.model);
    const passOptions = { leaseTtlMs: LEASE_TTL_MS, now, batchSize: 1000, parallelShards };
    const placedCost = await costOf(redis, () => sweep(redis, store, assigner, passOptions));
    const placed = placedCost.result;
    const dueBytes = await dueIndexBytes(redis, store);
    // 1 % of the customers come due: their due time set to "now", as time passing would.
    const nowMs = await now();
    let madeDue = 0;
    for (let shard = 0; shard < store.keys.shards; shard++) {
      const keys = store.keys.shard(shard);
      const ids = await redis.zrandmember(keys.due, Math.round((await redis.zcard(keys.due)) / 100));
      const pipeline = redis.pipeline();
      for (const id of ids) pipeline.zadd(keys.due, nowMs, id);
      await pipeline.exec();
      madeDue += ids.length;
    }
    const tickCost = await costOf(redis, () => sweep(redis, store, assigner, passOptions));
    const tick = tickCost.result;
    const idle = await sweep(redis, store, assigner, passOptions);
    const warmCost = await costOf(redis, () => refit(redis, store, models, refitOptions));
    const warm = warmCost.result;
    if (warm.kind !== 'fitted') throw new Error(`warm refit: ${warm.kind}`);
    // The usual placement after a refit: everyone placed under the warm-started version, which
    // keeps almost every customer where they were (few changes to record and publish).
    assigner.useModel(warm.model);
    const warmPlacedCost = await costOf(redis, () => sweep(redis, store, assigner, passOptions));
    const warmPlaced = warmPlacedCost.result;
    if (placed.kind !== 'swept' || tick.kind !== 'swept' || idle.kind !== 'swept' || warmPlaced.kind !== 'swept')
      throw new Error('a pass was skipped');

    // The model's share of a refit: the same fits on the same sample, in process.
    let started = performance.now();
    fitModel(first.sample, { seed: first.model.seed, k });
    const coldFitMs = performance.now() - started;
    started = performance.now();
    fitModel(first.sample, { seed: warm.model.seed, k }, first.model);
    const warmFitMs = performance.now() - started;

    // scikit-learn on the first refit's sample, scaled by the model's own scaler.
    const sample = first.sample.filter(isEligible);
    const x = applyScaler(featureMatrix(sample, first.model.scaler.features), first.model.scaler);
    const file = `sweep-sample-${n}.f64`;
    writeMatrix(path.join(outDir, file), x);
    const mbk = await sklearn.ask({ op: 'fit', n: x.rows, k, seed: 1, data: file });
    const full = await sklearn.ask({ op: 'kmeans-full', n: x.rows, k, seed: 1, data: file });
    process.stdout.write(
      `${JSON.stringify({
        customers: n,
        parallelShards,
        fillS: round(fillMs / 1000),
        refit: {
          ms: round(first.ms),
          fitModelMs: round(coldFitMs),
          sampled: first.sampled,
          inertia: round(first.model.inertia, 3),
          nodeCpuMs: firstCost.nodeCpuMs,
          redisCpuMs: firstCost.redisCpuMs,
          rssMaxMb: firstCost.rssMaxMb,
          heapUsedMaxMb: firstCost.heapUsedMaxMb,
        },
        placement: {
          ms: round(placed.ms),
          customers: placed.placedForModel,
          changes: placed.changes,
          nodeCpuMs: placedCost.nodeCpuMs,
          redisCpuMs: placedCost.redisCpuMs,
          rssMaxMb: placedCost.rssMaxMb,
          heapUsedMaxMb: placedCost.heapUsedMaxMb,
          redisCommandMs: placedCost.commands,
        },
        dueIndexBytesPerCustomer: round(dueBytes / n),
        // used_memory grown by the fill, per customer: both hashes, the due index, Redis's overhead
        stateBytesPerCustomer: round(stateBytes / n),
        tick1pc: {
          ms: round(tick.ms),
          madeDue,
          placed: tick.due,
          changes: tick.changes,
          nodeCpuMs: tickCost.nodeCpuMs,
          redisCpuMs: tickCost.redisCpuMs,
          rssMaxMb: tickCost.rssMaxMb,
          heapUsedMaxMb: tickCost.heapUsedMaxMb,
        },
        tickIdle: { ms: round(idle.ms), placed: idle.due },
        warmRefit: {
          ms: round(warm.ms),
          fitModelMs: round(warmFitMs),
          inertia: round(warm.model.inertia, 3),
          nodeCpuMs: warmCost.nodeCpuMs,
          redisCpuMs: warmCost.redisCpuMs,
          rssMaxMb: warmCost.rssMaxMb,
          heapUsedMaxMb: warmCost.heapUsedMaxMb,
        },
        placementAfterWarmRefit: {
          ms: round(warmPlaced.ms),
          customers: warmPlaced.placedForModel,
          changes: warmPlaced.changes,
          nodeCpuMs: warmPlacedCost.nodeCpuMs,
          redisCpuMs: warmPlacedCost.redisCpuMs,
          rssMaxMb: warmPlacedCost.rssMaxMb,
          heapUsedMaxMb: warmPlacedCost.heapUsedMaxMb,
          redisCommandMs: warmPlacedCost.commands,
        },
        sklearn: {
          ...sklearn.info,
          onSampleOf: x.rows,
          miniBatchKMeansMs: round(mbk.ms),
          miniBatchKMeansInertia: round(mbk.inertia, 3),
          kmeansMs: round(full.ms),
          kmeansInertia: round(full.inertia, 3),
        },
      })}\n`,
    );
  });
}
sklearn.close();
await ownRedis?.stop();
