// The service: the order consumer (events -> state -> immediate placement), the refit job and the
// sweep on their schedules, and the HTTP API, in one process — each role selectable (roles.ts).
// Refit and sweep are singletons across instances (Redis leases), so running several processes
// scales the consumers out over the partitions.
import type { Config } from '../config.js';
import type { InsidersError } from '../errors.js';
import { consumerLagByPartition } from '../consumers/lag.js';
import { OrderConsumer, stalledPartitions } from '../consumers/order-consumer.js';
import { defaultRules } from '../features/filters.js';
import { computeFeatures } from '../features/features.js';
import { createHttpServer, type HttpServer, type ReadinessCheck, type RefitReply } from '../http/server.js';
import type { Logger } from '../log.js';
import { ServiceMetrics } from '../metrics/metrics.js';
import { SegmentAssigner } from '../segmentation/assigner.js';
import { KafkaChangeSink } from '../segmentation/change-publisher.js';
import { customerView, type CustomerView } from '../segmentation/customer-view.js';
import { placeCustomers } from '../model/model.js';
import { segmentProfiles } from '../model/profiles.js';
import { INSIDERS_RULES } from '../model/segments.js';
import { FanOutChangeSink, type ClickHouseSink } from '../sinks/clickhouse-sink.js';
import { recentChanges } from '../sinks/recent-changes.js';
import { ModelStore } from '../state/model-store.js';
import { refit, type RefitOutcome } from '../segmentation/refit.js';
import { serviceReport } from '../report/service-report.js';
import { scheduleJob } from './schedule.js';
import { sweep, type SweepOutcome } from '../segmentation/sweep.js';
import { openClients, serviceTopics } from './clients.js';
import { allRoles, describeRoles, type Roles } from './roles.js';

export interface ServiceOptions {
  /** what this process does; all roles by default */
  readonly roles?: Roles;
  /** serve the HTTP API on config.http.port */
  readonly http?: boolean;
}

export interface Service {
  /** Runs a refit now (then a sweep when it fitted); resolves with what happened. */
  refitNow(): Promise<RefitOutcome>;
  sweepNow(): Promise<SweepOutcome>;
  /** a customer's features, segment, explanation and recent changes; undefined when unknown */
  customer(customerId: string): Promise<CustomerView | undefined>;
  /** undefined without the consume role */
  readonly consumer: OrderConsumer | undefined;
  readonly assigner: SegmentAssigner;
  readonly results: ClickHouseSink;
  readonly metrics: ServiceMetrics;
  /** the port the HTTP API listens on; undefined without it */
  readonly httpPort: number | undefined;
  /**
   * Resolves with the cause as soon as a part the service cannot do without has failed for good
   * (the order consumer, given up on by kafkajs). By then the service has logged it as `fatal`,
   * fails readiness and is closing itself: close() resolves once that is done. Never settles
   * otherwise; never rejects. What becomes of the process is its owner's call (`insiders run`
   * exits with code 1).
   */
  readonly failed: Promise<InsidersError>;
  /**
   * Shuts down in order — stop the schedules and the HTTP listener, stop fetching, finish the
   * in-flight batches, flush the sinks, commit offsets, let running jobs finish and release their
   * leases, flush again, disconnect — running every step even if one fails. Idempotent.
   */
  close(): Promise<void>;
}

const READINESS_TIMEOUT_MS = 2_000;
const RECENT_CHANGES = 10;

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

async function check(name: string, probe: () => Promise<string | undefined>): Promise<ReadinessCheck> {
  try {
    const detail = await withTimeout(probe(), READINESS_TIMEOUT_MS);
    return detail === undefined ? { name, ok: true } : { name, ok: true, detail };
  } catch (err) {
    return { name, ok: false, detail: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * Starts the service. Should start-up fail part-way (a server unreachable), whatever it had
 * opened is closed again before the error is thrown, so the process can end.
 */
/** Median, 99th percentile and maximum of event-time lateness values, ms (0 for none). */
function latenessSummary(lateness: readonly number[]): {
  latenessP50Ms: number;
  latenessP99Ms: number;
  latenessMaxMs: number;
} {
  const sorted = Float64Array.from(lateness).sort();
  const at = (q: number) =>
    sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { latenessP50Ms: at(0.5), latenessP99Ms: at(0.99), latenessMaxMs: at(1) };
}

export async function startService(config: Config, logger: Logger, options: ServiceOptions = {}): Promise<Service> {
  const opened: (() => unknown)[] = [];
  try {
    return await start(config, logger, options, opened);
  } catch (err) {
    for (const undo of opened.reverse()) {
      try {
        await undo();
      } catch {
        // start-up already failed; that error is the one to report
      }
    }
    throw err;
  }
}

async function start(
  config: Config,
  logger: Logger,
  options: ServiceOptions,
  opened: (() => unknown)[],
): Promise<Service> {
  const roles = options.roles ?? allRoles;
  const log = logger.child({ component: 'service' });
  log.info({ roles: describeRoles(roles) }, 'starting');
  // The admin is kept connected: readiness and consumer lag use it.
  const clients = await openClients(
    config,
    logger,
    {
      state: true,
      subscriber: true,
      admin: true,
      topics: serviceTopics(config),
      producer: true,
      clickhouse: true,
    },
    log,
  );
  opened.push(() => clients.close());
  const { kafka, redis, subscriber, store, admin, clickhouse, results, producer: changeProducer } = clients;
  const models = new ModelStore(redis, store.keys);
  const metrics = new ServiceMetrics(
    {
      lag: () => consumerLagByPartition(admin, config.kafka.consumerGroup, config.kafka.ordersTopic),
      sinks: () => results.stats(),
      partitions: () => consumer?.partitionProgress() ?? [],
    },
    logger,
  );
  const assigner = new SegmentAssigner(
    store,
    new FanOutChangeSink([new KafkaChangeSink(changeProducer, config.model.changesTopic), results]),
    config.state.windowDays,
    results,
  );
  const stopWatching = await models.watch(
    subscriber,
    (model) => {
      assigner.useModel(model);
      metrics.modelInUse(assigner.currentModel ?? model);
      log.info({ version: model.version, k: model.k, silhouette: model.silhouette }, 'model loaded');
    },
    (err) => log.error({ err }, 'announced model could not be loaded'),
  );

  const consumer = roles.consume
    ? new OrderConsumer({
        kafka,
        store,
        config,
        rules: defaultRules,
        logger,
        assigner,
        clock: config.state.clock,
        beforeCommit: () => results.flush(),
        onBatch: (report) => metrics.batchApplied(report),
      })
    : undefined;
  if (consumer) opened.push(() => consumer.close());
  await consumer?.start();

  const now = () => store.now(config.state.clock);
  /** wall ms: change records left pending from before this start are published again at once */
  const startedAtMs = Date.now();
  let running: Promise<unknown> = Promise.resolve();
  /** Jobs run one at a time in this process; the leases keep them single across processes. */
  const exclusive = <T>(job: () => Promise<T>): Promise<T> => {
    const next = running.then(job, job);
    running = next.catch(() => undefined);
    return next;
  };

  // Refits and sweeps in progress, awaited at shutdown; none starts once it has begun.
  let stopping = false;
  const inProgress = new Set<Promise<unknown>>();
  const tracked = <T>(job: Promise<T>): Promise<T> => {
    inProgress.add(job);
    job.then(
      () => inProgress.delete(job),
      () => inProgress.delete(job),
    );
    return job;
  };

  const sweepOnce = () =>
    exclusive(async () => {
      const outcome = await sweep(redis, store, assigner, { leaseTtlMs: config.model.leaseTtlMs, now, startedAtMs });
      if (outcome.kind === 'swept') {
        const { dueRuns, ...counts } = outcome;
        const lateness = dueRuns.flatMap((run) => run.lateness);
        const model = assigner.currentModel;
        metrics.segmentSizes(
          [...(await store.segmentSizes())].map(([segmentId, customers]) => ({
            segmentId,
            customers,
            name: model?.segments.find((s) => s.id === segmentId)?.name ?? '',
            insider: segmentId === model?.insidersId,
          })),
        );
        metrics.lateness(lateness);
        // event-time lateness of the customers placed because they came due: median, 99th
        // percentile and maximum, over the pass and per run (a soak turns each run's into
        // wall-clock lateness with the watermark's history: [placed at, now, p50, p99, max, count])
        log.info(
          {
            ...counts,
            ms: Math.round(outcome.ms),
            ...latenessSummary(lateness),
            dueRuns: dueRuns.map((run) => {
              const l = latenessSummary(run.lateness);
              return [
                run.placedAtMs,
                run.nowMs,
                l.latenessP50Ms,
                l.latenessP99Ms,
                l.latenessMaxMs,
                run.lateness.length,
              ];
            }),
          },
          'sweep done',
        );
      }
      return outcome;
    });

  const sweepNow = (): Promise<SweepOutcome> => (stopping ? Promise.resolve({ kind: 'busy' }) : tracked(sweepOnce()));

  const refitOnce = async (): Promise<RefitOutcome> => {
    let outcome: RefitOutcome;
    try {
      outcome = await exclusive(() =>
        refit(redis, store, models, {
          sampleSize: config.model.refitSampleSize,
          windowDays: config.state.windowDays,
          leaseTtlMs: config.model.leaseTtlMs,
          now,
          fit: {
            scaler: config.model.scaler,
            kRange: config.model.kRange,
            insidersShareBand: config.model.insidersShareBand,
            rankRule: INSIDERS_RULES[config.model.insidersRule],
            ...(config.model.k === undefined ? {} : { k: config.model.k }),
          },
        }),
      );
    } catch (err) {
      metrics.refitDone('failed');
      throw err;
    }
    metrics.refitDone(outcome.kind, outcome.kind === 'fitted' ? outcome.ms : undefined);
    if (outcome.kind === 'fitted') {
      const m = outcome.model;
      assigner.useModel(m);
      metrics.modelInUse(m);
      log.info(
        {
          version: m.version,
          k: m.k,
          silhouette: m.silhouette,
          sampled: outcome.sampled,
          customers: outcome.customers,
          ms: Math.round(outcome.ms),
          insidersShare: m.selection?.insidersShareOfCustomers,
          insidersRevenueShare: m.selection?.insidersShareOfRevenue,
          why: m.selection?.reason,
        },
        'refit done',
      );
      if (m.selection?.insidersInBand === false) {
        log.warn(
          {
            version: m.version,
            band: m.selection.policy.shareBand,
            insidersShare: m.selection.insidersShareOfCustomers,
          },
          'Insiders outside the target band',
        );
      }
      const placements = placeCustomers(m, outcome.sample);
      await results.writeModel(m, outcome.ms, segmentProfiles(m, outcome.sample, placements));
      await sweepNow();
      // A refit is done when its results are stored: who asked for it can read them back.
      await results.flush();
    } else {
      log.info({ outcome: outcome.kind }, 'refit skipped');
    }
    return outcome;
  };

  const refitNow = (): Promise<RefitOutcome> => (stopping ? Promise.resolve({ kind: 'busy' }) : tracked(refitOnce()));

  const customer = async (customerId: string): Promise<CustomerView | undefined> => {
    const state = await store.customer(customerId);
    if (state === undefined) return undefined;
    const nowMs = await now();
    const features = computeFeatures(state, nowMs, config.state.windowDays);
    const changes = await recentChanges(clickhouse, customerId, RECENT_CHANGES);
    return customerView(state, features, nowMs, assigner.currentModel, changes);
  };

  // One report is built at a time: requests meanwhile share it, so memory stays one sample's worth.
  let building: Promise<string | undefined> | undefined;
  const report = (): Promise<string | undefined> => {
    building ??= (async () => {
      const model = assigner.currentModel;
      if (model === undefined) return undefined;
      return serviceReport(store, model, {
        currency: config.events.currency,
        windowDays: config.state.windowDays,
        nowMs: await now(),
        builtAtMs: Date.now(),
      });
    })().finally(() => {
      building = undefined;
    });
    return building;
  };

  // Set once a part the service cannot do without has failed for good; the service then closes.
  let failure: InsidersError | undefined;

  const readiness = (): Promise<ReadinessCheck[]> =>
    Promise.all([
      check('kafka', async () => `${(await admin.describeCluster()).brokers.length} broker(s)`),
      ...(consumer === undefined
        ? []
        : [
            check('consumer', () => {
              if (failure !== undefined) return Promise.reject(failure);
              const stall = stalledPartitions(consumer.partitionProgress(), config.kafka.stallSeconds);
              return stall === undefined ? Promise.resolve(undefined) : Promise.reject(new Error(stall));
            }),
          ]),
      check('redis', async () => {
        const reply: string = await redis.ping();
        if (reply !== 'PONG') throw new Error(`PING answered ${reply}`);
        return undefined;
      }),
      check('clickhouse', async () => {
        const ping = await clickhouse.ping();
        if (!ping.success) throw ping.error;
        return undefined;
      }),
      check('model', () => {
        const m = assigner.currentModel;
        return m === undefined
          ? Promise.reject(new Error('no model version yet'))
          : Promise.resolve(`version ${m.version}`);
      }),
    ]);

  const refitReply = async (): Promise<RefitReply> => {
    const outcome = await refitNow();
    switch (outcome.kind) {
      case 'fitted': {
        const m = outcome.model;
        return {
          outcome: 'fitted',
          version: m.version,
          k: m.k,
          silhouette: m.silhouette,
          sampled: outcome.sampled,
          customers: outcome.customers,
          ms: Math.round(outcome.ms),
        };
      }
      case 'too-few':
        return { outcome: 'too-few', customers: outcome.customers };
      default:
        return { outcome: outcome.kind };
    }
  };

  let http: HttpServer | undefined;
  let httpPort: number | undefined;
  if (options.http) {
    http = createHttpServer(
      {
        adminToken: config.http.adminToken,
        readiness,
        metrics: async () => ({ contentType: metrics.contentType, body: await metrics.render() }),
        customer,
        report,
        refit: refitReply,
      },
      logger,
    );
    const server = http;
    opened.push(() => server.close());
    httpPort = await http.listen(config.http.port);
  }

  const schedule = (what: string, intervalMs: number, job: () => Promise<unknown>) =>
    scheduleJob(what, intervalMs, job, log);
  const timers: NodeJS.Timeout[] = [];
  if (roles.refit) timers.push(schedule('refit', config.model.refitIntervalMs, refitNow));
  if (roles.sweep) {
    // Until a first model exists, the sweep's turn tries a refit instead (in a process that refits).
    timers.push(
      schedule('sweep', config.model.sweepIntervalMs, () =>
        assigner.currentModel || !roles.refit ? sweepNow() : refitNow(),
      ),
    );
  }
  log.info({ roles: describeRoles(roles), httpPort }, 'started');

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      stopping = true;
      for (const t of timers) clearInterval(t);
      // Stop taking requests now; the close resolves once open ones are answered.
      const httpClosed = http?.close();
      const steps: [string, () => Promise<unknown>][] = [
        // stop fetching, finish the in-flight batches, flush the sinks, commit the offsets
        ['consumer', async () => consumer?.close()],
        // running refit or sweep: they finish and release their leases
        [
          'jobs',
          async () => {
            while (inProgress.size > 0) await Promise.allSettled([...inProgress]);
          },
        ],
        ['http', async () => httpClosed],
        ['model watch', () => stopWatching()],
        // the sink's rows, the change producer, the admin, ClickHouse, Redis
        ['clients', () => clients.close()],
      ];
      for (const [name, step] of steps) {
        try {
          await step();
        } catch (err) {
          log.warn({ err, step: name }, 'shutdown step failed');
        }
      }
      log.info({ ...consumer?.totals }, 'stopped');
    })();
    return closing;
  };

  // Attached once start-up is done, so that a consumer that failed while joining its group
  // (inside start()) closes a service that is whole.
  const failed =
    consumer === undefined
      ? new Promise<never>(() => undefined)
      : consumer.failed.then((err) => {
          failure = err;
          log.fatal({ err }, 'the order consumer failed for good; shutting down');
          void close(); // never rejects: every step's failure is logged
          return err;
        });

  return {
    refitNow,
    sweepNow,
    customer,
    consumer,
    assigner,
    results,
    metrics,
    httpPort,
    failed,
    close,
  };
}
