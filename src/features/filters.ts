// The origin study's business rules, as configuration. They decide which lines of an event count
// towards a customer's features and which customers are segmented at all. Pure.
import type { AcceptedEvent, EventLine } from '../events/decode.js';

export interface BusinessRules {
  /** Lines priced below this (mills) are bank charges, adjustments or free lines, not sales. */
  readonly minUnitPriceMills: number;
  /** Stock codes that are not products (postage, discounts, fees); matched case-sensitively. */
  readonly deniedStockCodes: ReadonlySet<string>;
  /** A product stock code contains a digit; all-letter codes are services or adjustments. */
  readonly stockCodeNeedsDigit: boolean;
  /** Countries whose orders are not attributable to a market (e.g. "Unspecified"). */
  readonly deniedCountries: ReadonlySet<string>;
  /** Customers left out of segmentation on purpose (data errors, staff accounts). */
  readonly excludedCustomers: ReadonlySet<string>;
}

export const defaultRules: BusinessRules = {
  minUnitPriceMills: 40,
  deniedStockCodes: new Set([
    'POST',
    'D',
    'DOT',
    'M',
    'S',
    'AMAZONFEE',
    'DCGSSBOY',
    'DCGSSGIRL',
    'PADS',
    'B',
    'CRUK',
    'C2',
    'BANK CHARGES',
  ]),
  stockCodeNeedsDigit: true,
  deniedCountries: new Set(['European Community', 'Unspecified']),
  // 16446 bought and cancelled 80,995 units on one day: a data-entry error, per the origin study.
  excludedCustomers: new Set(['16446']),
};

export function isProductLine(line: EventLine, rules: BusinessRules): boolean {
  return isProduct(line.sku, line.unitPriceMills, rules);
}

/** isProductLine over a line's fields (the embedded path keeps lines as columns). */
export function isProduct(sku: string, unitPriceMills: number, rules: BusinessRules): boolean {
  if (unitPriceMills < rules.minUnitPriceMills) return false;
  if (rules.deniedStockCodes.has(sku)) return false;
  return !rules.stockCodeNeedsDigit || hasDigit(sku);
}

/** /\d/.test(text) (ASCII digits) as a loop: it runs on every line of every event. */
function hasDigit(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) return true;
  }
  return false;
}

/** Why every event of this customer (null: a guest) in this country is ignored; undefined when none is. */
export function ignoredWhy(
  customerId: string | null,
  country: string,
  rules: BusinessRules,
): 'denied_country' | 'excluded_customer' | undefined {
  if (rules.deniedCountries.has(country)) return 'denied_country';
  if (customerId !== null && rules.excludedCustomers.has(customerId)) return 'excluded_customer';
  return undefined;
}

/** What an event means for segmentation once the rules are applied. */
export type Classified =
  | { readonly kind: 'customer'; readonly customerId: string; readonly lines: readonly EventLine[] }
  | { readonly kind: 'guest'; readonly lines: readonly EventLine[] }
  | { readonly kind: 'ignored'; readonly why: 'no_product_lines' | 'denied_country' | 'excluded_customer' };

export function classify(event: AcceptedEvent, rules: BusinessRules): Classified {
  const why = ignoredWhy(event.customerId, event.country, rules);
  if (why !== undefined) return { kind: 'ignored', why };
  // Most events keep every line: then their own array is used, not a copy.
  const keep = (l: EventLine) => isProductLine(l, rules);
  const lines = event.lines.every(keep) ? event.lines : event.lines.filter(keep);
  if (lines.length === 0) return { kind: 'ignored', why: 'no_product_lines' };
  return event.customerId === null
    ? { kind: 'guest', lines }
    : { kind: 'customer', customerId: event.customerId, lines };
}
