// A customer's features for unit tests of what is built on them (rows, views): revenue in whole
// units, the rest derived from the number of products so that each customer differs; `overrides`
// sets any field outright.
import type { Features } from '../../src/features/features.js';

export function features(
  id: string,
  revenueUnits: number,
  recencyDays: number | null,
  products: number,
  overrides: Partial<Features> = {},
): Features {
  return {
    customerId: id,
    recencyDays,
    orders: products,
    frequency: 0.5,
    grossRevenueMills: revenueUnits * 1000,
    avgTicketMills: 1234.5,
    items: products * 2,
    products,
    returns: 1,
    returnEvents: 1,
    returnedMills: 2500,
    avgDaysBetweenPurchases: null,
    lifetimeOrders: products + 1,
    lifetimeRevenueMills: revenueUnits * 1000 + 7,
    ...overrides,
  };
}
