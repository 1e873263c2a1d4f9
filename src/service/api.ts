// What the service's HTTP API answers from, besides readiness and metrics: a customer's view, the
// segment report of the current model, and the reply to an admin's refit.
import type { ClickHouseClient } from '@clickhouse/client';
import type { Config } from '../config.js';
import { computeFeatures } from '../features/features.js';
import type { HttpApi, RefitReply } from '../http/server.js';
import { serviceReport } from '../report/service-report.js';
import type { SegmentAssigner } from '../segmentation/assigner.js';
import { customerView, type CustomerView } from '../segmentation/customer-view.js';
import type { RefitOutcome } from '../segmentation/refit.js';
import { recentChanges } from '../sinks/recent-changes.js';
import type { StateStore } from '../state/state-store.js';
import { fittedSummary } from './jobs.js';

const RECENT_CHANGES = 10;

export interface ServiceApiDeps {
  readonly config: Config;
  readonly store: StateStore;
  readonly clickhouse: ClickHouseClient;
  readonly assigner: SegmentAssigner;
  readonly refitNow: () => Promise<RefitOutcome>;
  /** the service clock, epoch ms */
  readonly now: () => Promise<number>;
}

export interface ServiceApi {
  /** a customer's features, segment, explanation and recent changes; undefined when unknown */
  readonly customer: (customerId: string) => Promise<CustomerView | undefined>;
  readonly report: HttpApi['report'];
  readonly refit: HttpApi['refit'];
}

export function serviceApi(deps: ServiceApiDeps): ServiceApi {
  const { config, store, clickhouse, assigner, refitNow, now } = deps;

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

  const refit = async (): Promise<RefitReply> => {
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

  return { customer, report, refit };
}
