// A customer's state as stored in their Redis hash, and its decoding. Pure.
//
// Hash fields (all integers as decimal strings; money in mills, times in epoch ms, days are UTC
// day numbers = floor(ms / 86400000)):
//   o n i r        lifetime orders, product lines, units, revenue
//   ro rq rv       lifetime return events, returned units, returned value
//   f l            first and last purchase time
//   x              latest day of any event (drives bucket expiry)
//   dm             oldest day bucket present
//   d:<day>        "orders,lines,items,revenue,returns,returnedItems,returnedValue" of that day
//   p:<sku>        the latest day the product was bought
//   e:<digest>     marks an applied event (idempotency)
//   s sv sc        current segment id, the model version that placed it, changes so far
//   pc:<seq>       a segment change not yet published (see set-segment.lua)
//   z              erased on the customer's request (GDPR), epoch ms: then the only field, and the
//                  customer has no state (see forget-customer.lua)

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
  /** the segment the customer is in, null when none yet */
  readonly segmentId: number | null;
  /** the model version that placed the customer there */
  readonly segmentModelVersion: number | null;
  /** segment changes recorded but not yet published, by sequence number */
  readonly pendingChanges: ReadonlyMap<number, string>;
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

/** Decodes HGETALL of a customer hash; undefined when it is empty (no such customer) or erased. */
export function decodeCustomerState(
  customerId: string,
  hash: Readonly<Record<string, string>>,
): CustomerState | undefined {
  if (hash.z !== undefined) return undefined;
  const days = new Map<number, Totals>();
  const productLastDay = new Map<string, number>();
  const pendingChanges = new Map<number, string>();
  let fields = 0;
  for (const [field, value] of Object.entries(hash)) {
    fields++;
    if (field.startsWith('d:')) days.set(Number(field.slice(2)), bucket(value));
    else if (field.startsWith('p:')) productLastDay.set(field.slice(2), Number(value));
    else if (field.startsWith('pc:')) pendingChanges.set(Number(field.slice(3)), value);
  }
  if (fields === 0) return undefined;
  return {
    customerId,
    firstPurchaseMs: hash.f === undefined ? undefined : Number(hash.f),
    lastPurchaseMs: hash.l === undefined ? undefined : Number(hash.l),
    lifetime: {
      orders: int(hash.o),
      lines: int(hash.n),
      items: int(hash.i),
      revenueMills: int(hash.r),
      returns: int(hash.ro),
      returnedItems: int(hash.rq),
      returnedMills: int(hash.rv),
    },
    days,
    productLastDay,
    segmentId: hash.s === undefined || hash.s === '' ? null : Number(hash.s),
    segmentModelVersion: hash.sv === undefined ? null : Number(hash.sv),
    pendingChanges,
  };
}
