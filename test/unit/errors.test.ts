import { describe, expect, it } from 'vitest';
import { KafkaJSProtocolError } from 'kafkajs';
import { clickhouseErrorCode, ConsumerFailedError, kafkaErrorReason } from '../../src/errors.js';

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

// The broker's answer as kafkajs makes it (from its table of error codes), as a crash hands it over.
const refused = () =>
  new KafkaJSProtocolError(
    Object.assign(new Error('Not authorized to access group: Group authorization failed'), {
      type: 'GROUP_AUTHORIZATION_FAILED',
      code: 30,
      retriable: false,
    }),
  );

describe('kafkaErrorReason', () => {
  it("names the broker's error type and message", () => {
    expect(kafkaErrorReason(refused())).toBe(
      'GROUP_AUTHORIZATION_FAILED: Not authorized to access group: Group authorization failed',
    );
  });

  it('goes down to the innermost cause', () => {
    const wrapped = new Error('joining the group failed', { cause: new Error('no coordinator', { cause: refused() }) });
    expect(kafkaErrorReason(wrapped)).toBe(
      'GROUP_AUTHORIZATION_FAILED: Not authorized to access group: Group authorization failed',
    );
  });

  it('falls back to the name for errors without a broker type', () => {
    expect(kafkaErrorReason(new TypeError('bad'))).toBe('TypeError: bad');
    expect(kafkaErrorReason('text')).toBe('text');
  });
});

describe('ConsumerFailedError', () => {
  it('names the group and the reason, keeps the cause and cannot be retried', () => {
    const cause = refused();
    const err = new ConsumerFailedError('orders-group', cause);
    expect(err.code).toBe('CONSUMER_FAILED');
    expect(err.retryable).toBe(false);
    expect(err.cause).toBe(cause);
    expect(err.message).toBe(
      'the order consumer of group orders-group stopped for good: ' +
        'GROUP_AUTHORIZATION_FAILED: Not authorized to access group: Group authorization failed',
    );
  });
});
