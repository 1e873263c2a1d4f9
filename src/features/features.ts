// Per-customer features: pure functions of (state, now). Definitions (docs/features.md):
// the window is the last `windowDays` UTC days up to and including now's day; recency is
// lifetime. Money in mills. These are the numbers the model clusters and marketing reads.
import { dayOf, MS_PER_DAY, type CustomerState } from '../state/customer-state.js';

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

export function computeFeatures(state: CustomerState, nowMs: number, windowDays: number): Features {
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
  for (const [day, t] of state.days) {
    if (day < start || day > end) continue;
    orders += t.orders;
    lines += t.lines;
    items += t.items;
    revenueMills += t.revenueMills;
    returns += t.returnedItems;
    returnEvents += t.returns;
    returnedMills += t.returnedMills;
    if (t.orders > 0) {
      purchaseDays++;
      if (day < firstDay) firstDay = day;
      if (day > lastDay) lastDay = day;
    }
  }
  let products = 0;
  for (const day of state.productLastDay.values()) if (day >= start && day <= end) products++;
  return {
    customerId: state.customerId,
    recencyDays:
      state.lastPurchaseMs === undefined ? null : Math.max(0, Math.floor((nowMs - state.lastPurchaseMs) / MS_PER_DAY)),
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
    lifetimeOrders: state.lifetime.orders,
    lifetimeRevenueMills: state.lifetime.revenueMills,
  };
}
