// Per-customer features: pure functions of (state, now). Definitions (docs/features.md):
// the window is the last `windowDays` UTC days up to and including now's day; recency is
// lifetime. Money in mills. These are the numbers the model clusters and marketing reads.
// Two inputs give the same features: a customer's whole state (computeFeatures), and the compact
// one the placement passes read from Redis (featuresAt over a PlacementState, whose products come
// as counts in the day buckets, reduced by productWindowOfDays the way productWindow reduces the
// whole state's per-product days).
import {
  DAY_FIELDS,
  dayOf,
  MS_PER_DAY,
  packDays,
  type CustomerState,
  type PackedDays,
  type ProductWindow,
  type Totals,
} from '../state/customer-state.js';

export interface Features {
  readonly customerId: string;
  /** whole days from the last purchase to now; null when the customer never bought */
  readonly recencyDays: number | null;
  /** orders in the window */
  readonly orders: number;
  /** orders per active day: orders / (last purchase day - first purchase day + 1), in the window */
  readonly frequency: number;
  /** revenue of purchases in the window, mills */
  readonly grossRevenueMills: number;
  /** mean value of a purchase line in the window, mills (0 without purchases) */
  readonly avgTicketMills: number;
  /** units bought in the window */
  readonly items: number;
  /** distinct stock codes bought in the window */
  readonly products: number;
  /** units returned in the window */
  readonly returns: number;
  /** return events in the window */
  readonly returnEvents: number;
  /** value returned in the window, mills */
  readonly returnedMills: number;
  /** mean gap in days between consecutive purchase days in the window; null with fewer than two */
  readonly avgDaysBetweenPurchases: number | null;
  /** lifetime orders and revenue, for reference */
  readonly lifetimeOrders: number;
  readonly lifetimeRevenueMills: number;
}

/** The first UTC day inside a window of `windowDays` days ending on now's day. */
export function windowStartDay(nowMs: number, windowDays: number): number {
  return dayOf(nowMs) - windowDays + 1;
}

/** What a customer's features at a time are computed from. */
export interface WindowInput {
  readonly customerId: string;
  readonly lastPurchaseMs: number | undefined;
  readonly lifetime: Pick<Totals, 'orders' | 'revenueMills'>;
  /** day buckets, packed (see PackedDays; those outside the window are skipped) */
  readonly days: PackedDays;
  /** the customer's products as of the day the features are computed for */
  readonly products: ProductWindow;
}

/**
 * The earliest time after `nowMs` at which the set of the given UTC days inside a window of
 * `windowDays` days ending on the current day changes: a day inside the window leaves it at
 * (day + windowDays) × MS_PER_DAY; a day after today enters it at day × MS_PER_DAY; a day before the
 * window never matters again. Infinity when none of the days will change the window.
 */
export function nextWindowChangeMs(days: Iterable<number>, nowMs: number, windowDays: number): number {
  const packed = [...days];
  return nextWindowChangeMsOf(packed, 1, packed.length, nowMs, windowDays);
}

/**
 * The same over the days of a packed array: `count` entries of `stride` numbers, each entry's day
 * first (day buckets: stride DAY_FIELDS; products' (day, count) pairs: stride 2).
 */
export function nextWindowChangeMsOf(
  packed: readonly number[],
  stride: number,
  count: number,
  nowMs: number,
  windowDays: number,
): number {
  if (!Number.isInteger(windowDays) || windowDays < 1) {
    throw new RangeError(`nextWindowChangeMs: windowDays must be a positive integer, got ${windowDays}`);
  }
  const today = dayOf(nowMs);
  const start = today - windowDays + 1;
  let next = Infinity;
  for (let e = 0; e < count; e++) {
    const day = packed[e * stride]!;
    const at = day > today ? day * MS_PER_DAY : day >= start ? (day + windowDays) * MS_PER_DAY : Infinity;
    if (at < next) next = at;
  }
  return next;
}

/**
 * The first day a state still keeps: day buckets before it were dropped (apply-events.lua keeps
 * those from the customer's latest day - windowDays + 1), and products last bought before it are
 * not counted, as the buckets' product counts no longer hold them. -Infinity: everything kept.
 */
export function keptFromDay(latestDay: number | undefined, windowDays: number): number {
  return latestDay === undefined ? -Infinity : latestDay - windowDays + 1;
}

/**
 * Products (their latest purchase days) reduced to what the features and the due time read, as of
 * now's day; days before `keptFrom` (keptFromDay) are left out. The day buckets' product counts
 * give the same through productWindowOfDays.
 */
export function productWindow(
  lastDays: Iterable<number>,
  nowMs: number,
  windowDays: number,
  keptFrom = -Infinity,
): ProductWindow {
  if (!Number.isInteger(windowDays) || windowDays < 1) {
    throw new RangeError(`nextWindowChangeMs: windowDays must be a positive integer, got ${windowDays}`);
  }
  const day = dayOf(nowMs);
  const start = windowStartDay(nowMs, windowDays);
  let inWindow = 0;
  // nextWindowChangeMs over the days kept, in the same pass (no array of them per customer)
  let changeMs = Infinity;
  for (const d of lastDays) {
    if (d < keptFrom) continue;
    if (d >= start && d <= day) inWindow++;
    const at = d > day ? d * MS_PER_DAY : d >= start ? (d + windowDays) * MS_PER_DAY : Infinity;
    if (at < changeMs) changeMs = at;
  }
  return { day, inWindow, changeMs };
}

/**
 * The same from how many products were last bought on each kept day (the customer hash's day
 * buckets: apply-events.lua keeps these counts so placements never read the per-product fields),
 * given as `pairs` pairs (day, products) in `lastBought`.
 */
export function productWindowOfDays(
  lastBought: readonly number[],
  pairs: number,
  nowMs: number,
  windowDays: number,
): ProductWindow {
  const day = dayOf(nowMs);
  const start = windowStartDay(nowMs, windowDays);
  let inWindow = 0;
  for (let e = 0; e < pairs; e++) {
    const d = lastBought[2 * e]!;
    if (d >= start && d <= day) inWindow += lastBought[2 * e + 1]!;
  }
  return { day, inWindow, changeMs: nextWindowChangeMsOf(lastBought, 2, pairs, nowMs, windowDays) };
}

/** What a whole customer state gives featuresAt and the due time at `nowMs`: its products reduced. */
export function windowInput(state: CustomerState, nowMs: number, windowDays: number): WindowInput {
  return {
    customerId: state.customerId,
    lastPurchaseMs: state.lastPurchaseMs,
    lifetime: state.lifetime,
    days: packDays(state.days),
    products: productWindow(state.productLastDay.values(), nowMs, windowDays, keptFromDay(state.latestDay, windowDays)),
  };
}

/** The features of a whole customer state at `nowMs`. */
export function computeFeatures(state: CustomerState, nowMs: number, windowDays: number): Features {
  return featuresAt(windowInput(state, nowMs, windowDays), nowMs, windowDays);
}

/** The features at `nowMs`; `input.products` must be as of now's day. */
export function featuresAt(input: WindowInput, nowMs: number, windowDays: number): Features {
  if (input.products.day !== dayOf(nowMs)) {
    throw new RangeError(
      `featuresAt: products as of day ${input.products.day}, features asked for day ${dayOf(nowMs)}`,
    );
  }
  const start = windowStartDay(nowMs, windowDays);
  const end = dayOf(nowMs);
  let orders = 0;
  let lines = 0;
  let items = 0;
  let revenueMills = 0;
  let returns = 0;
  let returnEvents = 0;
  let returnedMills = 0;
  let firstDay = Infinity;
  let lastDay = -Infinity;
  let purchaseDays = 0;
  const days = input.days;
  for (let b = 0; b < days.length; b += DAY_FIELDS) {
    const day = days[b]!;
    if (day < start || day > end) continue;
    // the bucket's values in Totals' order: orders, lines, items, revenueMills, returns, returnedItems, returnedMills
    const dayOrders = days[b + 1]!;
    orders += dayOrders;
    lines += days[b + 2]!;
    items += days[b + 3]!;
    revenueMills += days[b + 4]!;
    returnEvents += days[b + 5]!;
    returns += days[b + 6]!;
    returnedMills += days[b + 7]!;
    if (dayOrders > 0) {
      purchaseDays++;
      if (day < firstDay) firstDay = day;
      if (day > lastDay) lastDay = day;
    }
  }
  const products = input.products.inWindow;
  return {
    customerId: input.customerId,
    recencyDays:
      input.lastPurchaseMs === undefined ? null : Math.max(0, Math.floor((nowMs - input.lastPurchaseMs) / MS_PER_DAY)),
    orders,
    frequency: orders === 0 ? 0 : orders / (lastDay - firstDay + 1),
    grossRevenueMills: revenueMills,
    avgTicketMills: lines === 0 ? 0 : revenueMills / lines,
    items,
    products,
    returns,
    returnEvents,
    returnedMills,
    avgDaysBetweenPurchases: purchaseDays < 2 ? null : (lastDay - firstDay) / (purchaseDays - 1),
    lifetimeOrders: input.lifetime.orders,
    lifetimeRevenueMills: input.lifetime.revenueMills,
  };
}
