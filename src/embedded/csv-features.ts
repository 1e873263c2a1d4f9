// The embedded path from an Online Retail CSV to every customer's features, in process: the same
// reader, event contract, business rules, state semantics and feature definitions as the
// streaming service, with no servers. The analyst's quick path and the streaming path's reference.
import { EARLIEST_EVENT_MS, localEventId, MAX_FUTURE_MS, normalizeEvent } from '../events/decode.js';
import { classify, type BusinessRules } from '../features/filters.js';
import { computeFeatures, type Features } from '../features/features.js';
import { readOnlineRetailBatches } from '../replay/online-retail.js';
import { InMemoryCustomers } from '../state/memory-state.js';
import type { Totals } from '../state/customer-state.js';

export interface CsvFeaturesOptions {
  readonly currency: string;
  readonly rules: BusinessRules;
  readonly windowDays: number;
  /** wall clock, epoch ms: only used to reject events dated absurdly far ahead */
  readonly wallClockMs: number;
  readonly onProblem?: (line: number, reason: string) => void;
  /** called as the file is read, with the bytes read so far (compressed bytes for .gz) */
  readonly onBytesRead?: (bytes: number) => void;
  /** bytes per read of the file (see ReaderOptions) */
  readonly readChunkBytes?: number;
}

export interface CsvFeatures {
  readonly features: Features[];
  /** the watermark: the latest event time in the file, epoch ms */
  readonly nowMs: number;
  /** the earliest event time in the file, epoch ms; undefined without events */
  readonly firstEventMs: number | undefined;
  /** data rows read: those in events (one line each) and the problem rows */
  readonly rows: number;
  readonly events: number;
  readonly problems: number;
  /** problem rows by kind: the reader's code (csv, quantity, ...) or the event contract's reason */
  readonly problemsByKind: Readonly<Record<string, number>>;
  readonly guests: Totals;
}

export async function featuresFromCsv(path: string, options: CsvFeaturesOptions): Promise<CsvFeatures> {
  const state = new InMemoryCustomers(options.windowDays);
  let events = 0;
  let problems = 0;
  let rows = 0;
  let firstEventMs: number | undefined;
  const problemsByKind: Record<string, number> = {};
  const problem = (kind: string) => {
    problems++;
    problemsByKind[kind] = (problemsByKind[kind] ?? 0) + 1;
  };
  const reader = {
    currency: options.currency,
    ...(options.onBytesRead === undefined ? {} : { onBytesRead: options.onBytesRead }),
    ...(options.readChunkBytes === undefined ? {} : { readChunkBytes: options.readChunkBytes }),
  };
  const accept = {
    currency: options.currency,
    earliestMs: EARLIEST_EVENT_MS,
    maxFutureMs: MAX_FUTURE_MS,
    wallClockMs: options.wallClockMs,
  };
  for await (const items of readOnlineRetailBatches(path, reader)) {
    for (const item of items) {
      if (item.kind === 'problem') {
        rows++;
        problem(item.code);
        options.onProblem?.(item.line, item.reason);
        continue;
      }
      rows += item.event.lines.length;
      // The reader checked the event against the contract as it assembled it: not again here. Its
      // id only tells duplicates apart inside this process, so the cheaper local one does.
      const decoded = normalizeEvent(item.event, accept, localEventId);
      if (!decoded.ok) {
        problem(decoded.rejection.reason);
        options.onProblem?.(item.line, `${decoded.rejection.reason}: ${decoded.rejection.detail}`);
        continue;
      }
      events++;
      const { event } = decoded;
      state.observe(event.occurredAtMs);
      if (firstEventMs === undefined || event.occurredAtMs < firstEventMs) firstEventMs = event.occurredAtMs;
      const c = classify(event, options.rules);
      if (c.kind === 'customer') state.apply({ event, customerId: c.customerId, lines: c.lines });
      else if (c.kind === 'guest') state.apply({ event, customerId: null, lines: c.lines });
    }
  }
  const nowMs = state.watermarkMs() ?? options.wallClockMs;
  const features: Features[] = [];
  for (const s of state.states()) features.push(computeFeatures(s, nowMs, options.windowDays));
  return {
    features,
    nowMs,
    firstEventMs,
    rows,
    events,
    problems,
    problemsByKind,
    guests: state.guestStats(),
  };
}
