// A customer's due time: the earliest event time at which their placement under the current model
// may change with no new event. Contract: never later than that first change, always later than
// "now" (so a pass that places a due customer and finds no change moves on), Infinity for never.
import type { Features } from '../features/features.js';
import type { FittedModel } from '../model/model.js';
import { dayOf, MS_PER_DAY, type CustomerState } from '../state/customer-state.js';

/**
 * The next time the days inside the customer's window change: a day bucket or a product's last
 * purchase day leaving the window at the end of its last day in it, or (with a wall clock) a later
 * day entering it.
 */
export function nextWindowChangeMs(state: CustomerState, nowMs: number, windowDays: number): number {
  const today = dayOf(nowMs);
  const start = today - windowDays + 1;
  let next = Infinity;
  const consider = (day: number) => {
    const at = day > today ? day * MS_PER_DAY : day >= start ? (day + windowDays) * MS_PER_DAY : Infinity;
    if (at < next) next = at;
  };
  for (const day of state.days.keys()) consider(day);
  for (const day of state.productLastDay.values()) consider(day);
  return next;
}

/**
 * The due time of a customer placed at `nowMs`. Recency is the one feature that moves between
 * window changes, a whole day at a time: the customer is due at the next step of their recency
 * or at the next window change, whichever comes first.
 */
export function customerDueMs(
  _model: FittedModel,
  state: CustomerState,
  features: Features,
  nowMs: number,
  windowDays: number,
): number {
  const windowChange = nextWindowChangeMs(state, nowMs, windowDays);
  if (state.lastPurchaseMs === undefined || features.recencyDays === null) return windowChange;
  const steps = Math.max(0, Math.floor((nowMs - state.lastPurchaseMs) / MS_PER_DAY)) + 1;
  return Math.min(windowChange, state.lastPurchaseMs + steps * MS_PER_DAY);
}
