// GET /report: the segment report of the current model over the customers' current features, read
// from the service's state. Each segment's size is exact (the per-shard counts kept in Redis);
// everything else comes from a uniform sample of at most REPORT_SAMPLE_SIZE customers
// (ZRANDMEMBER), so a report costs the same at a million customers as at ten thousand.
import { featuresAt, type Features } from '../features/features.js';
import { placeCustomers } from '../model/model.js';
import type { ModelVersion } from '../model/types.js';
import type { StateStore } from '../state/state-store.js';
import { reportData } from './report-data.js';

/** Customers read for a report: a few MB of state, the same at any number of customers (docs/benchmarks.md). */
export const REPORT_SAMPLE_SIZE = 5000;

export interface ServiceReportOptions {
  readonly currency: string;
  readonly windowDays: number;
  /** "now" for the features, epoch ms (the watermark or the wall clock, as the service runs) */
  readonly nowMs: number;
  /** epoch ms, shown on the page */
  readonly builtAtMs: number;
  readonly sampleSize?: number;
}

/** The report's HTML page. */
export async function serviceReport(
  store: StateStore,
  model: ModelVersion,
  options: ServiceReportOptions,
): Promise<string> {
  const [drawn, sizes, guests, watermarkMs] = await Promise.all([
    store.sampleCustomers(options.sampleSize ?? REPORT_SAMPLE_SIZE, options.nowMs),
    store.segmentSizes(),
    store.guestStats(),
    store.watermarkMs(),
  ]);
  const features: Features[] = drawn.states.map((s) => featuresAt(s, options.nowMs, options.windowDays));
  const placements = placeCustomers(model, features);
  // Loaded on the first report, not at start-up: the charts bring echarts (about 600 modules and
  // 0.6 s of CPU to load), which nothing else in the service needs.
  const { renderReport } = await import('./page.js');
  return renderReport(
    reportData({
      title: 'Customer segments',
      builtAtMs: options.builtAtMs,
      currency: options.currency,
      model,
      features,
      placements,
      sample: { sizes, of: drawn.customers },
      summary: {
        source: "the service's state",
        customers: drawn.customers,
        guestOrders: guests.orders,
        ...(watermarkMs === undefined ? {} : { watermarkMs }),
        windowDays: options.windowDays,
      },
      seed: model.version,
    }),
  );
}
