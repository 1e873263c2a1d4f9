// Customer state held in process memory, for the embedded mode (`insiders segment`): the same
// semantics as the Redis scripts in ./lua — each event applied at most once by (customerId, eventId)
// (guests: by eventId among guest events), an id re-sent with other content a conflict, day
// buckets kept while inside the window of the customer's latest event, lifetime totals — so that
// features computed from either are the same numbers. Pure.
import { contentDigest, type StateChange } from './state-store.js';
import { dayOf, zeroTotals, type CustomerState, type Totals } from './customer-state.js';

type MutableTotals = { -readonly [K in keyof Totals]: Totals[K] };

interface MutableCustomer {
  firstPurchaseMs: number | undefined;
  lastPurchaseMs: number | undefined;
  readonly lifetime: MutableTotals;
  readonly days: Map<number, MutableTotals>;
  readonly productLastDay: Map<string, number>;
  maxDay: number;
  /** the first event applied, as eventId and content digest (most customers have few events) */
  readonly firstEventId: string;
  readonly firstDigest: string;
  /** eventId -> content digest of the events applied after the first, made at the second */
  more: Map<string, string> | undefined;
}

/** What applying one event did, as apply-events.lua answers it. */
export type ApplyOutcome = 'applied' | 'duplicate' | 'conflict';

/** An id applied before: the same content is a duplicate, other content a conflict. */
const seenBefore = (before: string, digest: string): ApplyOutcome => (before === digest ? 'duplicate' : 'conflict');

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
  private readonly guestEvents = new Map<string, string>();
  private readonly guestTotals = newTotals();
  private watermark: number | undefined;

  constructor(private readonly windowDays: number) {}

  /** Applies one change, unless its (customer, eventId) was applied before: a duplicate or a conflict. */
  apply({ event, customerId, lines }: StateChange): ApplyOutcome {
    let items = 0;
    let valueMills = 0;
    for (const l of lines) {
      items += l.quantity;
      valueMills += l.quantity * l.unitPriceMills;
    }
    const digest = contentDigest(event);
    if (customerId === null) {
      const before = this.guestEvents.get(event.eventId);
      if (before !== undefined) return seenBefore(before, digest);
      this.guestEvents.set(event.eventId, digest);
      add(this.guestTotals, event.kind, lines.length, items, valueMills);
      return 'applied';
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
        firstEventId: event.eventId,
        firstDigest: digest,
        more: undefined,
      };
      this.customers.set(customerId, c);
    } else {
      if (c.firstEventId === event.eventId) return seenBefore(c.firstDigest, digest);
      const before = c.more?.get(event.eventId);
      if (before !== undefined) return seenBefore(before, digest);
      (c.more ??= new Map()).set(event.eventId, digest);
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
