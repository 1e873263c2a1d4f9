// ClickHouse string literals for the erasure's mutations: 18.16 takes no query parameters, so a
// customer id is quoted by hand and must not be able to end the literal.
import { describe, expect, it } from 'vitest';
import { stringLiteral } from '../../src/sinks/erase.js';

describe('stringLiteral', () => {
  it('quotes plain ids as they are', () => {
    expect(stringLiteral('12347')).toBe("'12347'");
  });

  it('escapes quotes and backslashes so the id stays one literal', () => {
    expect(stringLiteral("o'brien")).toBe("'o\\'brien'");
    expect(stringLiteral('a\\')).toBe("'a\\\\'");
    expect(stringLiteral("x' OR 1 = 1 --")).toBe("'x\\' OR 1 = 1 --'");
  });
});
