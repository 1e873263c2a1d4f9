// The service: the order consumer (events -> state -> immediate placement), the refit job and the
// sweep on their schedules, and the HTTP API, in one process — each role selectable (roles.ts).
// Refit and sweep are singletons across instances (Redis leases), so running several processes
// scales the consumers out over the partitions. This module wires the parts and shuts them down;
// the clients come from clients.ts, the model jobs from jobs.ts, readiness from readiness.ts.
import type { Config } from '../config.js';
import type { InsidersError } from '../errors.js';
import { consumerLagByPartition } from '../consumers/lag.js';
import { OrderConsumer } from '../consumers/order-consumer.js';
import { defaultRules } from '../features/filters.js';
import { computeFeatures } from '../features/features.js';
import { createHttpServer, type HttpServer, type RefitReply } from '../http/server.js';
import type { Logger } from '../log.js';
import { ServiceMetrics } from '../metrics/metrics.js';
import { SegmentAssigner } from '../segmentation/assigner.js';
import { KafkaChangeSink } from '../segmentation/change-publisher.js';
import { customerView, type CustomerView } from '../segmentation/customer-view.js';
import { FanOutChangeSink, type ClickHouseSink } from '../sinks/clickhouse-sink.js';
import { recentChanges } from '../sinks/recent-changes.js';
import { ModelStore } from '../state/model-store.js';
import type { RefitOutcome } from '../segmentation/refit.js';
import { serviceReport } from '../report/service-report.js';
import { createModelJobs, fittedSummary } from './jobs.js';
import { readinessProbe } from './readiness.js';
import type { SweepOutcome } from '../segmentation/sweep.js';
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

const RECENT_CHANGES = 10;

/**
 * Starts the service. Should start-up fail part-way (a server unreachable), whatever it had
 * opened is closed again before the error is thrown, so the process can end.
 */
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

  const jobs = createModelJobs({
    config,
    redis,
    store,
    models,
    assigner,
    results,
    metrics,
    log,
    now: () => store.now(config.state.clock),
  });
  const { refitNow, sweepNow } = jobs;
  const now = () => store.now(config.state.clock);

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

  const readiness = readinessProbe({
    admin,
    consumer,
    redis,
    clickhouse,
    stallSeconds: config.kafka.stallSeconds,
    failure: () => failure,
    model: () => assigner.currentModel,
  });

  const refitReply = async (): Promise<RefitReply> => {
    const outcome = await refitNow();
    switch (outcome.kind) {
      case 'fitted':
        return { outcome: 'fitted', ...fittedSummary(outcome) };
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

  jobs.schedule(roles);
  log.info({ roles: describeRoles(roles), httpPort }, 'started');

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      // No new refit or sweep from now on; the running ones are awaited below.
      const jobsDone = jobs.stop();
      // Stop taking requests now; the close resolves once open ones are answered.
      const httpClosed = http?.close();
      const steps: [string, () => Promise<unknown>][] = [
        // stop fetching, finish the in-flight batches, flush the sinks, commit the offsets
        ['consumer', async () => consumer?.close()],
        // running refit or sweep: they finish and release their leases
        ['jobs', () => jobsDone],
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
