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

function int(value: string | undefined): number {
  return value === undefined ? 0 : Number(value);
}

/** Lifetime totals from the hash's scalar fields o n i r ro rq rv (absent: 0). */
function lifetimeTotals(...[o, n, i, r, ro, rq, rv]: (string | undefined)[]): Totals {
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

/** A day bucket's totals, and how many products were last bought that day. */
function bucket(value: string): [Totals, number] {
  const [orders, lines, items, revenueMills, returns, returnedItems, returnedMills, products] = value
    .split(',')
    .map(Number);
  const totals = {
    orders: orders ?? 0,
    lines: lines ?? 0,
    items: items ?? 0,
    revenueMills: revenueMills ?? 0,
    returns: returns ?? 0,
    returnedItems: returnedItems ?? 0,
    returnedMills: returnedMills ?? 0,
  };
  return [totals, products ?? 0];
}

/**
 * Decodes one customer's line of read-placement.lua's reply (see its header). `productsOf` reduces
 * the buckets' product counts (by day) to the customer's ProductWindow as of the day read for.
 * Undefined for an empty line: no such customer, or erased.
 */
export function decodePlacementState(
  customerId: string,
  line: string,
  productsOf: (lastBoughtByDay: ReadonlyMap<number, number>) => ProductWindow,
): PlacementState | undefined {
  if (line === '') return undefined;
  const f = line.split(' ');
  const days = new Map<number, Totals>();
  const lastBought = new Map<number, number>();
  for (let k = 11; k < f.length; k++) {
    const bucketField = f[k]!;
    const eq = bucketField.indexOf('=');
    const day = Number(bucketField.slice(0, eq));
    const [totals, products] = bucket(bucketField.slice(eq + 1));
    days.set(day, totals);
    if (products > 0) lastBought.set(day, products);
  }
  const text = (k: number): string | undefined => (f[k] === '' ? undefined : f[k]);
  const [l, o, n, i, r, ro, rq, rv, s, sv, pn] = Array.from({ length: 11 }, (_, k) => text(k));
  return {
    customerId,
    lastPurchaseMs: l === undefined ? undefined : Number(l),
    lifetime: lifetimeTotals(o, n, i, r, ro, rq, rv),
    days,
    products: productsOf(lastBought),
    segmentId: s === undefined ? null : Number(s),
    segmentModelVersion: sv === undefined ? null : Number(sv),
    pendingChanges: int(pn),
  };
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
    else if (field.startsWith('d:')) days.set(Number(field.slice(2)), bucket(value)[0]);
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
