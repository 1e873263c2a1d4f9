// The index of texts InMemoryCustomers keeps customer ids and stock codes by: exact keys for short
// ASCII texts, a Map for the others, both through growth of the table.
import { describe, expect, it } from 'vitest';
import { ABSENT, shortTextKey, SHORT_TEXT_UNITS, TextIndex } from '../../src/state/text-index.js';

describe('shortTextKey', () => {
  it('gives different texts of up to SHORT_TEXT_UNITS ASCII characters different integers below 2^53', () => {
    const texts = [
      '',
      '0',
      '00',
      '1',
      '10',
      '17850',
      '017850',
      '1003708',
      'A',
      'a',
      '85123A',
      '\u007f',
      'POST',
      'POST\u0000',
    ];
    const keys = texts.map(shortTextKey);
    expect(new Set(keys).size).toBe(texts.length);
    for (const key of keys) {
      expect(Number.isSafeInteger(key)).toBe(true);
      expect(key).toBeGreaterThanOrEqual(0);
    }
    expect(shortTextKey('\u007f'.repeat(SHORT_TEXT_UNITS))).toBe(129 ** SHORT_TEXT_UNITS - 1);
  });

  it('has none for longer texts and for characters past ASCII', () => {
    expect(shortTextKey('12345678')).toBe(-1);
    expect(shortTextKey('BANK CHARGES')).toBe(-1);
    expect(shortTextKey('café')).toBe(-1);
    expect(shortTextKey('\u0080')).toBe(-1);
  });
});

describe('TextIndex', () => {
  it('gives back the index of every text added, short or not, across growth of the table', () => {
    const index = new TextIndex();
    const texts = Array.from({ length: 5000 }, (_, i) => (i % 5 === 0 ? `customer-${i}` : String(i * 7919)));
    texts.push('café', 'x'.repeat(40), '');
    texts.forEach((t, i) => {
      expect(index.get(t)).toBe(ABSENT);
      index.add(t, i);
    });
    texts.forEach((t, i) => expect(index.get(t)).toBe(i));
    expect(index.get('7')).toBe(ABSENT);
    expect(index.get('customer-1')).toBe(ABSENT);
    index.clear();
    expect(index.get(texts[1]!)).toBe(ABSENT);
    expect(index.get(texts[0]!)).toBe(ABSENT);
  });
});
