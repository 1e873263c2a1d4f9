// Customer state held in process memory, for the embedded mode (`insiders segment`): the same
// semantics as the Redis scripts in ./lua — each event applied at most once by its eventId, day
// buckets kept while inside the window of the customer's latest event, lifetime totals — so that
// features computed from either are the same numbers. Pure.
import type { StateChange } from './state-store.js';
import { dayOf, zeroTotals, type CustomerState, type Totals } from './customer-state.js';

type MutableTotals = { -readonly [K in keyof Totals]: Totals[K] };

interface MutableCustomer {
  firstPurchaseMs: number | undefined;
  lastPurchaseMs: number | undefined;
  readonly lifetime: MutableTotals;
  readonly days: Map<number, MutableTotals>;
  readonly productLastDay: Map<string, number>;
  maxDay: number;
  /** the eventIds applied: the first as a string (most customers have few events), then a Set */
  applied: string | Set<string>;
}

// Totals are added to in place: a fresh object per event and bucket was most of apply's time.
const newTotals = (): MutableTotals => ({ ...zeroTotals });

function add(t: MutableTotals, kind: 'order' | 'return', lines: number, items: number, valueMills: number): void {
  if (kind === 'order') {
    t.orders += 1;
    t.lines += lines;
    t.items += items;
    t.revenueMills += valueMills;
  } else {
    t.returns += 1;
    t.returnedItems += items;
    t.returnedMills += valueMills;
  }
}

export class InMemoryCustomers {
  private readonly customers = new Map<string, MutableCustomer>();
  private readonly guestEvents = new Set<string>();
  private readonly guestTotals = newTotals();
  private watermark: number | undefined;

  constructor(private readonly windowDays: number) {}

  /** Applies one change; returns false when its event had been applied before. */
  apply({ event, customerId, lines }: StateChange): boolean {
    let items = 0;
    let valueMills = 0;
    for (const l of lines) {
      items += l.quantity;
      valueMills += l.quantity * l.unitPriceMills;
    }
    if (customerId === null) {
      if (this.guestEvents.has(event.eventId)) return false;
      this.guestEvents.add(event.eventId);
      add(this.guestTotals, event.kind, lines.length, items, valueMills);
      return true;
    }
    let c = this.customers.get(customerId);
    if (!c) {
      c = {
        firstPurchaseMs: undefined,
        lastPurchaseMs: undefined,
        lifetime: newTotals(),
        days: new Map(),
        productLastDay: new Map(),
        maxDay: -1,
        applied: event.eventId,
      };
      this.customers.set(customerId, c);
    } else if (typeof c.applied === 'string') {
      if (c.applied === event.eventId) return false;
      c.applied = new Set([c.applied, event.eventId]);
    } else {
      if (c.applied.has(event.eventId)) return false;
      c.applied.add(event.eventId);
    }
    const ts = event.occurredAtMs;
    const day = dayOf(ts);
    add(c.lifetime, event.kind, lines.length, items, valueMills);
    if (event.kind === 'order') {
      if (c.firstPurchaseMs === undefined || ts < c.firstPurchaseMs) c.firstPurchaseMs = ts;
      if (c.lastPurchaseMs === undefined || ts > c.lastPurchaseMs) c.lastPurchaseMs = ts;
      for (const l of lines) if ((c.productLastDay.get(l.sku) ?? -Infinity) < day) c.productLastDay.set(l.sku, day);
    }
    const cutoff = Math.max(c.maxDay, day) - this.windowDays + 1;
    if (day >= cutoff) {
      let bucket = c.days.get(day);
      if (bucket === undefined) c.days.set(day, (bucket = newTotals()));
      add(bucket, event.kind, lines.length, items, valueMills);
    }
    // The window moves only with the customer's latest day: buckets expire then.
    if (day > c.maxDay) {
      c.maxDay = day;
      for (const d of c.days.keys()) if (d < cutoff) c.days.delete(d);
    }
    return true;
  }

  /** Moves the watermark (latest event time seen, epoch ms) forward. */
  observe(occurredAtMs: number): void {
    if (this.watermark === undefined || occurredAtMs > this.watermark) this.watermark = occurredAtMs;
  }

  watermarkMs(): number | undefined {
    return this.watermark;
  }

  guestStats(): Totals {
    return { ...this.guestTotals };
  }

  get size(): number {
    return this.customers.size;
  }

  *states(): Generator<CustomerState> {
    for (const [customerId, c] of this.customers) {
      yield {
        customerId,
        firstPurchaseMs: c.firstPurchaseMs,
        lastPurchaseMs: c.lastPurchaseMs,
        lifetime: c.lifetime,
        days: c.days,
        productLastDay: c.productLastDay,
        segmentId: null,
        segmentModelVersion: null,
        pendingChanges: new Map(),
      };
    }
  }
}
