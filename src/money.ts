// Money is held as integer mills: thousandths of the shop's currency unit (1 GBP = 1000 mills), so
// sums are exact (no float drift) and sub-penny unit prices such as 0.001 stay representable.
// Event limits keep every line value below 1e13 mills and so far inside Number's exact range.

export const MILLS_PER_UNIT = 1000;

// At most 12 integer digits: 999,999,999,999.999 units is below 2^53 mills, so every accepted
// amount converts exactly.
const decimal = /^(\d{1,12})(?:\.(\d{1,3}))?$/;

/**
 * Parses a non-negative decimal amount (a JSON number or a string such as "2.55") into mills,
 * exactly. Returns undefined for anything else: negatives, exponents, more than 3 decimals,
 * NaN, Infinity.
 */
export function parseMills(value: number | string): number | undefined {
  if (typeof value === 'number') {
    // The number's shortest decimal form has at most 3 decimals exactly when some integer m has
    // m / 1000 === value; it is then m (the text path below would accept the same numbers).
    if (!(value >= 0 && value < 1e12)) return undefined;
    const mills = Math.round(value * MILLS_PER_UNIT);
    return mills / MILLS_PER_UNIT === value ? mills + 0 : undefined;
  }
  const text = value.trim();
  const m = decimal.exec(text);
  if (m?.[1] === undefined) return undefined;
  const fraction = (m[2] ?? '').padEnd(3, '0');
  return Number(m[1]) * MILLS_PER_UNIT + Number(fraction);
}

/** Formats mills as a decimal string with 2 places (pence), rounding half away from zero. */
export function formatMills(mills: number, places: 2 | 3 = 2): string {
  const abs = Math.abs(mills);
  if (places === 3) {
    return `${mills < 0 ? '-' : ''}${Math.floor(abs / 1000)}.${String(abs % 1000).padStart(3, '0')}`;
  }
  const pence = Math.floor((abs + 5) / 10);
  // the sign goes with what is printed: -4 mills rounds to 0.00, not -0.00
  const sign = mills < 0 && pence > 0 ? '-' : '';
  return `${sign}${Math.floor(pence / 100)}.${String(pence % 100).padStart(2, '0')}`;
}
