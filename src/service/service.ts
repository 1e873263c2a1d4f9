// The service: the order consumer (events -> state -> immediate placement), the refit job and the
// sweep on their schedules, all in one process. Refit and sweep are singletons across instances
// (Redis leases), so running several processes scales the consumers out over the partitions.
import type { Config } from '../config.js';
import { OrderConsumer } from '../consumers/order-consumer.js';
import { defaultRules } from '../features/filters.js';
import { createKafka, createProducer, ensureTopics } from '../infra/kafka.js';
import { createClickHouse } from '../infra/clickhouse.js';
import { createRedis } from '../infra/redis.js';
import type { Logger } from '../log.js';
import { SegmentAssigner } from '../segmentation/assigner.js';
import { KafkaChangeSink } from '../segmentation/change-publisher.js';
import { placeCustomers } from '../model/model.js';
import { segmentProfiles } from '../model/profiles.js';
import { ClickHouseSink, FanOutChangeSink } from '../sinks/clickhouse-sink.js';
import { migrate } from '../sinks/migrate.js';
import { ModelStore } from '../segmentation/model-store.js';
import { refit, type RefitOutcome } from '../segmentation/refit.js';
import { scheduleJob } from './schedule.js';
import { sweep, type SweepOutcome } from '../segmentation/sweep.js';
import { StateStore } from '../state/state-store.js';

export interface Service {
  /** Runs a refit now (then a sweep when it fitted); resolves with what happened. */
  refitNow(): Promise<RefitOutcome>;
  sweepNow(): Promise<SweepOutcome>;
  readonly consumer: OrderConsumer;
  readonly assigner: SegmentAssigner;
  readonly results: ClickHouseSink;
  /** Stops the schedules, finishes running jobs, stops consuming, disconnects. Idempotent. */
  close(): Promise<void>;
}

const LEASE_TTL_MS = 60_000;

export async function startService(config: Config, logger: Logger): Promise<Service> {
  const log = logger.child({ component: 'service' });
  const kafka = createKafka(config.kafka, logger);
  const redis = createRedis(config.redis);
  const subscriber = createRedis(config.redis);
  await Promise.all([redis.connect(), subscriber.connect()]);
  const store = await StateStore.open(redis, {
    keyPrefix: config.redis.keyPrefix,
    windowDays: config.state.windowDays,
  });
  const models = new ModelStore(redis, store.keys);

  const admin = kafka.admin();
  await admin.connect();
  try {
    await ensureTopics(admin, [{ topic: config.model.changesTopic, numPartitions: config.kafka.ordersPartitions }]);
  } finally {
    await admin.disconnect();
  }
  const server = createClickHouse(config.clickhouse, 'default');
  const applied = await migrate(server, config.clickhouse.database).finally(() => server.close());
  if (applied.applied.length > 0) log.info({ applied: applied.applied }, 'clickhouse migrations applied');
  const clickhouse = createClickHouse(config.clickhouse);
  const results = new ClickHouseSink(clickhouse, logger);
  const changeProducer = createProducer(kafka);
  await changeProducer.connect();
  const assigner = new SegmentAssigner(
    redis,
    store.keys,
    new FanOutChangeSink([new KafkaChangeSink(changeProducer, config.model.changesTopic), results]),
    config.state.windowDays,
    results,
  );
  const stopWatching = await models.watch(subscriber, (model) => {
    assigner.useModel(model);
    log.info({ version: model.version, k: model.k, silhouette: model.silhouette }, 'model loaded');
  });

  const consumer = new OrderConsumer({
    kafka,
    store,
    config,
    rules: defaultRules,
    logger,
    assigner,
    clock: config.state.clock,
  });
  await consumer.start();

  const now = () => store.now(config.state.clock);
  let running: Promise<unknown> = Promise.resolve();
  /** Jobs run one at a time in this process; the leases keep them single across processes. */
  const exclusive = <T>(job: () => Promise<T>): Promise<T> => {
    const next = running.then(job, job);
    running = next.catch(() => undefined);
    return next;
  };

  const sweepNow = () =>
    exclusive(async () => {
      const outcome = await sweep(redis, store, assigner, { leaseTtlMs: LEASE_TTL_MS, now });
      if (outcome.kind === 'swept') log.info({ ...outcome, ms: Math.round(outcome.ms) }, 'sweep done');
      return outcome;
    });

  const refitNow = async (): Promise<RefitOutcome> => {
    const outcome = await exclusive(() =>
      refit(redis, store, models, {
        sampleSize: config.model.refitSampleSize,
        windowDays: config.state.windowDays,
        leaseTtlMs: LEASE_TTL_MS,
        now,
        fit: {
          scaler: config.model.scaler,
          kRange: config.model.kRange,
          ...(config.model.k === undefined ? {} : { k: config.model.k }),
        },
      }),
    );
    if (outcome.kind === 'fitted') {
      const m = outcome.model;
      assigner.useModel(m);
      log.info(
        { version: m.version, k: m.k, silhouette: m.silhouette, sampled: outcome.sampled, ms: Math.round(outcome.ms) },
        'refit done',
      );
      const placements = placeCustomers(m, outcome.sample);
      await results.writeModel(m, outcome.ms, segmentProfiles(m, outcome.sample, placements));
      await sweepNow();
    } else {
      log.info({ outcome: outcome.kind }, 'refit skipped');
    }
    return outcome;
  };

  const timers = [
    scheduleJob('refit', config.model.refitIntervalMs, refitNow, log),
    // Until a first model exists, the sweep's turn tries a refit instead.
    scheduleJob('sweep', config.model.sweepIntervalMs, () => (assigner.currentModel ? sweepNow() : refitNow()), log),
  ];

  let closing: Promise<void> | undefined;
  return {
    refitNow,
    sweepNow,
    consumer,
    assigner,
    results,
    close() {
      closing ??= (async () => {
        for (const t of timers) clearInterval(t);
        const steps: [string, () => Promise<unknown>][] = [
          ['jobs', () => running],
          ['consumer', () => consumer.close()],
          ['clickhouse sink', () => results.close()],
          ['clickhouse', () => clickhouse.close()],
          ['change producer', () => changeProducer.disconnect()],
          ['model watch', () => stopWatching()],
          ['redis', () => redis.quit()],
          ['redis subscriber', () => subscriber.quit()],
        ];
        for (const [name, step] of steps) {
          try {
            await step();
          } catch (err) {
            log.warn({ err, step: name }, 'shutdown step failed');
          }
        }
      })();
      return closing;
    },
  };
}
