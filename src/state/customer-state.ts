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
//   s sv sc        current segment id, the model version that placed it, changes so far
//   pn             change records not yet cleared as published
//   pc:<seq>       a segment change not yet published (see set-segments.lua)
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
  /** segment changes recorded but not yet published, by sequence number */
  readonly pendingChanges: ReadonlyMap<number, string>;
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
 * What a placement pass reads of a customer, as of one day: the customer hash without its change
 * records (only their count), its products reduced to a ProductWindow from the day buckets' product
 * counts. Read by read-placement.lua, so the marks hash never leaves Redis.
 */
export interface PlacementState {
  readonly customerId: string;
  readonly lastPurchaseMs: number | undefined;
  readonly lifetime: Totals;
  readonly days: ReadonlyMap<number, Totals>;
  readonly products: ProductWindow;
  readonly segmentId: number | null;
  readonly segmentModelVersion: number | null;
  /** change records not yet cleared as published */
  readonly pendingChanges: number;
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
 * buckets' product counts (by day) to the customer's ProductWindow as of the day read for.
 * A scan over the characters, numbers read digit by digit: this reply is read for every customer
 * a placement or a refit touches, and splitting it into strings first cost more than the rest.
 */
export function decodePlacementStates(
  reply: string,
  customerIds: readonly string[],
  productsOf: (lastBoughtByDay: ReadonlyMap<number, number>) => ProductWindow,
  out: PlacementState[],
): void {
  const end = reply.length;
  let at = 0;
  // The integer at `at` up to the next non-digit (a leading '-' allowed); NaN when there is none.
  const integer = (): number => {
    let negative = false;
    if (reply.charCodeAt(at) === 45) {
      negative = true;
      at++;
    }
    const from = at;
    let value = 0;
    for (let c = reply.charCodeAt(at); c >= 48 && c <= 57; c = reply.charCodeAt(++at)) value = value * 10 + (c - 48);
    if (at === from) return NaN;
    return negative ? -value : value;
  };
  const scalars = new Array<number>(11);
  const bucketValues = new Array<number>(8);
  for (const customerId of customerIds) {
    if (at >= end || reply.charCodeAt(at) === 10) {
      at++; // an empty line: no such customer, or erased
      continue;
    }
    for (let k = 0; k < 11; k++) {
      scalars[k] = integer(); // NaN: absent
      at++; // the space (or the line's end after the last scalar without buckets)
    }
    const days = new Map<number, Totals>();
    const lastBought = new Map<number, number>();
    // "<day>=<8 values>" separated by spaces, up to the line's end
    while (at < end && reply.charCodeAt(at - 1) === 32) {
      const day = integer();
      at++; // '='
      for (let v = 0; v < 8; v++) {
        bucketValues[v] = integer();
        at++; // ',' or the separator after the last value
      }
      days.set(day, {
        orders: bucketValues[0]!,
        lines: bucketValues[1]!,
        items: bucketValues[2]!,
        revenueMills: bucketValues[3]!,
        returns: bucketValues[4]!,
        returnedItems: bucketValues[5]!,
        returnedMills: bucketValues[6]!,
      });
      if (bucketValues[7]! > 0) lastBought.set(day, bucketValues[7]!);
    }
    const [l, o, n, i, r, ro, rq, rv, seg, sv, pn] = scalars as [number, ...number[]];
    out.push({
      customerId,
      lastPurchaseMs: Number.isNaN(l) ? undefined : l,
      lifetime: lifetimeTotals(o, n, i, r, ro, rq, rv),
      days,
      products: productsOf(lastBought),
      segmentId: seg === undefined || Number.isNaN(seg) ? null : seg,
      segmentModelVersion: sv === undefined || Number.isNaN(sv) ? null : sv,
      pendingChanges: int(pn),
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
  const pendingChanges = new Map<number, string>();
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
    else if (field.startsWith('pc:')) pendingChanges.set(Number(field.slice(3)), value);
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
    pendingChanges,
  };
}
