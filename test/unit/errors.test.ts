import { describe, expect, it } from 'vitest';
import { clickhouseErrorCode } from '../../src/errors.js';

describe('clickhouseErrorCode', () => {
  it('parses the code out of an 18.16 message', () => {
    const err = new Error(
      "Code: 60, e.displayText() = DB::Exception: Table default.x doesn't exist., e.what() = DB::Exception",
    );
    expect(clickhouseErrorCode(err)).toBe(60);
  });

  it('prefers the numeric code current servers attach', () => {
    expect(clickhouseErrorCode(Object.assign(new Error('Unknown table'), { code: '60' }))).toBe(60);
  });

  it('is undefined for errors that did not come from ClickHouse', () => {
    expect(clickhouseErrorCode(new Error('socket hang up'))).toBeUndefined();
    expect(clickhouseErrorCode('Code: 60')).toBeUndefined();
  });
});
