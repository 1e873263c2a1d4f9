import { describe, expect, it } from 'vitest';
import type { AcceptedEvent, EventLine } from '../../src/events/decode.js';
import type { BusinessRules } from '../../src/features/filters.js';
import { classify, defaultRules, isProductLine } from '../../src/features/filters.js';

const line = (sku: string, unitPriceMills = 2550, quantity = 1): EventLine => ({ sku, quantity, unitPriceMills });

const heart = line('85123A', 2550, 6);
const lantern = line('71053', 3390, 6);
const postage = line('POST', 18_000);

const event = (patch: Partial<AcceptedEvent> = {}): AcceptedEvent => ({
  kind: 'order',
  eventId: 'order:536365',
  orderId: '536365',
  customerId: '17850',
  country: 'United Kingdom',
  occurredAtMs: Date.UTC(2010, 11, 1, 8, 26),
  lines: [heart, lantern],
  ...patch,
});

describe('isProductLine with the default rules', () => {
  it('keeps a line priced at the minimum, 0.04 (40 mills), and drops 0.039', () => {
    expect(defaultRules.minUnitPriceMills).toBe(40);
    expect(isProductLine(line('85123A', 40), defaultRules)).toBe(true);
    expect(isProductLine(line('85123A', 39), defaultRules)).toBe(false);
  });

  it('drops a free line (price 0)', () => {
    expect(isProductLine(line('85123A', 0), defaultRules)).toBe(false);
  });

  it.each<[string, boolean, string]>([
    ['85123A', true, 'a product code'],
    ['22502', true, 'an all-digit product code'],
    ['DCGS0003', true, 'a DCGS code with digits (a real product in the data)'],
    ['gift_0001_20', true, 'a gift voucher: it contains a digit and is not on the deny list (known gap)'],
    ['POST', false, 'postage, on the deny list'],
    ['M', false, 'a manual adjustment, on the deny list'],
    ['m', false, 'lower-case m: not the deny-list entry M, but it has no digit'],
    ['BANK CHARGES', false, 'bank charges'],
    ['AMAZONFEE', false, 'a fee'],
    ['DCGSSBOY', false, 'a DCGS code without digits'],
    ['C2', false, 'carriage: it has a digit, so only the deny list drops it'],
  ])('%s is a product line: %s (%s)', (sku, expected) => {
    expect(isProductLine(line(sku), defaultRules)).toBe(expected);
  });

  it('applies the price rule to product codes and the code rules to any price', () => {
    expect(isProductLine(line('POST', 100_000_000), defaultRules)).toBe(false);
    expect(isProductLine(line('C2', 50_000), defaultRules)).toBe(false);
    expect(isProductLine(line('85123A', 1), defaultRules)).toBe(false);
  });
});

describe('isProductLine with other rules', () => {
  const noDigitRule: BusinessRules = { ...defaultRules, stockCodeNeedsDigit: false };

  it('without the digit rule, only the deny list drops all-letter codes, matched case-sensitively', () => {
    expect(isProductLine(line('XMAS'), noDigitRule)).toBe(true);
    expect(isProductLine(line('m'), noDigitRule)).toBe(true);
    expect(isProductLine(line('M'), noDigitRule)).toBe(false);
    expect(isProductLine(line('PADS'), noDigitRule)).toBe(false);
  });

  it('follows a configured minimum price and deny list', () => {
    const rules: BusinessRules = {
      ...defaultRules,
      minUnitPriceMills: 0,
      deniedStockCodes: new Set(['gift_0001_20']),
    };
    expect(isProductLine(line('85123A', 0), rules)).toBe(true);
    expect(isProductLine(line('gift_0001_20'), rules)).toBe(false);
    expect(isProductLine(line('POST'), rules)).toBe(false);
  });
});

describe('classify with the default rules', () => {
  it('gives a customer event its product lines', () => {
    expect(classify(event(), defaultRules)).toEqual({ kind: 'customer', customerId: '17850', lines: [heart, lantern] });
  });

  it('drops non-product lines and keeps the others in order', () => {
    const mixed = event({ lines: [postage, heart, line('85123A', 39), line('BANK CHARGES', 15_000), lantern] });
    expect(classify(mixed, defaultRules)).toEqual({ kind: 'customer', customerId: '17850', lines: [heart, lantern] });
  });

  it('counts a guest order as a guest, with its product lines', () => {
    expect(classify(event({ customerId: null, lines: [heart, postage] }), defaultRules)).toEqual({
      kind: 'guest',
      lines: [heart],
    });
  });

  it('classifies a return like an order', () => {
    expect(classify(event({ kind: 'return', lines: [postage, heart] }), defaultRules)).toEqual({
      kind: 'customer',
      customerId: '17850',
      lines: [heart],
    });
  });

  it.each(['European Community', 'Unspecified'])('ignores an event from %s', (country) => {
    expect(classify(event({ country }), defaultRules)).toEqual({ kind: 'ignored', why: 'denied_country' });
    expect(classify(event({ country, customerId: null }), defaultRules)).toEqual({
      kind: 'ignored',
      why: 'denied_country',
    });
  });

  it('matches countries exactly', () => {
    expect(classify(event({ country: 'unspecified' }), defaultRules).kind).toBe('customer');
  });

  it('ignores the excluded customer 16446', () => {
    const bulk = event({ customerId: '16446', lines: [line('23843', 2080, 80_995)] });
    expect(classify(bulk, defaultRules)).toEqual({ kind: 'ignored', why: 'excluded_customer' });
    expect(classify(event({ customerId: '164460' }), defaultRules).kind).toBe('customer');
  });

  it('checks the country before the customer', () => {
    const both = event({ customerId: '16446', country: 'Unspecified' });
    expect(classify(both, defaultRules)).toEqual({ kind: 'ignored', why: 'denied_country' });
  });

  it('ignores an event with no product lines left, for customers and guests', () => {
    const nothing = [postage, line('85123A', 39), line('gift', 5000), line('C2', 50_000)];
    expect(classify(event({ lines: nothing }), defaultRules)).toEqual({ kind: 'ignored', why: 'no_product_lines' });
    expect(classify(event({ customerId: null, lines: nothing }), defaultRules)).toEqual({
      kind: 'ignored',
      why: 'no_product_lines',
    });
  });
});
