// Fills a StateStore with the synthetic customers of bench/ingest/synthetic-data.ts through the
// state script, as the consumer would (the business rules applied, 2,000 events a batch, the
// watermark advanced): what the model benchmarks place and read. Not measured itself.
import type { Config } from '../../src/config.js';
import { acceptEvent, EARLIEST_EVENT_MS, MAX_FUTURE_MS } from '../../src/events/decode.js';
import { classify, defaultRules } from '../../src/features/filters.js';
import type { StateChange, StateStore } from '../../src/state/state-store.js';
import { SyntheticOrders } from '../ingest/synthetic-data.js';

export async function fillSyntheticState(
  store: StateStore,
  config: Pick<Config, 'events'>,
  customers: number,
  ordersPerCustomer: number,
): Promise<void> {
  const data = new SyntheticOrders({ customers, orders: customers * ordersPerCustomer, seed: 7 });
  const decodeOptions = {
    currency: config.events.currency,
    earliestMs: EARLIEST_EVENT_MS,
    maxFutureMs: MAX_FUTURE_MS,
    wallClockMs: Date.now(),
  };
  let batch: StateChange[] = [];
  let latest = 0;
  for (const input of data.events()) {
    const decoded = acceptEvent(input, decodeOptions);
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
}
