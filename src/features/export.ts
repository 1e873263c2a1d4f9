// Features as rows for people and tools: snake_case columns, money in currency units.
import { formatMills } from '../money.js';
import type { Features } from './features.js';

export const featureColumns = [
  'customer_id',
  'recency_days',
  'orders',
  'frequency',
  'gross_revenue',
  'avg_ticket',
  'items',
  'products',
  'returns',
  'return_events',
  'returned_value',
  'avg_days_between_purchases',
  'lifetime_orders',
  'lifetime_revenue',
] as const;

export type FeatureRow = Record<(typeof featureColumns)[number], string | number | null>;

const round = (x: number, places: number) => Number(x.toFixed(places));

export function featureRow(f: Features): FeatureRow {
  return {
    customer_id: f.customerId,
    recency_days: f.recencyDays,
    orders: f.orders,
    frequency: round(f.frequency, 6),
    gross_revenue: formatMills(f.grossRevenueMills),
    avg_ticket: formatMills(Math.round(f.avgTicketMills)),
    items: f.items,
    products: f.products,
    returns: f.returns,
    return_events: f.returnEvents,
    returned_value: formatMills(f.returnedMills),
    avg_days_between_purchases: f.avgDaysBetweenPurchases === null ? null : round(f.avgDaysBetweenPurchases, 4),
    lifetime_orders: f.lifetimeOrders,
    lifetime_revenue: formatMills(f.lifetimeRevenueMills),
  };
}
