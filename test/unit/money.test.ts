import { describe, expect, it } from 'vitest';
import { MILLS_PER_UNIT, formatMills, parseMills } from '../../src/money.js';

describe('parseMills', () => {
  it.each<[number | string, number]>([
    ['2.55', 2550],
    [2.55, 2550],
    ['0.001', 1],
    [0.001, 1],
    ['10', 10_000],
    [10, 10_000],
    [0, 0],
    ['0', 0],
    ['2.550', 2550],
    ['007.10', 7100],
    ['100000', 100_000_000],
    [100_000, 100_000_000],
    [649.5, 649_500],
    // the producer's float 0.1 + 0.2 is 0.30000000000000004; the literal 0.3 is exact
    [0.3, 300],
  ])('parses %j as %d mills', (value, mills) => {
    expect(parseMills(value)).toBe(mills);
  });

  it('reads a number as the text it prints as, over many numbers of every shape', () => {
    const numbers = [0.1 + 0.2, 1e-3, 1e-4, 999_999_999_999.999, 1e12, 1e12 - 1, 123_456_789_012.5, 5e-324];
    let seed = 42;
    const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 20_000; i++) {
      const magnitude = 10 ** Math.floor(next() * 14 - 2);
      const decimals = Math.floor(next() * 6);
      numbers.push(Number((next() * magnitude).toFixed(decimals)), next() * magnitude);
    }
    for (const n of numbers) expect(parseMills(n), String(n)).toBe(parseMills(String(n)));
  });

  it('reads -0 as 0', () => {
    expect(parseMills(-0)).toBe(0);
  });

  it('trims surrounding whitespace from strings (the event schema never lets it through)', () => {
    expect(parseMills(' 1')).toBe(1000);
    expect(parseMills('2.55\n')).toBe(2550);
  });

  it.each<[string, number | string]>([
    ['a negative number', -1],
    ['a negative string', '-1'],
    ['a negative fraction', -0.5],
    ['an exponent string', '1e3'],
    ['a number that prints with an exponent (large)', 1e21],
    ['a number that prints with an exponent (small)', 1e-7],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['-Infinity', Number.NEGATIVE_INFINITY],
    ['the string "NaN"', 'NaN'],
    ['the string "Infinity"', 'Infinity'],
    ['4 decimal places in a string', '1.2345'],
    ['4 decimal places in a number', 1.2345],
    ['a float sum with binary noise', 0.1 + 0.2],
    ['an empty string', ''],
    ['a blank string', '   '],
    ['a trailing point', '1.'],
    ['a leading point', '.5'],
    ['a plus sign', '+1'],
    ['hex', '0x10'],
    ['a decimal comma', '1,5'],
    ['a thousands separator', '1,000.00'],
    ['inner whitespace', '1 000'],
    ['non-ASCII digits', '\u0661'],
    ['more than 15 integer digits', '1234567890123456'],
  ])('rejects %s', (_what, value) => {
    expect(parseMills(value)).toBeUndefined();
  });

  it('round-trips every 3-place amount up to 2.000 through formatMills', () => {
    for (let mills = 0; mills <= 2 * MILLS_PER_UNIT; mills++) {
      expect(parseMills(formatMills(mills, 3))).toBe(mills);
    }
  });

  it('is exact up to 12 integer digits, all below Number.MAX_SAFE_INTEGER mills', () => {
    expect(parseMills('100000.000')).toBe(100_000_000);
    expect(parseMills('99999.999')).toBe(99_999_999);
    expect(parseMills('999999999999.999')).toBe(999_999_999_999_999);
  });

  it('rejects amounts that could not be held exactly, rather than rounding them', () => {
    expect(parseMills('9007199254740.991')).toBeUndefined();
    expect(parseMills('9007199254740.993')).toBeUndefined();
  });
});

describe('formatMills', () => {
  it.each<[number, string]>([
    [0, '0.00'],
    [2550, '2.55'],
    [2554, '2.55'],
    [2555, '2.56'],
    [2559, '2.56'],
    [4, '0.00'],
    [5, '0.01'],
    [995, '1.00'],
    [1000, '1.00'],
    [123_456_789, '123456.79'],
    [-2554, '-2.55'],
    [-2555, '-2.56'],
    [-5, '-0.01'],
    [-1000, '-1.00'],
  ])('formats %d mills with 2 places, rounding half away from zero, as %s', (mills, text) => {
    expect(formatMills(mills)).toBe(text);
  });

  it.each<[number, string]>([
    [0, '0.000'],
    [1, '0.001'],
    [2550, '2.550'],
    [100_000_000, '100000.000'],
    [-1, '-0.001'],
    [-2550, '-2.550'],
  ])('formats %d mills with 3 places as %s', (mills, text) => {
    expect(formatMills(mills, 3)).toBe(text);
  });

  // Known bug (see report): a negative amount that rounds to zero pence keeps its sign.
  // Remove `.fails` once formatMills(-4) gives "0.00".
  it('does not print a negative zero for -4 mills', () => {
    expect(formatMills(-4)).toBe('0.00');
  });
});
