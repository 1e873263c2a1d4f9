// Customer state held in process memory, for the embedded mode (`insiders segment`): the same
// semantics as the Redis scripts in ./lua — each event applied at most once by (customerId, eventId)
// (guests: by eventId among guest events), an id re-sent with other content a conflict, day
// buckets kept while inside the window of the customer's latest event, lifetime totals — so that
// features computed from either are the same numbers. Pure.
import { contentDigest, type StateChange } from './state-store.js';
import { dayOf, zeroTotals, type CustomerState, type Totals } from './customer-state.js';

interface MutableCustomer {
  firstPurchaseMs: number | undefined;
  lastPurchaseMs: number | undefined;
  lifetime: Totals;
  days: Map<number, Totals>;
  productLastDay: Map<string, number>;
  maxDay: number;
  /** eventId -> content digest of the events applied */
  applied: Map<string, string>;
}

/** What applying one event did, as apply-events.lua answers it. */
export type ApplyOutcome = 'applied' | 'duplicate' | 'conflict';

/** Marks `eventId` applied with `digest` in `seen`, or says it was applied before with the same or other content. */
function firstSeen(seen: Map<string, string>, eventId: string, digest: string): ApplyOutcome {
  const before = seen.get(eventId);
  if (before === undefined) {
    seen.set(eventId, digest);
    return 'applied';
  }
  return before === digest ? 'duplicate' : 'conflict';
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
  private readonly guestEvents = new Map<string, string>();
  private guestTotals: Totals = zeroTotals;
  private watermark: number | undefined;

  constructor(private readonly windowDays: number) {}

  /** Applies one change, unless its event was applied before: then a duplicate, or a conflict when its content differs. */
  apply({ event, customerId, lines }: StateChange): ApplyOutcome {
    let items = 0;
    let valueMills = 0;
    for (const l of lines) {
      items += l.quantity;
      valueMills += l.quantity * l.unitPriceMills;
    }
    const digest = contentDigest(event);
    if (customerId === null) {
      const outcome = firstSeen(this.guestEvents, event.eventId, digest);
      if (outcome === 'applied') this.guestTotals = add(this.guestTotals, event.kind, lines.length, items, valueMills);
      return outcome;
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
        applied: new Map(),
      };
      this.customers.set(customerId, c);
    }
    const outcome = firstSeen(c.applied, event.eventId, digest);
    if (outcome !== 'applied') return outcome;
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
    return 'applied';
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
