// Customer state held in process memory, for the embedded mode (`insiders segment`): the same
// semantics as the Redis scripts in ./lua — each event applied at most once by (customerId, eventId)
// (guests: by eventId among guest events), an id re-sent with other content a conflict, day
// buckets kept while inside the window of the customer's latest event, lifetime totals — so that
// features computed from either are the same numbers. Pure.
//
// Kept in numbers rather than objects, so that a million customers fit in a few hundred MB and
// the collector has little to trace: columns of typed arrays by customer index, and the day
// buckets, products and applied events of each customer as linked lists in shared pools. An
// event's id and content are kept as numbers (eventIdValue, contentDigestValue), as Redis keeps
// digests of them.
import { contentDigestValue, eventIdValue, type StateChange } from './state-store.js';
import { dayOf, zeroTotals, type CustomerState, type PackedDays, type Totals } from './customer-state.js';
import { ABSENT, TextIndex } from './text-index.js';

/**
 * An event as applyFields takes it, for callers that keep events as columns: `key` tells events
 * apart (eventIdValue of the id; a content-derived id's key will do, see localEventKey), `digest` is
 * compared with the one kept under the same key (contentDigestValue); `lineCount` lines of `items`
 * units worth `valueMills`, with stock codes skus[0..lineCount). Read during the call only, so that
 * a caller may fill one object again for every event.
 */
export interface EventFields {
  readonly customerId: string | null;
  readonly key: number;
  readonly digest: number;
  readonly order: boolean;
  readonly occurredAtMs: number;
  readonly lineCount: number;
  readonly items: number;
  readonly valueMills: number;
  readonly skus: readonly string[];
}

/** What applying one event did, as apply-events.lua answers it. */
export type ApplyOutcome = 'applied' | 'duplicate' | 'conflict';

/** An id applied before: the same content is a duplicate, other content a conflict. */
const seenBefore = (before: number, digest: number): ApplyOutcome => (before === digest ? 'duplicate' : 'conflict');

/** Totals as stored: seven numbers in the order of Totals' fields. */
const TOTALS = 7;
const ORDERS = 0;
const LINES = 1;
const ITEMS = 2;
const REVENUE = 3;
const RETURNS = 4;
const RETURNED_ITEMS = 5;
const RETURNED = 6;

/**
 * A customer's products or events are a linked list while they are few; past this many, a Map
 * (so that a customer with thousands of products or events costs no scan per line or event).
 */
const LIST_LIMIT = 32;

const NONE = -1;

/**
 * Events applyFieldsLater holds before applying them together. A batch's customers are looked up
 * and their state read ahead of the batch's events being applied (see applyPending): the reads of
 * different customers do not wait on one another, so their cache misses overlap, where one event
 * after another each waited on its own in turn (at a million customers nearly every event's
 * customer is far in memory).
 */
const PENDING_EVENTS = 64;

type NumberArray = Float64Array | Int32Array;

/**
 * Bytes a column may grow to: address space reserved, not memory (pages are committed as the
 * column grows into them), so a column grows in place rather than being copied into a larger one.
 */
const COLUMN_MAX_BYTES = 2 ** 32;

/** ES2024's resizable ArrayBuffer (Node 20 and later), beyond the ES2023 library compiled against. */
interface ResizableBuffer extends ArrayBuffer {
  resize(byteLength: number): void;
}
const ResizableBuffer = ArrayBuffer as unknown as new (
  byteLength: number,
  options: { maxByteLength: number },
) => ResizableBuffer;

/** An empty column over a resizable buffer, its length tracking the buffer's. */
function column<T extends NumberArray>(Type: new (buffer: ArrayBuffer) => T): T {
  return new Type(new ResizableBuffer(0, { maxByteLength: COLUMN_MAX_BYTES }));
}

/**
 * Gives `array` (a column) room for `need` entries: `need` or half again its length, whichever is
 * more (up to COLUMN_MAX_BYTES), new entries set to `fill` (0 by default). In place: copying into a larger array each time
 * allocated three times the final size, and freshly touched memory was a large part of a run at a
 * million customers.
 */
function room(array: NumberArray, need: number, fill?: number): void {
  const length = array.length;
  if (need <= length) return;
  const size = array.BYTES_PER_ELEMENT;
  if (need * size > COLUMN_MAX_BYTES) {
    throw new RangeError(`InMemoryCustomers: a column of ${need} entries is past ${COLUMN_MAX_BYTES} bytes`);
  }
  const grown = Math.min(Math.max(need, (length * 3) >> 1, 64) * size, COLUMN_MAX_BYTES);
  (array.buffer as ResizableBuffer).resize(grown);
  if (fill !== undefined && fill !== 0) array.fill(fill, length);
}

/**
 * Room for `need` entries in a pool of linked lists (products, applied events): its `next` column
 * and the two it keeps beside it, which grow together, so that one check serves all three.
 */
function poolRoom(need: number, next: Int32Array, keys: NumberArray, values: NumberArray): void {
  room(next, need);
  room(keys, next.length);
  room(values, next.length);
}

/**
 * A customer's list in a pool, from `head` on, as a Map of its keys to its values, with one entry
 * more. The list's pool entries are left unused: only customers past LIST_LIMIT pay for it.
 */
function listAsMap(
  head: number,
  next: Int32Array,
  keys: NumberArray,
  values: NumberArray,
  key: number,
  value: number,
): Map<number, number> {
  const map = new Map<number, number>([[key, value]]);
  for (let e = head; e !== NONE; e = next[e]!) map.set(keys[e]!, values[e]!);
  return map;
}

/** Empties a column, giving its memory back. */
function shrinkToNothing(array: NumberArray): void {
  (array.buffer as ResizableBuffer).resize(0);
}

function addTo(t: Float64Array, at: number, order: boolean, lines: number, items: number, valueMills: number): void {
  if (order) {
    t[at + ORDERS]! += 1;
    t[at + LINES]! += lines;
    t[at + ITEMS]! += items;
    t[at + REVENUE]! += valueMills;
  } else {
    t[at + RETURNS]! += 1;
    t[at + RETURNED_ITEMS]! += items;
    t[at + RETURNED]! += valueMills;
  }
}

const totalsAt = (t: Float64Array, at: number): Totals => ({
  orders: t[at + ORDERS]!,
  lines: t[at + LINES]!,
  items: t[at + ITEMS]!,
  revenueMills: t[at + REVENUE]!,
  returns: t[at + RETURNS]!,
  returnedItems: t[at + RETURNED_ITEMS]!,
  returnedMills: t[at + RETURNED]!,
});

/**
 * A customer as forEachCustomer shows it: what states() gives but the segment fields, with the
 * products as the latest day each was bought (in no particular order).
 */
export interface CustomerView {
  readonly customerId: string;
  readonly firstPurchaseMs: number | undefined;
  readonly lastPurchaseMs: number | undefined;
  readonly lifetime: Totals;
  /** the day buckets, packed (see PackedDays) */
  readonly days: PackedDays;
  readonly productDays: readonly number[];
}

type MutableTotals = { -readonly [K in keyof Totals]: Totals[K] };
type MutableView = { -readonly [K in keyof CustomerView]: CustomerView[K] };

const mutableTotals = (): MutableTotals => ({ ...zeroTotals });

/** totalsAt into an object of the caller's. */
function readTotals(t: Float64Array, at: number, out: MutableTotals): void {
  out.orders = t[at + ORDERS]!;
  out.lines = t[at + LINES]!;
  out.items = t[at + ITEMS]!;
  out.revenueMills = t[at + REVENUE]!;
  out.returns = t[at + RETURNS]!;
  out.returnedItems = t[at + RETURNED_ITEMS]!;
  out.returnedMills = t[at + RETURNED]!;
}

export class InMemoryCustomers {
  // Customers, by index in the order first seen.
  private readonly index = new TextIndex();
  private readonly ids: string[] = [];
  /** first and last purchase time, epoch ms; NaN when none */
  private readonly firstPurchaseMs = column(Float64Array);
  private readonly lastPurchaseMs = column(Float64Array);
  private readonly lifetime = column(Float64Array);
  /** the latest UTC day of any event of the customer; -1 before the first */
  private readonly maxDay = column(Int32Array);
  private readonly dayHead = column(Int32Array);
  private readonly productHead = column(Int32Array);
  private readonly productCount = column(Int32Array);
  private readonly eventHead = column(Int32Array);
  private readonly eventCount = column(Int32Array);

  // Day buckets: day, totals, next bucket of the customer (newest first); freed ones are reused.
  private readonly bucketDay = column(Int32Array);
  private readonly bucketTotals = column(Float64Array);
  private readonly bucketNext = column(Int32Array);
  private buckets = 0;
  private freeBucket = NONE;

  // Products as interned stock codes, with the latest day each was bought.
  private readonly skuIndex = new TextIndex();
  private readonly skus: string[] = [];
  private readonly productSku = column(Int32Array);
  private readonly productDay = column(Int32Array);
  private readonly productNext = column(Int32Array);
  private products = 0;
  private readonly productMaps = new Map<number, Map<number, number>>();

  // Applied events: eventIdValue -> contentDigestValue.
  private readonly eventKey = column(Float64Array);
  private readonly eventDigest = column(Float64Array);
  private readonly eventNext = column(Int32Array);
  private events = 0;
  private readonly eventMaps = new Map<number, Map<number, number>>();

  // Events waiting in applyFieldsLater's batch, as applyFields' arguments; stock codes in one list.
  private pending = 0;
  private readonly pendingIds: (string | null)[] = [];
  private readonly pendingKeys = new Float64Array(PENDING_EVENTS);
  private readonly pendingDigests = new Float64Array(PENDING_EVENTS);
  private readonly pendingOrders: boolean[] = [];
  private readonly pendingMs = new Float64Array(PENDING_EVENTS);
  private readonly pendingLines = new Int32Array(PENDING_EVENTS);
  private readonly pendingItems = new Float64Array(PENDING_EVENTS);
  private readonly pendingValues = new Float64Array(PENDING_EVENTS);
  private readonly pendingSkus: string[] = [];
  private pendingSkuCount = 0;
  /** each pending event's customer index as looked up before the batch was applied; NONE: none then */
  private readonly pendingCustomers = new Int32Array(PENDING_EVENTS);
  /** what the reads ahead of a batch add up to, kept so that they are not optimized away */
  private readAhead = 0;

  /** guest events: eventIdValue -> contentDigestValue */
  private readonly guestEvents = new Map<number, number>();
  private readonly skuScratch: string[] = [];
  private readonly guestTotals = new Float64Array(TOTALS);
  private watermark: number | undefined;
  /** drainCustomers ran: the state holds no customers and takes no more events */
  private drained = false;

  constructor(private readonly windowDays: number) {}

  /** Applies one change, unless its (customer, eventId) was applied before: a duplicate or a conflict. */
  apply({ event, customerId, lines }: StateChange): ApplyOutcome {
    this.applyPending();
    let items = 0;
    let valueMills = 0;
    const skus = this.skuScratch;
    for (let i = 0; i < lines.length; i++) {
      const l = lines[i]!;
      items += l.quantity;
      valueMills += l.quantity * l.unitPriceMills;
      skus[i] = l.sku;
    }
    return this.applyAt(
      NONE,
      customerId,
      eventIdValue(event.eventId),
      contentDigestValue(event),
      event.kind === 'order',
      event.occurredAtMs,
      lines.length,
      items,
      valueMills,
      skus,
      0,
    );
  }

  /** apply over an event's fields, for callers that keep events as columns (see EventFields). */
  applyFields(event: EventFields): ApplyOutcome {
    this.applyPending();
    const { customerId, key, digest, order, occurredAtMs, lineCount, items, valueMills, skus } = event;
    return this.applyAt(NONE, customerId, key, digest, order, occurredAtMs, lineCount, items, valueMills, skus, 0);
  }

  /**
   * applyFields, with what it answers left unsaid: the event is applied in order with those given
   * before and after, but may wait in a batch until PENDING_EVENTS are, or until the state is read
   * (every method that reads it, or applies an event otherwise, applies the batch first).
   */
  applyFieldsLater(event: EventFields): void {
    if (this.drained) throw new Error('InMemoryCustomers: events applied after drainCustomers');
    const n = this.pending++;
    const lineCount = event.lineCount;
    this.pendingIds[n] = event.customerId;
    this.pendingKeys[n] = event.key;
    this.pendingDigests[n] = event.digest;
    this.pendingOrders[n] = event.order;
    this.pendingMs[n] = event.occurredAtMs;
    this.pendingLines[n] = lineCount;
    this.pendingItems[n] = event.items;
    this.pendingValues[n] = event.valueMills;
    const codes = this.pendingSkus;
    const skus = event.skus;
    for (let i = 0; i < lineCount; i++) codes[this.pendingSkuCount++] = skus[i]!;
    if (this.pending === PENDING_EVENTS) this.applyPending();
  }

  /**
   * Applies the batch of applyFieldsLater, in order, after reading ahead what its events will read
   * first: each customer's index, then its columns and the first entry of each of its lists.
   */
  private applyPending(): void {
    const count = this.pending;
    if (count === 0) return;
    this.pending = 0;
    const customers = this.pendingCustomers;
    for (let n = 0; n < count; n++) {
      const id = this.pendingIds[n] ?? null;
      const c = id === null ? ABSENT : this.index.get(id);
      customers[n] = c === ABSENT ? NONE : c;
    }
    let sum = 0;
    for (let n = 0; n < count; n++) {
      const c = customers[n]!;
      if (c === NONE) continue;
      sum += this.dayHead[c]! + this.productHead[c]! + this.eventHead[c]! + this.maxDay[c]! + this.productCount[c]!;
      sum += this.eventCount[c]! + this.lifetime[c * TOTALS]! + this.firstPurchaseMs[c]! + this.lastPurchaseMs[c]!;
    }
    for (let n = 0; n < count; n++) {
      const c = customers[n]!;
      if (c === NONE) continue;
      const b = this.dayHead[c]!;
      if (b !== NONE) sum += this.bucketDay[b]! + this.bucketNext[b]! + this.bucketTotals[b * TOTALS]!;
      const p = this.productHead[c]!;
      if (p !== NONE) sum += this.productSku[p]! + this.productNext[p]! + this.productDay[p]!;
      const e = this.eventHead[c]!;
      if (e !== NONE) sum += this.eventKey[e]! + this.eventNext[e]! + this.eventDigest[e]!;
    }
    this.readAhead = sum;
    let from = 0;
    for (let n = 0; n < count; n++) {
      const lineCount = this.pendingLines[n]!;
      this.applyAt(
        customers[n]!,
        this.pendingIds[n] ?? null,
        this.pendingKeys[n]!,
        this.pendingDigests[n]!,
        this.pendingOrders[n]!,
        this.pendingMs[n]!,
        lineCount,
        this.pendingItems[n]!,
        this.pendingValues[n]!,
        this.pendingSkus,
        from,
      );
      from += lineCount;
    }
    this.pendingSkuCount = 0;
  }

  /**
   * applyFields with the stock codes at skus[skuFrom, skuFrom + lineCount), and the customer's
   * index when known (`known`; NONE: looked up here).
   */
  private applyAt(
    known: number,
    customerId: string | null,
    key: number,
    digest: number,
    order: boolean,
    occurredAtMs: number,
    lineCount: number,
    items: number,
    valueMills: number,
    skus: readonly string[],
    skuFrom: number,
  ): ApplyOutcome {
    if (this.drained) throw new Error('InMemoryCustomers: events applied after drainCustomers');
    if (customerId === null) {
      const before = this.guestEvents.get(key);
      if (before !== undefined) return seenBefore(before, digest);
      this.guestEvents.set(key, digest);
      addTo(this.guestTotals, 0, order, lineCount, items, valueMills);
      return 'applied';
    }
    let c = known !== NONE ? known : this.index.get(customerId);
    if (c === ABSENT) c = this.addCustomer(customerId);
    else {
      const before = this.appliedDigest(c, key);
      if (before !== undefined) return seenBefore(before, digest);
    }
    this.addEvent(c, key, digest);

    const ts = occurredAtMs;
    const day = dayOf(ts);
    addTo(this.lifetime, c * TOTALS, order, lineCount, items, valueMills);
    if (order) {
      // NaN compares false: the first purchase sets both
      if (!(ts >= this.firstPurchaseMs[c]!)) this.firstPurchaseMs[c] = ts;
      if (!(ts <= this.lastPurchaseMs[c]!)) this.lastPurchaseMs[c] = ts;
      for (let i = 0; i < lineCount; i++) this.bought(c, this.skuOf(skus[skuFrom + i]!), day);
    }
    const maxDay = this.maxDay[c]!;
    const cutoff = Math.max(maxDay, day) - this.windowDays + 1;
    if (day >= cutoff) {
      // the bucket first: making one may grow the totals
      const b = this.bucket(c, day);
      addTo(this.bucketTotals, b * TOTALS, order, lineCount, items, valueMills);
    }
    // The window moves only with the customer's latest day: buckets expire then.
    if (day > maxDay) {
      this.maxDay[c] = day;
      this.expireBuckets(c, cutoff);
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
    this.applyPending();
    return totalsAt(this.guestTotals, 0);
  }

  get size(): number {
    this.applyPending();
    return this.ids.length;
  }

  /** Every customer's state in the order first seen; each a fresh object the caller may keep. */
  *states(): Generator<CustomerState> {
    this.applyPending();
    for (let c = 0; c < this.ids.length; c++) {
      const days = new Map<number, Totals>();
      for (let b = this.dayHead[c]!; b !== NONE; b = this.bucketNext[b]!) {
        days.set(this.bucketDay[b]!, totalsAt(this.bucketTotals, b * TOTALS));
      }
      const productLastDay = new Map<string, number>();
      const big = this.productMaps.get(c);
      if (big !== undefined) for (const [sku, day] of big) productLastDay.set(this.skus[sku]!, day);
      else {
        for (let p = this.productHead[c]!; p !== NONE; p = this.productNext[p]!) {
          productLastDay.set(this.skus[this.productSku[p]!]!, this.productDay[p]!);
        }
      }
      const first = this.firstPurchaseMs[c]!;
      const last = this.lastPurchaseMs[c]!;
      yield {
        customerId: this.ids[c]!,
        firstPurchaseMs: Number.isNaN(first) ? undefined : first,
        lastPurchaseMs: Number.isNaN(last) ? undefined : last,
        lifetime: totalsAt(this.lifetime, c * TOTALS),
        days,
        productLastDay,
        segmentId: null,
        segmentModelVersion: null,
      };
    }
  }

  /**
   * Visits every customer in the order first seen, as states() gives them, through one view reused
   * from customer to customer (valid during the call only): no object per customer or day, and
   * products as their latest days only, which is all the features read of them.
   */
  forEachCustomer(visit: (customer: CustomerView) => void): void {
    this.applyPending();
    const days: number[] = [];
    const lifetime = mutableTotals();
    const productDays: number[] = [];
    const view: MutableView = {
      customerId: '',
      firstPurchaseMs: undefined,
      lastPurchaseMs: undefined,
      lifetime,
      days,
      productDays,
    };
    for (let c = 0; c < this.ids.length; c++) {
      // packed: the day, then its totals in the column's order, which is PackedDays'
      let packed = 0;
      for (let b = this.dayHead[c]!; b !== NONE; b = this.bucketNext[b]!) {
        days[packed++] = this.bucketDay[b]!;
        for (let v = 0; v < TOTALS; v++) days[packed++] = this.bucketTotals[b * TOTALS + v]!;
      }
      days.length = packed;
      let products = 0;
      const big = this.productMaps.get(c);
      if (big !== undefined) for (const day of big.values()) productDays[products++] = day;
      else {
        for (let p = this.productHead[c]!; p !== NONE; p = this.productNext[p]!) {
          productDays[products++] = this.productDay[p]!;
        }
      }
      productDays.length = products;
      const first = this.firstPurchaseMs[c]!;
      const last = this.lastPurchaseMs[c]!;
      view.customerId = this.ids[c]!;
      view.firstPurchaseMs = Number.isNaN(first) ? undefined : first;
      view.lastPurchaseMs = Number.isNaN(last) ? undefined : last;
      readTotals(this.lifetime, c * TOTALS, lifetime);
      visit(view);
    }
  }

  /**
   * forEachCustomer, leaving nothing behind: what only applying events needs (the index by id, the
   * applied events, the stock codes) is freed before the visits, the rest after them; the
   * watermark and the guests' totals stay. For a caller done with the events (`segment`), so that
   * a million customers' features are computed beside less memory and the model fitted beside none
   * of it (a column's memory goes back as it shrinks, without waiting for the collector).
   */
  drainCustomers(visit: (customer: CustomerView) => void): void {
    this.applyPending();
    this.drained = true;
    this.index.clear();
    this.skuIndex.clear();
    this.skus.length = 0;
    this.eventMaps.clear();
    this.guestEvents.clear();
    for (const c of [
      this.productSku,
      this.productCount,
      this.eventKey,
      this.eventDigest,
      this.eventNext,
      this.eventHead,
      this.eventCount,
    ])
      shrinkToNothing(c);
    this.forEachCustomer(visit);
    this.ids.length = 0;
    this.productMaps.clear();
    for (const c of [
      this.firstPurchaseMs,
      this.lastPurchaseMs,
      this.lifetime,
      this.maxDay,
      this.dayHead,
      this.productHead,
      this.bucketDay,
      this.bucketTotals,
      this.bucketNext,
      this.productDay,
      this.productNext,
    ])
      shrinkToNothing(c);
  }

  private addCustomer(customerId: string): number {
    const c = this.ids.length;
    this.ids.push(customerId);
    this.index.add(customerId, c);
    if (c < this.maxDay.length) return c;
    // Every column grows at once, to the same number of customers.
    const n = Math.max(64, (c * 3) >> 1);
    room(this.firstPurchaseMs, n, NaN);
    room(this.lastPurchaseMs, n, NaN);
    room(this.lifetime, n * TOTALS);
    room(this.maxDay, n, -1);
    room(this.dayHead, n, NONE);
    room(this.productHead, n, NONE);
    room(this.productCount, n);
    room(this.eventHead, n, NONE);
    room(this.eventCount, n);
    return c;
  }

  /** The content digest of the customer's event with this id value, if one was applied. */
  private appliedDigest(c: number, key: number): number | undefined {
    const big = this.eventMaps.get(c);
    if (big !== undefined) return big.get(key);
    for (let e = this.eventHead[c]!; e !== NONE; e = this.eventNext[e]!) {
      if (this.eventKey[e] === key) return this.eventDigest[e]!;
    }
    return undefined;
  }

  private addEvent(c: number, key: number, digest: number): void {
    const count = ++this.eventCount[c]!;
    const big = this.eventMaps.get(c);
    if (big !== undefined) {
      big.set(key, digest);
      return;
    }
    if (count > LIST_LIMIT) {
      this.eventMaps.set(
        c,
        listAsMap(this.eventHead[c]!, this.eventNext, this.eventKey, this.eventDigest, key, digest),
      );
      this.eventHead[c] = NONE;
      return;
    }
    const e = this.events++;
    if (this.events > this.eventNext.length) poolRoom(this.events, this.eventNext, this.eventKey, this.eventDigest);
    this.eventKey[e] = key;
    this.eventDigest[e] = digest;
    this.eventNext[e] = this.eventHead[c]!;
    this.eventHead[c] = e;
  }

  private skuOf(sku: string): number {
    let s = this.skuIndex.get(sku);
    if (s === ABSENT) {
      s = this.skus.length;
      this.skus.push(sku);
      this.skuIndex.add(sku, s);
    }
    return s;
  }

  /** Records that the customer bought the product on this day, if later than known. */
  private bought(c: number, sku: number, day: number): void {
    const big = this.productMaps.get(c);
    if (big !== undefined) {
      if ((big.get(sku) ?? -Infinity) < day) big.set(sku, day);
      return;
    }
    for (let p = this.productHead[c]!; p !== NONE; p = this.productNext[p]!) {
      if (this.productSku[p] === sku) {
        if (this.productDay[p]! < day) this.productDay[p] = day;
        return;
      }
    }
    if (++this.productCount[c]! > LIST_LIMIT) {
      this.productMaps.set(
        c,
        listAsMap(this.productHead[c]!, this.productNext, this.productSku, this.productDay, sku, day),
      );
      this.productHead[c] = NONE;
      return;
    }
    const p = this.products++;
    if (this.products > this.productNext.length)
      poolRoom(this.products, this.productNext, this.productSku, this.productDay);
    this.productSku[p] = sku;
    this.productDay[p] = day;
    this.productNext[p] = this.productHead[c]!;
    this.productHead[c] = p;
  }

  /** The customer's bucket of this day, made empty when there is none. */
  private bucket(c: number, day: number): number {
    for (let b = this.dayHead[c]!; b !== NONE; b = this.bucketNext[b]!) if (this.bucketDay[b] === day) return b;
    let b = this.freeBucket;
    if (b !== NONE) this.freeBucket = this.bucketNext[b]!;
    else {
      b = this.buckets++;
      if (this.buckets > this.bucketNext.length) {
        room(this.bucketNext, this.buckets);
        room(this.bucketDay, this.bucketNext.length);
        room(this.bucketTotals, this.bucketNext.length * TOTALS);
      }
    }
    this.bucketDay[b] = day;
    // a loop rather than fill(), whose call cost more than the seven stores at every new bucket
    const totals = this.bucketTotals;
    for (let v = b * TOTALS; v < (b + 1) * TOTALS; v++) totals[v] = 0;
    this.bucketNext[b] = this.dayHead[c]!;
    this.dayHead[c] = b;
    return b;
  }

  /** Frees the customer's buckets of days before `cutoff`. */
  private expireBuckets(c: number, cutoff: number): void {
    let previous = NONE;
    let b = this.dayHead[c]!;
    while (b !== NONE) {
      const next = this.bucketNext[b]!;
      if (this.bucketDay[b]! < cutoff) {
        if (previous === NONE) this.dayHead[c] = next;
        else this.bucketNext[previous] = next;
        this.bucketNext[b] = this.freeBucket;
        this.freeBucket = b;
      } else previous = b;
      b = next;
    }
  }
}
