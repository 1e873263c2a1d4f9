// The model jobs of one process: the refit and the sweep (src/segmentation), run one at a time in
// this process (the leases keep each single across processes), on their schedules or on demand,
// with their outcomes logged and counted in the metrics. Between sweeps, the due check looks at
// the earliest due time and starts a sweep as soon as a customer is due, so a time-driven change
// waits about one due-check interval rather than a whole sweep period. stop() ends the schedules, refuses new
// turns and resolves once the running ones have finished (and released their leases).
import type { Config } from '../config.js';
import type { RedisClient } from '../infra/redis.js';
import type { Logger } from '../log.js';
import type { ServiceMetrics } from '../metrics/metrics.js';
import { placeCustomers } from '../model/model.js';
import { segmentProfiles } from '../model/profiles.js';
import { INSIDERS_RULES } from '../model/segments.js';
import type { SegmentAssigner } from '../segmentation/assigner.js';
import { refit, type RefitOutcome } from '../segmentation/refit.js';
import { sweep, type SweepOutcome } from '../segmentation/sweep.js';
import type { ClickHouseSink } from '../sinks/clickhouse-sink.js';
import type { ModelStore } from '../state/model-store.js';
import type { StateStore } from '../state/state-store.js';
import type { Roles } from './roles.js';
import { scheduleJob } from './schedule.js';

export interface ModelJobs {
  /** Runs a refit now (then a sweep when it fitted); resolves with what happened. */
  readonly refitNow: () => Promise<RefitOutcome>;
  readonly sweepNow: () => Promise<SweepOutcome>;
  /** Starts the schedules of the roles this process has. */
  readonly schedule: (roles: Roles) => void;
  /** Ends the schedules and refuses new turns at once; resolves once the running jobs are done. */
  readonly stop: () => Promise<void>;
}

export interface ModelJobsDeps {
  readonly config: Config;
  readonly redis: RedisClient;
  readonly store: StateStore;
  readonly models: ModelStore;
  readonly assigner: SegmentAssigner;
  readonly results: ClickHouseSink;
  readonly metrics: ServiceMetrics;
  readonly log: Logger;
  /** the service clock, epoch ms */
  readonly now: () => Promise<number>;
}

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

/** What a fitted refit is told by: in its log line and in the admin API's reply. */
export function fittedSummary(outcome: Extract<RefitOutcome, { kind: 'fitted' }>) {
  const m = outcome.model;
  return {
    version: m.version,
    k: m.k,
    silhouette: m.silhouette,
    sampled: outcome.sampled,
    customers: outcome.customers,
    ms: Math.round(outcome.ms),
  };
}

export function createModelJobs(deps: ModelJobsDeps): ModelJobs {
  const { config, redis, store, models, assigner, results, metrics, log, now } = deps;
  /** wall ms: outbox entries from before this start are published again at once */
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

  // sweeps asked for and not yet finished (running, or queued behind another job)
  let sweepsOpen = 0;
  const sweepNow = (): Promise<SweepOutcome> => {
    if (stopping) return Promise.resolve({ kind: 'busy' });
    sweepsOpen++;
    const job = sweepOnce();
    const done = () => sweepsOpen--;
    job.then(done, done);
    return tracked(job);
  };

  /**
   * Starts a sweep when a customer is due at the service's "now" and no sweep is open already (it
   * would place them): one ZRANGE per shard when nobody is due. A process of the sweep role runs it
   * between its sweeps; resolves with the sweep's outcome, or undefined when none was started.
   */
  const dueCheck = async (): Promise<SweepOutcome | undefined> => {
    if (stopping || sweepsOpen > 0 || !assigner.currentModel) return undefined;
    const [earliestMs, nowMs] = await Promise.all([store.earliestDueMs(), now()]);
    if (earliestMs > nowMs || sweepsOpen > 0) return undefined;
    return sweepNow();
  };

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
          ...fittedSummary(outcome),
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

  const timers: NodeJS.Timeout[] = [];
  const schedule = (roles: Roles): void => {
    const every = (what: string, intervalMs: number, job: () => Promise<unknown>) =>
      timers.push(scheduleJob(what, intervalMs, job, log));
    if (roles.refit) every('refit', config.model.refitIntervalMs, refitNow);
    // Until a first model exists, the sweep's turn tries a refit instead (in a process that refits).
    if (roles.sweep) {
      every('sweep', config.model.sweepIntervalMs, () =>
        assigner.currentModel || !roles.refit ? sweepNow() : refitNow(),
      );
      if (config.model.dueCheckIntervalMs < config.model.sweepIntervalMs) {
        every('due check', config.model.dueCheckIntervalMs, dueCheck);
      }
    }
  };

  const stop = async (): Promise<void> => {
    stopping = true;
    for (const t of timers) clearInterval(t);
    while (inProgress.size > 0) await Promise.allSettled([...inProgress]);
  };

  return { refitNow, sweepNow, schedule, stop };
}
