// The service: the order consumer (events -> state -> immediate placement), the refit job and the
// sweep on their schedules, and the HTTP API, in one process — each role selectable (roles.ts).
// Refit and sweep are singletons across instances (Redis leases), so running several processes
// scales the consumers out over the partitions. This module starts the parts in order and hands
// back the running service: the clients and the parts over them are wired in wiring.ts, the model
// jobs run in jobs.ts, readiness is probed in readiness.ts, the API's answers come from api.ts and
// the shutdown's order is shutdown.ts's.
import type { Config } from '../config.js';
import type { OrderConsumer } from '../consumers/order-consumer.js';
import type { InsidersError } from '../errors.js';
import { createHttpServer } from '../http/server.js';
import type { Logger } from '../log.js';
import type { ServiceMetrics } from '../metrics/metrics.js';
import type { SegmentAssigner } from '../segmentation/assigner.js';
import type { CustomerView } from '../segmentation/customer-view.js';
import type { RefitOutcome } from '../segmentation/refit.js';
import type { SweepOutcome } from '../segmentation/sweep.js';
import type { ClickHouseSink } from '../sinks/clickhouse-sink.js';
import { serviceApi } from './api.js';
import { createModelJobs } from './jobs.js';
import { readinessProbe } from './readiness.js';
import { allRoles, describeRoles, type Roles } from './roles.js';
import { once, shutDown, type ServiceParts } from './shutdown.js';
import { wireService } from './wiring.js';

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

/**
 * Starts the service. Should start-up fail part-way (a server unreachable), whatever it had
 * opened is closed again before the error is thrown, so the process can end.
 */
export async function startService(config: Config, logger: Logger, options: ServiceOptions = {}): Promise<Service> {
  const roles = options.roles ?? allRoles;
  const log = logger.child({ component: 'service' });
  log.info({ roles: describeRoles(roles) }, 'starting');
  const parts: ServiceParts = {};
  try {
    return await start(config, logger, roles, options, log, parts);
  } catch (err) {
    // start-up failed: that error is the one to report; the steps' own failures are only logged
    await shutDown(parts, log);
    throw err;
  }
}

async function start(
  config: Config,
  logger: Logger,
  roles: Roles,
  options: ServiceOptions,
  log: Logger,
  parts: ServiceParts,
): Promise<Service> {
  const { clients, models, metrics, assigner, consumer } = await wireService(config, logger, roles, log, parts);
  const { redis, store, admin, clickhouse, results } = clients;
  const now = () => store.now(config.state.clock);
  const jobs = createModelJobs({ config, redis, store, models, assigner, results, metrics, log, now });
  parts.jobs = jobs;
  const { refitNow, sweepNow } = jobs;
  const api = serviceApi({ config, store, clickhouse, assigner, refitNow, now });

  // Set once a part the service cannot do without has failed for good; the service then closes.
  let failure: InsidersError | undefined;

  let httpPort: number | undefined;
  if (options.http) {
    const http = createHttpServer(
      {
        adminToken: config.http.adminToken,
        readiness: readinessProbe({
          admin,
          consumer,
          redis,
          clickhouse,
          stallSeconds: config.kafka.stallSeconds,
          failure: () => failure,
          model: () => assigner.currentModel,
        }),
        metrics: async () => ({ contentType: metrics.contentType, body: await metrics.render() }),
        ...api,
      },
      logger,
    );
    parts.http = http;
    httpPort = await http.listen(config.http.port);
  }

  jobs.schedule(roles);
  log.info({ roles: describeRoles(roles), httpPort }, 'started');

  const close = once(async () => {
    await shutDown(parts, log);
    log.info({ ...consumer?.totals }, 'stopped');
  });

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
    customer: api.customer,
    consumer,
    assigner,
    results,
    metrics,
    httpPort,
    failed,
    close,
  };
}
