// A customer's state as stored in their two Redis hashes, and its decoding. Pure.
//
// The customer hash (all integers as decimal strings; money in mills, times in epoch ms, days are
// UTC day numbers = floor(ms / 86400000)): what a placement reads.
//   o n i r        lifetime orders, product lines, units, revenue
//   ro rq rv       lifetime return events, returned units, returned value
//   f l            first and last purchase time
//   x              latest day of any event (drives bucket expiry)
//   dm             oldest day bucket present
//   d:<day>        "orders,lines,items,revenue,returns,returnedItems,returnedValue,products" of that
//                  day; products: how many of the customer's products were last bought that day
//   s sv sc        current segment id, the model version that placed it, changes so far (changes
//                  not yet published wait in the shard's outbox: keys.ts, set-segments.lua)
//   z              erased on the customer's request (GDPR), epoch ms: then the only field, and the
//                  customer has no state (see forget-customer.lua)
// The marks hash: what only the write path reads (apply-events.lua).
//   e:<digest>     marks an applied event (idempotency): the digest of its content
//   p:<sku>        the latest day the product was bought

export interface Totals {
  readonly orders: number;
  readonly lines: number;
  readonly items: number;
  readonly revenueMills: number;
  readonly returns: number;
  readonly returnedItems: number;
  readonly returnedMills: number;
}

export interface CustomerState {
  readonly customerId: string;
  readonly firstPurchaseMs: number | undefined;
  readonly lastPurchaseMs: number | undefined;
  readonly lifetime: Totals;
  /** day buckets of the rolling window, by UTC day number */
  readonly days: ReadonlyMap<number, Totals>;
  /** latest purchase day per stock code */
  readonly productLastDay: ReadonlyMap<string, number>;
  /**
   * the latest day of any event ("x"): day buckets before latestDay - window + 1 are no longer kept,
   * and products last bought then are not counted either (features.ts: productWindow). Absent: all
   * kept (a state held in memory)
   */
  readonly latestDay?: number | undefined;
  /** the segment the customer is in, null when none yet */
  readonly segmentId: number | null;
  /** the model version that placed the customer there */
  readonly segmentModelVersion: number | null;
}

/**
 * Day buckets packed in one array, DAY_FIELDS numbers a bucket: the UTC day, then the bucket's
 * orders, lines, items, revenueMills, returns, returnedItems and returnedMills (as in Totals). What
 * a placement reads comes in this form: one array per customer, where a Map and an object per
 * bucket made decoding a million customers mostly work for the garbage collector.
 */
export type PackedDays = readonly number[];
export const DAY_FIELDS = 8;

/** A state's day buckets in the packed form, in the Map's order. */
export function packDays(days: ReadonlyMap<number, Totals>): number[] {
  const packed: number[] = [];
  for (const [day, t] of days) {
    packed.push(day, t.orders, t.lines, t.items, t.revenueMills, t.returns, t.returnedItems, t.returnedMills);
  }
  return packed;
}

/**
 * A customer's products reduced to what features and due times read, as of one UTC day: how many
 * were last bought inside the window ending that day, and when that set next changes.
 */
export interface ProductWindow {
  /** the UTC day it holds for */
  readonly day: number;
  readonly inWindow: number;
  /** epoch ms (event time) when a product next enters or leaves the window; Infinity: never */
  readonly changeMs: number;
}

/**
 * What a placement pass reads of a customer, as of one day: the customer hash, its products reduced to a ProductWindow from the day buckets' product
 * counts. Read by read-placement.lua, so the marks hash never leaves Redis.
 */
export interface PlacementState {
  readonly customerId: string;
  readonly lastPurchaseMs: number | undefined;
  readonly lifetime: Totals;
  /** the day buckets, packed (see PackedDays) */
  readonly days: PackedDays;
  readonly products: ProductWindow;
  readonly segmentId: number | null;
  readonly segmentModelVersion: number | null;
}

export const MS_PER_DAY = 86_400_000;

export function dayOf(ms: number): number {
  return Math.floor(ms / MS_PER_DAY);
}

export const zeroTotals: Totals = {
  orders: 0,
  lines: 0,
  items: 0,
  revenueMills: 0,
  returns: 0,
  returnedItems: 0,
  returnedMills: 0,
};

/** A stored integer, as text or as read digit by digit (NaN: no digits); absent is 0. */
function int(value: string | number | undefined): number {
  if (value === undefined) return 0;
  if (typeof value === 'number') return Number.isNaN(value) ? 0 : value;
  return Number(value);
}

/** Lifetime totals from the hash's scalar fields o n i r ro rq rv (absent: 0). */
function lifetimeTotals(...[o, n, i, r, ro, rq, rv]: (string | number | undefined)[]): Totals {
  return {
    orders: int(o),
    lines: int(n),
    items: int(i),
    revenueMills: int(r),
    returns: int(ro),
    returnedItems: int(rq),
    returnedMills: int(rv),
  };
}

/** A day bucket's totals (its eighth value, the products last bought that day, is for placements). */
function bucket(value: string): Totals {
  const [orders, lines, items, revenueMills, returns, returnedItems, returnedMills] = value.split(',').map(Number);
  return {
    orders: orders ?? 0,
    lines: lines ?? 0,
    items: items ?? 0,
    revenueMills: revenueMills ?? 0,
    returns: returns ?? 0,
    returnedItems: returnedItems ?? 0,
    returnedMills: returnedMills ?? 0,
  };
}

/**
 * Decodes read-placement.lua's reply (see its header): one line per customer id, in order, into
 * `out` (unknown and erased customers, empty lines, are left out). `productsOf` reduces the
 * buckets' product counts to the customer's ProductWindow as of the day read for; it gets them as
 * pairs (day, products last bought that day) in an array it must not keep, as it is reused.
 * A scan over the characters, numbers read digit by digit: this reply is read for every customer
 * a placement or a refit touches, and splitting it into strings first cost more than the rest.
 * Per customer it allocates the state, its lifetime totals, its packed days and its products.
 */
export function decodePlacementStates(
  reply: string,
  customerIds: readonly string[],
  productsOf: (lastBought: readonly number[], pairs: number) => ProductWindow,
  out: PlacementState[],
): void {
  const end = reply.length;
  const scalars = new Array<number>(10).fill(0);
  const lastBought: number[] = [];
  let at = 0;
  for (const customerId of customerIds) {
    if (at >= end || reply.charCodeAt(at) === 10) {
      at++; // an empty line: no such customer, or erased
      continue;
    }
    // 10 scalars, then "<day>=<8 values>" separated by spaces up to the line's end: every number an
    // integer with an optional '-', NaN for an absent scalar, each followed by one separator
    for (let k = 0; k < 10; k++) {
      let negative = false;
      if (reply.charCodeAt(at) === 45) {
        negative = true;
        at++;
      }
      const from = at;
      let value = 0;
      for (let c = reply.charCodeAt(at); c >= 48 && c <= 57; c = reply.charCodeAt(++at)) value = value * 10 + (c - 48);
      scalars[k] = at === from ? NaN : negative ? -value : value;
      at++;
    }
    const days: number[] = [];
    let pairs = 0;
    while (at < end && reply.charCodeAt(at - 1) === 32) {
      // the day, then its 8 values: the 7 totals of the bucket, then its product count
      for (let v = 0; v < 9; v++) {
        let negative = false;
        if (reply.charCodeAt(at) === 45) {
          negative = true;
          at++;
        }
        let value = 0;
        for (let c = reply.charCodeAt(at); c >= 48 && c <= 57; c = reply.charCodeAt(++at))
          value = value * 10 + (c - 48);
        if (negative) value = -value;
        if (v < DAY_FIELDS) days.push(value);
        else if (value > 0) {
          lastBought[2 * pairs] = days[days.length - DAY_FIELDS]!;
          lastBought[2 * pairs + 1] = value;
          pairs++;
        }
        at++; // '=', ',' or the separator after the last value
      }
    }
    const l = scalars[0]!;
    const segment = scalars[8]!;
    const version = scalars[9]!;
    out.push({
      customerId,
      lastPurchaseMs: Number.isNaN(l) ? undefined : l,
      lifetime: lifetimeTotals(scalars[1], scalars[2], scalars[3], scalars[4], scalars[5], scalars[6], scalars[7]),
      days,
      products: productsOf(lastBought, pairs),
      segmentId: Number.isNaN(segment) ? null : segment,
      segmentModelVersion: Number.isNaN(version) ? null : version,
    });
  }
}

/**
 * Decodes a customer's two hashes as HGETALL sends them, one after the other: field, value, field,
 * value, ... (the flat reply: building an object of it first cost more than the decoding).
 * Undefined when it is empty (no such customer) or erased.
 */
export function decodeCustomerState(customerId: string, reply: readonly string[]): CustomerState | undefined {
  if (reply.length === 0) return undefined;
  const days = new Map<number, Totals>();
  const productLastDay = new Map<string, number>();
  const scalars: Record<string, string | undefined> = {};
  for (let i = 0; i + 1 < reply.length; i += 2) {
    const field = reply[i]!;
    const value = reply[i + 1]!;
    // Field names: one or two letters for scalars, "<kind>:<name>" for the maps (see the header).
    const colon = field.indexOf(':');
    if (colon < 0) {
      if (field === 'z') return undefined;
      scalars[field] = value;
    } else if (field.startsWith('p:')) productLastDay.set(field.slice(2), Number(value));
    else if (field.startsWith('d:')) days.set(Number(field.slice(2)), bucket(value));
  }
  const { f, l, o, n, i, r, ro, rq, rv, s, sv, x } = scalars;
  return {
    customerId,
    firstPurchaseMs: f === undefined ? undefined : Number(f),
    lastPurchaseMs: l === undefined ? undefined : Number(l),
    lifetime: lifetimeTotals(o, n, i, r, ro, rq, rv),
    days,
    productLastDay,
    latestDay: x === undefined ? undefined : Number(x),
    segmentId: s === undefined || s === '' ? null : Number(s),
    segmentModelVersion: sv === undefined ? null : Number(sv),
  };
}
