// Customer state held in process memory, for the embedded mode (`insiders segment`): the same
// semantics as the Redis scripts in ./lua — each event applied at most once by its eventId, day
// buckets kept while inside the window of the customer's latest event, lifetime totals — so that
// features computed from either are the same numbers. Pure.
import type { StateChange } from './state-store.js';
import { dayOf, zeroTotals, type CustomerState, type Totals } from './customer-state.js';

interface MutableCustomer {
  firstPurchaseMs: number | undefined;
  lastPurchaseMs: number | undefined;
  lifetime: Totals;
  days: Map<number, Totals>;
  productLastDay: Map<string, number>;
  maxDay: number;
  applied: Set<string>;
}

function add(t: Totals, kind: 'order' | 'return', lines: number, items: number, valueMills: number): Totals {
  return kind === 'order'
    ? {
        ...t,
        orders: t.orders + 1,
        lines: t.lines + lines,
        items: t.items + items,
        revenueMills: t.revenueMills + valueMills,
      }
    : {
        ...t,
        returns: t.returns + 1,
        returnedItems: t.returnedItems + items,
        returnedMills: t.returnedMills + valueMills,
      };
}

export class InMemoryCustomers {
  private readonly customers = new Map<string, MutableCustomer>();
  private readonly guestEvents = new Set<string>();
  private guestTotals: Totals = zeroTotals;
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
      this.guestTotals = add(this.guestTotals, event.kind, lines.length, items, valueMills);
      return true;
    }
    let c = this.customers.get(customerId);
    if (!c) {
      c = {
        firstPurchaseMs: undefined,
        lastPurchaseMs: undefined,
        lifetime: zeroTotals,
        days: new Map(),
        productLastDay: new Map(),
        maxDay: -1,
        applied: new Set(),
      };
      this.customers.set(customerId, c);
    }
    if (c.applied.has(event.eventId)) return false;
    c.applied.add(event.eventId);
    const ts = event.occurredAtMs;
    const day = dayOf(ts);
    c.lifetime = add(c.lifetime, event.kind, lines.length, items, valueMills);
    if (event.kind === 'order') {
      if (c.firstPurchaseMs === undefined || ts < c.firstPurchaseMs) c.firstPurchaseMs = ts;
      if (c.lastPurchaseMs === undefined || ts > c.lastPurchaseMs) c.lastPurchaseMs = ts;
      for (const l of lines) if ((c.productLastDay.get(l.sku) ?? -Infinity) < day) c.productLastDay.set(l.sku, day);
    }
    c.maxDay = Math.max(c.maxDay, day);
    const cutoff = c.maxDay - this.windowDays + 1;
    if (day >= cutoff) c.days.set(day, add(c.days.get(day) ?? zeroTotals, event.kind, lines.length, items, valueMills));
    for (const d of c.days.keys()) if (d < cutoff) c.days.delete(d);
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
    return this.guestTotals;
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
