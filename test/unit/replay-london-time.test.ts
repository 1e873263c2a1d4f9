import { describe, expect, it } from 'vitest';
import {
  epochMsToLondonIso,
  isValidLocal,
  londonLocalToIso,
  londonOffsetMinutes,
  londonToEpochMs,
} from '../../src/replay/london-time.js';

const at = (year: number, month: number, day: number, hour: number, minute: number, second = 0) => ({
  year,
  month,
  day,
  hour,
  minute,
  second,
});

describe('London offset at an instant', () => {
  it('changes at 01:00 UTC on 27 March 2011 (GMT to BST)', () => {
    expect(londonOffsetMinutes(Date.parse('2011-03-27T00:59:59Z'))).toBe(0);
    expect(londonOffsetMinutes(Date.parse('2011-03-27T01:00:00Z'))).toBe(60);
  });

  it('changes back at 01:00 UTC on 30 October 2011 (BST to GMT)', () => {
    expect(londonOffsetMinutes(Date.parse('2011-10-30T00:59:59Z'))).toBe(60);
    expect(londonOffsetMinutes(Date.parse('2011-10-30T01:00:00Z'))).toBe(0);
  });
});

describe('London wall-clock time to ISO-8601', () => {
  it('is +00:00 in winter and +01:00 in summer', () => {
    expect(londonLocalToIso(at(2010, 12, 1, 8, 26))).toBe('2010-12-01T08:26:00+00:00');
    expect(londonLocalToIso(at(2011, 6, 1, 9, 15))).toBe('2011-06-01T09:15:00+01:00');
    expect(londonLocalToIso(at(2011, 12, 9, 12, 50))).toBe('2011-12-09T12:50:00+00:00');
  });

  it('follows the spring change on 27 March 2011', () => {
    expect(londonLocalToIso(at(2011, 3, 26, 23, 59))).toBe('2011-03-26T23:59:00+00:00');
    expect(londonLocalToIso(at(2011, 3, 27, 0, 59, 59))).toBe('2011-03-27T00:59:59+00:00');
    expect(londonLocalToIso(at(2011, 3, 27, 2, 0))).toBe('2011-03-27T02:00:00+01:00');
    // the first invoice of that day in the UCI data
    expect(londonLocalToIso(at(2011, 3, 27, 10, 16))).toBe('2011-03-27T10:16:00+01:00');
    expect(londonToEpochMs(at(2011, 3, 27, 10, 16))).toBe(Date.parse('2011-03-27T09:16:00Z'));
  });

  it('moves a time in the spring gap forward by the gap', () => {
    // 01:00–02:00 did not exist in London on 27 March 2011
    expect(londonLocalToIso(at(2011, 3, 27, 1, 30))).toBe('2011-03-27T02:30:00+01:00');
    expect(londonToEpochMs(at(2011, 3, 27, 1, 30))).toBe(Date.parse('2011-03-27T01:30:00Z'));
  });

  it('follows the autumn change on 30 October 2011', () => {
    expect(londonLocalToIso(at(2011, 10, 29, 23, 0))).toBe('2011-10-29T23:00:00+01:00');
    expect(londonLocalToIso(at(2011, 10, 30, 0, 59))).toBe('2011-10-30T00:59:00+01:00');
    expect(londonLocalToIso(at(2011, 10, 30, 2, 0))).toBe('2011-10-30T02:00:00+00:00');
    expect(londonLocalToIso(at(2011, 10, 30, 10, 0))).toBe('2011-10-30T10:00:00+00:00');
  });

  it('takes the earlier of the two instants in the autumn overlap', () => {
    // 01:00–02:00 happened twice on 30 October 2011; the first time was still BST
    expect(londonLocalToIso(at(2011, 10, 30, 1, 30))).toBe('2011-10-30T01:30:00+01:00');
    expect(londonToEpochMs(at(2011, 10, 30, 1, 30))).toBe(Date.parse('2011-10-30T00:30:00Z'));
  });

  it('writes an instant back with the offset in force then', () => {
    expect(epochMsToLondonIso(Date.parse('2011-10-30T00:30:00Z'))).toBe('2011-10-30T01:30:00+01:00');
    expect(epochMsToLondonIso(Date.parse('2011-10-30T01:30:00Z'))).toBe('2011-10-30T01:30:00+00:00');
  });
});

describe('isValidLocal', () => {
  it('accepts real dates and times only', () => {
    expect(isValidLocal(at(2012, 2, 29, 0, 0))).toBe(true);
    expect(isValidLocal(at(2011, 2, 29, 0, 0))).toBe(false);
    expect(isValidLocal(at(2011, 4, 31, 0, 0))).toBe(false);
    expect(isValidLocal(at(2011, 13, 1, 0, 0))).toBe(false);
    expect(isValidLocal(at(2011, 1, 1, 24, 0))).toBe(false);
    expect(isValidLocal(at(2011, 1, 1, 23, 60))).toBe(false);
  });
});
