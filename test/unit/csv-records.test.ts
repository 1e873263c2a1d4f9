import { describe, expect, it } from 'vitest';
import { CsvRecords, QUOTE_IN_UNQUOTED, TEXT_AFTER_QUOTE, UNCLOSED_QUOTE } from '../../src/replay/csv-records.js';

type Item = { line: number; fields: string[] } | { line: number; malformed: string };

/** Parses `text` fed in chunks cut at `cuts` (character offsets). */
function parse(text: string, cuts: readonly number[] = []): Item[] {
  const items: Item[] = [];
  const sink = {
    record: (fields: readonly string[], count: number, line: number) =>
      items.push({ line, fields: fields.slice(0, count) }),
    malformed: (line: number, reason: string) => items.push({ line, malformed: reason }),
  };
  const records = new CsvRecords();
  let from = 0;
  for (const cut of cuts) {
    records.feed(text.slice(from, cut), false, sink);
    from = cut;
  }
  records.feed(text.slice(from), true, sink);
  return items;
}

/** The same result whatever two places the text is cut at. */
function parseEverySplit(text: string): Item[] {
  const whole = parse(text);
  for (let a = 0; a <= text.length; a++) {
    for (let b = a; b <= text.length; b++) expect(parse(text, [a, b]), `cut at ${a} and ${b}`).toEqual(whole);
  }
  return whole;
}

describe('CsvRecords', () => {
  it('reads quoted fields with commas, doubled quotes and line breaks, with the line each record starts on', () => {
    const text = 'a,b,c\n1,"x, y",2\n3,"say ""hi""",4\n5,"two\nlines",6\n7,8,9\n';
    expect(parseEverySplit(text)).toEqual([
      { line: 1, fields: ['a', 'b', 'c'] },
      { line: 2, fields: ['1', 'x, y', '2'] },
      { line: 3, fields: ['3', 'say "hi"', '4'] },
      { line: 4, fields: ['5', 'two\nlines', '6'] },
      { line: 6, fields: ['7', '8', '9'] },
    ]);
  });

  it('counts CRLF as one line, also inside a quoted field, and keeps the field as written', () => {
    const text = 'a,b\r\n"one\r\ntwo\r\nthree",x\r\nc,d\r\n';
    expect(parseEverySplit(text)).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['one\r\ntwo\r\nthree', 'x'] },
      { line: 5, fields: ['c', 'd'] },
    ]);
  });

  it('ends records at a lone CR too', () => {
    expect(parseEverySplit('a,b\r1,2\r"x\ry",3')).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['1', '2'] },
      { line: 3, fields: ['x\ry', '3'] },
    ]);
  });

  it('reads a last record without a final newline, including an empty last field', () => {
    expect(parseEverySplit('a,b\n1,2')).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['1', '2'] },
    ]);
    expect(parse('a,b\n1,')).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['1', ''] },
    ]);
    expect(parse('a,b\n1,""')).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['1', ''] },
    ]);
  });

  it('skips empty lines but counts them, and drops a leading BOM', () => {
    expect(parseEverySplit('\uFEFFa,b\n\n1,2\r\n\r\n3,4\n\n')).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 3, fields: ['1', '2'] },
      { line: 5, fields: ['3', '4'] },
    ]);
  });

  it('reports malformed records with their line and goes on', () => {
    const text = 'a,b\n"x"y,1\n2,ab"c\n"multi\nline"!,3\n4,5\n"never closed,6\n7,8\n';
    expect(parseEverySplit(text)).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, malformed: TEXT_AFTER_QUOTE },
      { line: 3, malformed: QUOTE_IN_UNQUOTED },
      { line: 4, malformed: TEXT_AFTER_QUOTE },
      { line: 6, fields: ['4', '5'] },
      { line: 7, malformed: UNCLOSED_QUOTE },
    ]);
  });

  it('takes linear time on a quoted field that never closes', () => {
    const records = new CsvRecords();
    const reasons: string[] = [];
    const sink = { record: () => undefined, malformed: (_line: number, reason: string) => reasons.push(reason) };
    records.feed('a\n"', false, sink);
    // 20,000 chunks of 1,000 characters: re-parsing the held text at each would be 2e11 steps.
    const chunk = 'x'.repeat(1000);
    for (let i = 0; i < 20_000; i++) records.feed(chunk, false, sink);
    records.feed('', true, sink);
    expect(reasons).toEqual([UNCLOSED_QUOTE]);
  });
});
