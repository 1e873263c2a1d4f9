// A customer's features for unit tests of what is built on them (rows, views): revenue in whole
// units, the rest derived from the number of products so that each customer differs; `overrides`
// sets any field outright. clusteredCustomer draws a population a fit finds clusters in.
import type { Features } from '../../src/features/features.js';
import type { Rng } from '../../src/model/types.js';

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

/**
 * Revenue (whole units), recency (days) and products of a customer of group 0, 1 or 2 of a
 * population in three clusters far apart — small spenders long gone, regulars, big recent
 * spenders — jittered by `rng`'s next three values: customers a fit has clusters to find in.
 */
export function clusteredCustomer(
  group: number,
  rng: Rng,
): [revenueUnits: number, recencyDays: number, products: number] {
  return [
    [200, 3_000, 40_000][group]! * (0.5 + rng()),
    [300, 90, 5][group]! + Math.floor(20 * rng()),
    [2, 15, 80][group]! + Math.floor(5 * rng()),
  ];
}
