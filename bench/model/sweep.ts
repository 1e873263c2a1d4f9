// The service's refit and sweep over real Redis, beside scikit-learn on the same customers in the
// same run. Fills Redis (a key prefix of its own, removed afterwards) with the synthetic customers of
// bench/ingest/synthetic-data.ts through the state script, as the consumer would; then times
//   refit        src/segmentation/refit.ts: a seeded sample of at most REFIT_SAMPLE_SIZE customers
//                read from Redis, a cold fit at fixed k, the model stored and announced
//   sweep        src/segmentation/sweep.ts: every customer placed again; the first sweep gives every
//                customer a segment (one change each, published to a change topic of its own)
//   sweep again  the same with nothing to change
//   warm refit   a second refit, warm-started from the first
// with, for both refits, the time of the same fitModel call on the same sample in process (the
// model's share; the rest is reading the customers from Redis),
// and scikit-learn's MiniBatchKMeans and full KMeans on the refit's sample (the same scaled
// matrix). One JSON line per size.
//
// npx tsx bench/model/sweep.ts [--sizes 100000] [--orders 2] [--k 8] [--sample 200000]
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { acceptEvent, EARLIEST_EVENT_MS, MAX_FUTURE_MS } from '../../src/events/decode.js';
import { classify, defaultRules } from '../../src/features/filters.js';
import { createKafka, createProducer } from '../../src/infra/kafka.js';
import { createRedis } from '../../src/infra/redis.js';
import { silentLogger } from '../../src/log.js';
import { fitModel, isEligible } from '../../src/model/model.js';
import { applyScaler, featureMatrix } from '../../src/model/prepare.js';
import { SegmentAssigner } from '../../src/segmentation/assigner.js';
import { KafkaChangeSink } from '../../src/segmentation/change-publisher.js';
import { ModelStore } from '../../src/segmentation/model-store.js';
import { refit } from '../../src/segmentation/refit.js';
import { sweep } from '../../src/segmentation/sweep.js';
import { StateStore, type StateChange } from '../../src/state/state-store.js';
import { benchConfig, note, uniqueName, unlinkPrefix } from '../ingest/lib.js';
import { SyntheticOrders } from '../ingest/synthetic-data.js';
import { startSklearn, writeMatrix } from './sklearn-client.js';

function flag(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && process.argv[at + 1] !== undefined ? process.argv[at + 1]! : fallback;
}

const sizes = flag('sizes', '100000').split(',').map(Number);
const ordersPerCustomer = Number(flag('orders', '2'));
const k = Number(flag('k', '8'));
const sampleSize = Number(flag('sample', '200000'));
const outDir = flag('out', 'bench/results');
const round = (value: number, digits = 1): number => Math.round(value * 10 ** digits) / 10 ** digits;
const LEASE_TTL_MS = 120_000;

mkdirSync(outDir, { recursive: true });
const sklearn = await startSklearn({ python: flag('python', '/usr/bin/python3'), dir: outDir, threads: '1' });
for (const n of sizes) {
  const prefix = uniqueName('benchsweep');
  const topic = uniqueName('bench.changes');
  const config = benchConfig({ REDIS_KEY_PREFIX: prefix });
  const redis = createRedis(config.redis);
  await redis.connect();
  const kafka = createKafka(config.kafka, silentLogger);
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 3 }] });
  const producer = createProducer(kafka);
  await producer.connect();
  try {
    const store = await StateStore.open(redis, { keyPrefix: prefix, windowDays: config.state.windowDays });
    note(`filling ${n} customers under ${prefix}`);
    const fillStarted = performance.now();
    const data = new SyntheticOrders({ customers: n, orders: n * ordersPerCustomer, seed: 7 });
    let batch: StateChange[] = [];
    let latest = 0;
    for (const input of data.events()) {
      const decoded = acceptEvent(input, {
        currency: config.events.currency,
        earliestMs: EARLIEST_EVENT_MS,
        maxFutureMs: MAX_FUTURE_MS,
        wallClockMs: Date.now(),
      });
      if (!decoded.ok) continue;
      const c = classify(decoded.event, defaultRules);
      latest = Math.max(latest, decoded.event.occurredAtMs);
      if (c.kind === 'customer') batch.push({ event: decoded.event, customerId: c.customerId, lines: c.lines });
      if (batch.length >= 2000) {
        await store.applyBatch(batch, latest);
        batch = [];
      }
    }
    await store.applyBatch(batch, latest);
    const fillMs = performance.now() - fillStarted;

    const models = new ModelStore(redis, store.keys);
    const now = () => store.now('watermark');
    const refitOptions = { sampleSize, windowDays: config.state.windowDays, leaseTtlMs: LEASE_TTL_MS, now, fit: { k } };
    const first = await refit(redis, store, models, refitOptions);
    if (first.kind !== 'fitted') throw new Error(`refit: ${first.kind}`);
    const assigner = new SegmentAssigner(
      redis,
      store.keys,
      new KafkaChangeSink(producer, topic),
      config.state.windowDays,
    );
    assigner.useModel(first.model);
    const swept = await sweep(redis, store, assigner, { leaseTtlMs: LEASE_TTL_MS, now });
    const again = await sweep(redis, store, assigner, { leaseTtlMs: LEASE_TTL_MS, now });
    const warm = await refit(redis, store, models, refitOptions);
    if (swept.kind !== 'swept' || again.kind !== 'swept' || warm.kind !== 'fitted')
      throw new Error('sweep or refit skipped');

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
        fillS: round(fillMs / 1000),
        refit: {
          ms: round(first.ms),
          fitModelMs: round(coldFitMs),
          sampled: first.sampled,
          inertia: round(first.model.inertia, 3),
        },
        sweep: { ms: round(swept.ms), customers: swept.customers, changes: swept.changes },
        sweepAgain: { ms: round(again.ms), customers: again.customers, changes: again.changes },
        warmRefit: { ms: round(warm.ms), fitModelMs: round(warmFitMs), inertia: round(warm.model.inertia, 3) },
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
  } finally {
    note(`removed ${await unlinkPrefix(redis, prefix)} keys`);
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await producer.disconnect();
    await admin.disconnect();
    await redis.quit();
  }
}
sklearn.close();
