import { describe, expect, it } from 'vitest';
import type { AcceptedEvent, Decoded, DecodeOptions, Rejection } from '../../src/events/decode.js';
import { decodeEvent, deriveEventId, describeValue, localEventId } from '../../src/events/decode.js';

const WALL_CLOCK_MS = Date.parse('2024-06-01T12:00:00Z');
const DAY_MS = 86_400_000;

const options: DecodeOptions = {
  maxBytes: 1_048_576,
  currency: 'GBP',
  earliestMs: Date.parse('2000-01-01T00:00:00Z'),
  maxFutureMs: DAY_MS,
  wallClockMs: WALL_CLOCK_MS,
};

const heart = { sku: '85123A', description: 'WHITE HANGING HEART T-LIGHT HOLDER', quantity: 6, unitPrice: 2.55 };
const lantern = { sku: '71053', quantity: 6, unitPrice: '3.39' };

const order = {
  type: 'order',
  schemaVersion: 1,
  orderId: '536365',
  customerId: '17850',
  occurredAt: '2010-12-01T08:26:00Z',
  currency: 'GBP',
  country: 'United Kingdom',
  lines: [heart, lantern],
};

const ret = {
  type: 'return',
  schemaVersion: 1,
  orderId: 'C536383',
  originalOrderId: '536370',
  customerId: '15311',
  occurredAt: '2010-12-01T09:49:00Z',
  currency: 'GBP',
  country: 'United Kingdom',
  lines: [{ sku: '35004C', quantity: 1, unitPrice: '4.65' }],
};

const decodeText = (text: string): Decoded => decodeEvent(Buffer.from(text, 'utf8'), options);
const decodeJson = (value: unknown): Decoded => decodeText(JSON.stringify(value));

/** The order as JSON text with its one line written verbatim (for values JSON.stringify cannot produce). */
const orderWithRawLine = (line: string): string =>
  JSON.stringify({ ...order, lines: ['@line'] }).replace('"@line"', line);

/** The order as JSON text with extra members written verbatim before the others. */
const orderWithRawMembers = (members: string): string => `{${members},${JSON.stringify(order).slice(1)}`;

function accepted(decoded: Decoded): AcceptedEvent {
  if (!decoded.ok) throw new Error(`rejected: ${decoded.rejection.reason}: ${decoded.rejection.detail}`);
  return decoded.event;
}

function rejected(decoded: Decoded): Rejection {
  if (decoded.ok) throw new Error(`accepted: ${JSON.stringify(decoded.event)}`);
  return decoded.rejection;
}

describe('decodeEvent: accepted events', () => {
  it('normalises an order: kind, epoch ms, prices in mills, description dropped', () => {
    const event = accepted(decodeJson(order));
    expect(event).toEqual({
      kind: 'order',
      eventId: event.eventId,
      orderId: '536365',
      customerId: '17850',
      country: 'United Kingdom',
      occurredAtMs: Date.UTC(2010, 11, 1, 8, 26),
      lines: [
        { sku: '85123A', quantity: 6, unitPriceMills: 2550 },
        { sku: '71053', quantity: 6, unitPriceMills: 3390 },
      ],
    });
    expect(event.eventId).toMatch(/^sha256:[0-9a-f]{32}$/);
  });

  it('normalises a return; reason and originalOrderId are optional', () => {
    const event = accepted(decodeJson(ret));
    expect(event).toEqual({
      kind: 'return',
      eventId: event.eventId,
      orderId: 'C536383',
      customerId: '15311',
      country: 'United Kingdom',
      occurredAtMs: Date.UTC(2010, 11, 1, 9, 49),
      lines: [{ sku: '35004C', quantity: 1, unitPriceMills: 4650 }],
    });
    const { originalOrderId: _omitted, ...withoutOriginal } = ret;
    expect(accepted(decodeJson({ ...withoutOriginal, reason: 'cancellation' })).kind).toBe('return');
  });

  it('keeps a guest order with customerId null', () => {
    const event = accepted(decodeJson({ ...order, customerId: null }));
    expect(event.customerId).toBeNull();
    expect(event.lines).toHaveLength(2);
  });

  it.each<[string, number | string, number]>([
    ['a number', 2.55, 2550],
    ['a string', '2.55', 2550],
    ['a string with 3 places', '2.550', 2550],
    ['the smallest amount', '0.001', 1],
    ['a whole string', '10', 10_000],
    ['zero', 0, 0],
    ['the maximum as a number', 100_000, 100_000_000],
    ['the maximum as a string', '100000.000', 100_000_000],
  ])('reads a unit price given as %s (%j) as %d mills', (_what, unitPrice, mills) => {
    const event = accepted(decodeJson({ ...order, lines: [{ ...heart, unitPrice }] }));
    expect(event.lines[0]?.unitPriceMills).toBe(mills);
  });

  it('reads 6.0 as the integer 6 (JSON cannot tell them apart)', () => {
    const event = accepted(decodeText(orderWithRawLine('{"sku":"85123A","quantity":6.0,"unitPrice":2.55}')));
    expect(event.lines[0]?.quantity).toBe(6);
  });

  it('converts an offset to UTC epoch ms and keeps fractions of a second', () => {
    const event = accepted(decodeJson({ ...order, occurredAt: '2011-06-10T15:31:00.250+01:00' }));
    expect(event.occurredAtMs).toBe(Date.UTC(2011, 5, 10, 14, 31, 0, 250));
  });

  it('accepts the limits: 5000 lines, quantity 100000, 64-character ids', () => {
    const id = 'A'.repeat(64);
    const many = Array.from({ length: 5000 }, (_, i) => ({ sku: `SKU${i}`, quantity: 100_000, unitPrice: 1 }));
    const event = accepted(decodeJson({ ...order, orderId: id, customerId: id, lines: many }));
    expect(event.lines).toHaveLength(5000);
    expect(event.lines[999]).toEqual({ sku: 'SKU999', quantity: 100_000, unitPriceMills: 1000 });
    expect(event.orderId).toBe(id);
  });
});

describe('decodeEvent: event ids', () => {
  const derivedId = (decoded: Decoded): string => accepted(decoded).eventId;
  const baseId = derivedId(decodeJson(order));

  it('keeps the producer eventId as given', () => {
    expect(derivedId(decodeJson({ ...order, eventId: 'order:536365' }))).toBe('order:536365');
  });

  it('keeps the producer eventId when the payload changes, so a changed re-send is still a duplicate', () => {
    const changed = { ...order, eventId: 'order:536365', lines: [{ ...heart, quantity: 7 }] };
    expect(derivedId(decodeJson(changed))).toBe('order:536365');
  });

  it('derives the id from the normalised content, the same as deriveEventId', () => {
    const { eventId, ...body } = accepted(decodeJson(order));
    expect(eventId).toBe(deriveEventId(body));
  });

  it('derives the same id whatever the key order and whitespace', () => {
    const reordered = {
      lines: [
        { unitPrice: 2.55, quantity: 6, description: 'WHITE HANGING HEART T-LIGHT HOLDER', sku: '85123A' },
        { unitPrice: '3.39', sku: '71053', quantity: 6 },
      ],
      country: 'United Kingdom',
      currency: 'GBP',
      occurredAt: '2010-12-01T08:26:00Z',
      customerId: '17850',
      orderId: '536365',
      schemaVersion: 1,
      type: 'order',
    };
    expect(derivedId(decodeText(JSON.stringify(reordered, null, 4)))).toBe(baseId);
    expect(derivedId(decodeText(`\n  ${JSON.stringify(order)}  \r\n`))).toBe(baseId);
  });

  it('derives the same id for equal amounts and instants written differently', () => {
    const rewritten = {
      ...order,
      occurredAt: '2010-12-01T09:26:00+01:00',
      lines: [
        { ...heart, unitPrice: '2.550' },
        { ...lantern, unitPrice: 3.39 },
      ],
    };
    expect(derivedId(decodeJson(rewritten))).toBe(baseId);
  });

  it.each<[string, Record<string, unknown>]>([
    ['the type', { ...order, type: 'return' }],
    ['the orderId', { ...order, orderId: '536366' }],
    ['the customerId', { ...order, customerId: '17851' }],
    ['a guest instead of a customer', { ...order, customerId: null }],
    ['the time', { ...order, occurredAt: '2010-12-01T08:26:01Z' }],
    ['a quantity', { ...order, lines: [{ ...heart, quantity: 7 }, lantern] }],
    ['a price', { ...order, lines: [{ ...heart, unitPrice: 2.56 }, lantern] }],
    ['a sku', { ...order, lines: [{ ...heart, sku: '85123B' }, lantern] }],
    ['a missing line', { ...order, lines: [heart] }],
    ['the line order', { ...order, lines: [lantern, heart] }],
  ])('derives another id when %s differs', (_what, changed) => {
    const id = derivedId(decodeJson(changed));
    expect(id).toMatch(/^sha256:[0-9a-f]{32}$/);
    expect(id).not.toBe(baseId);
  });

  // The derivation must be injective over its fields, whatever characters a sku holds.
  it('derives different ids for different lines even when a sku contains the separators', () => {
    const twoLines = {
      ...order,
      lines: [
        { sku: 'A', quantity: 1, unitPrice: 2.55 },
        { sku: 'B', quantity: 6, unitPrice: 2.55 },
      ],
    };
    const oneLine = { ...order, lines: [{ sku: 'A\u00011\u00012550\u0002B', quantity: 6, unitPrice: 2.55 }] };
    expect(derivedId(decodeJson(oneLine))).not.toBe(derivedId(decodeJson(twoLines)));
  });
});

describe('decodeEvent: too_large', () => {
  it('rejects a message one byte over maxBytes and accepts one at exactly maxBytes', () => {
    const text = JSON.stringify(order);
    const atLimit = text + ' '.repeat(options.maxBytes - Buffer.byteLength(text));
    expect(Buffer.byteLength(atLimit)).toBe(options.maxBytes);
    expect(accepted(decodeText(atLimit)).orderId).toBe('536365');
    expect(rejected(decodeText(`${atLimit} `))).toEqual({
      reason: 'too_large',
      detail: '1048577 bytes, over the 1048576 byte limit',
    });
  });

  it('counts bytes, not characters', () => {
    const description = '\u00a3'.repeat(200); // "£": 2 bytes in UTF-8
    const small = decodeEvent(Buffer.from(JSON.stringify({ ...order, lines: [{ ...heart, description }] })), {
      ...options,
      maxBytes: Buffer.byteLength(JSON.stringify(order)) + 300,
    });
    expect(rejected(small).reason).toBe('too_large');
  });
});

describe('decodeEvent: bad_json', () => {
  it.each<[string, Buffer | null]>([
    ['garbage', Buffer.from('not json at all')],
    ['an empty value', Buffer.alloc(0)],
    ['a null value (tombstone)', null],
    ['truncated JSON', Buffer.from(JSON.stringify(order).slice(0, 60))],
    ['a byte-order mark', Buffer.from(`\ufeff${JSON.stringify(order)}`)],
    [
      'NaN, which JSON has no word for',
      Buffer.from(orderWithRawLine('{"sku":"85123A","quantity":NaN,"unitPrice":2.55}')),
    ],
    ['Infinity', Buffer.from(orderWithRawLine('{"sku":"85123A","quantity":Infinity,"unitPrice":2.55}'))],
    ['a trailing comma', Buffer.from(`${JSON.stringify(order).slice(0, -1)},}`)],
    ['single quotes', Buffer.from("{'type':'order'}")],
  ])('rejects %s', (_what, value) => {
    expect(rejected(decodeEvent(value, options)).reason).toBe('bad_json');
  });

  it('says "empty message" for an empty value', () => {
    expect(rejected(decodeEvent(Buffer.alloc(0), options))).toEqual({ reason: 'bad_json', detail: 'empty message' });
  });
});

describe('decodeEvent: unknown_type', () => {
  const { type: _type, ...untyped } = order;

  it.each<[string, string, string]>([
    ['a missing type', JSON.stringify(untyped), 'missing'],
    ['type "refund"', JSON.stringify({ ...order, type: 'refund' }), '"refund"'],
    ['type "Order" (case matters)', JSON.stringify({ ...order, type: 'Order' }), '"Order"'],
    ['type null', JSON.stringify({ ...order, type: null }), 'null'],
    ['a numeric type', JSON.stringify({ ...order, type: 1 }), '1'],
    ['an array', JSON.stringify([order]), 'missing'],
    ['a number', '42', 'missing'],
    ['null', 'null', 'missing'],
    ['a string', '"order"', 'missing'],
    ['true', 'true', 'missing'],
  ])('rejects %s', (_what, text, typeInDetail) => {
    expect(rejected(decodeText(text))).toEqual({
      reason: 'unknown_type',
      detail: `type ${typeInDetail}; expected "order" or "return"`,
    });
  });

  it('does not read the type from a __proto__ member', () => {
    const text = `{"__proto__":{"type":"order"},${JSON.stringify(untyped).slice(1)}`;
    expect(rejected(decodeText(text)).reason).toBe('unknown_type');
  });
});

describe('decodeEvent: schema', () => {
  const { orderId: _orderId, ...noOrderId } = order;
  const { lines: _lines, ...noLines } = order;
  const { customerId: _customerId, ...noCustomerId } = order;
  const { quantity: _quantity, ...noQuantity } = heart;
  const line = (patch: Record<string, unknown>): string =>
    JSON.stringify({ ...order, lines: [{ ...heart, ...patch }] });

  it.each<[string, string, string]>([
    ['a missing orderId', JSON.stringify(noOrderId), 'orderId: '],
    ['missing lines', JSON.stringify(noLines), 'lines: '],
    ['a missing customerId (null is required for guests)', JSON.stringify(noCustomerId), 'customerId: '],
    ['a missing quantity', JSON.stringify({ ...order, lines: [noQuantity] }), 'lines.0.quantity: '],
    ['schemaVersion 2', JSON.stringify({ ...order, schemaVersion: 2 }), 'schemaVersion: '],
    ['a negative quantity', line({ quantity: -1 }), 'lines.0.quantity: '],
    ['a zero quantity', line({ quantity: 0 }), 'lines.0.quantity: '],
    ['a fractional quantity', line({ quantity: 1.5 }), 'lines.0.quantity: '],
    ['quantity 100001', line({ quantity: 100_001 }), 'lines.0.quantity: '],
    ['quantity 1e30', orderWithRawLine('{"sku":"85123A","quantity":1e30,"unitPrice":2.55}'), 'lines.0.quantity: '],
    [
      'quantity 1e400 (parsed as Infinity)',
      orderWithRawLine('{"sku":"85123A","quantity":1e400,"unitPrice":2.55}'),
      'lines.0.quantity: ',
    ],
    ['quantity as a string', line({ quantity: '6' }), 'lines.0.quantity: '],
    ['a negative price', line({ unitPrice: -1 }), 'lines.0.unitPrice: '],
    ['a negative price string', line({ unitPrice: '-1' }), 'lines.0.unitPrice: '],
    ['price "NaN"', line({ unitPrice: 'NaN' }), 'lines.0.unitPrice: '],
    ['price "1e3"', line({ unitPrice: '1e3' }), 'lines.0.unitPrice: '],
    ['price " 2.55" (no trimming in events)', line({ unitPrice: ' 2.55' }), 'lines.0.unitPrice: '],
    ['price "2,55"', line({ unitPrice: '2,55' }), 'lines.0.unitPrice: '],
    ['price "1.2345"', line({ unitPrice: '1.2345' }), 'lines.0.unitPrice: '],
    ['price 1.2345 as a number', line({ unitPrice: 1.2345 }), 'lines.0.unitPrice: not an exact decimal amount'],
    ['a float-noise price', line({ unitPrice: 0.1 + 0.2 }), 'lines.0.unitPrice: not an exact decimal amount'],
    ['price 100000.001', line({ unitPrice: 100_000.001 }), 'lines.0.unitPrice: '],
    ['price "100000.001"', line({ unitPrice: '100000.001' }), 'lines.0.unitPrice: at most 100000'],
    [
      'price 1e400 (parsed as Infinity)',
      orderWithRawLine('{"sku":"85123A","quantity":6,"unitPrice":1e400}'),
      'lines.0.unitPrice: ',
    ],
    ['price null', line({ unitPrice: null }), 'lines.0.unitPrice: '],
    [
      'a __proto__ member',
      orderWithRawMembers('"__proto__":{"polluted":true}'),
      '(root): Unrecognized key: "__proto__"',
    ],
    [
      'a constructor member',
      orderWithRawMembers('"constructor":{"prototype":{"polluted":true}}'),
      '(root): Unrecognized key: "constructor"',
    ],
    ['an unknown field', JSON.stringify({ ...order, coupon: 'XMAS10' }), '(root): Unrecognized key: "coupon"'],
    ['an unknown field on a line', line({ discount: 1 }), 'lines.0: Unrecognized key: "discount"'],
    ['reason on an order', JSON.stringify({ ...order, reason: 'return' }), '(root): Unrecognized key: "reason"'],
    ['a 10 KB customerId', JSON.stringify({ ...order, customerId: '1'.repeat(10_240) }), 'customerId: '],
    ['a numeric customerId', JSON.stringify({ ...order, customerId: 17850 }), 'customerId: '],
    ['an empty customerId', JSON.stringify({ ...order, customerId: '' }), 'customerId: '],
    ['an id with a space', JSON.stringify({ ...order, orderId: '536 365' }), 'orderId: '],
    ['an id starting with a dash', JSON.stringify({ ...order, orderId: '-536365' }), 'orderId: '],
    ['an empty sku', line({ sku: '' }), 'lines.0.sku: '],
    ['a 257-character description', line({ description: 'x'.repeat(257) }), 'lines.0.description: '],
    ['an empty country', JSON.stringify({ ...order, country: '' }), 'country: '],
    ['a lower-case currency', JSON.stringify({ ...order, currency: 'gbp' }), 'currency: '],
    ['an empty lines array', JSON.stringify({ ...order, lines: [] }), 'lines: '],
    ['5001 lines', JSON.stringify({ ...order, lines: Array.from({ length: 5001 }, () => heart) }), 'lines: '],
    ['an unknown return reason', JSON.stringify({ ...ret, reason: 'refund' }), 'reason: '],
    ['a date without an offset', JSON.stringify({ ...order, occurredAt: '2010-12-01T08:26:00' }), 'occurredAt: '],
    ['a date only', JSON.stringify({ ...order, occurredAt: '2010-12-01' }), 'occurredAt: '],
    ['a time without seconds', JSON.stringify({ ...order, occurredAt: '2010-12-01T08:26Z' }), 'occurredAt: '],
    ['a space instead of T', JSON.stringify({ ...order, occurredAt: '2010-12-01 08:26:00Z' }), 'occurredAt: '],
    ['an offset without a colon', JSON.stringify({ ...order, occurredAt: '2010-12-01T08:26:00+0100' }), 'occurredAt: '],
    ['a date that does not exist', JSON.stringify({ ...order, occurredAt: '2011-02-29T10:00:00Z' }), 'occurredAt: '],
    ['a date in words', JSON.stringify({ ...order, occurredAt: 'Wed, 01 Dec 2010 08:26:00 GMT' }), 'occurredAt: '],
    ['a date as epoch ms', JSON.stringify({ ...order, occurredAt: 1291191960000 }), 'occurredAt: '],
  ])('rejects %s', (_what, text, detailStart) => {
    const rejection = rejected(decodeText(text));
    expect(rejection.reason).toBe('schema');
    expect(rejection.detail.startsWith(detailStart), rejection.detail).toBe(true);
  });

  it('does not let a __proto__ or constructor member touch Object.prototype', () => {
    decodeText(orderWithRawMembers('"__proto__":{"polluted":true}'));
    decodeText(orderWithRawMembers('"constructor":{"prototype":{"polluted":true}}'));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('decodeEvent: bad_date', () => {
  it.each<[string, string]>([
    ['1970', '1970-01-01T00:00:00Z'],
    ['2100', '2100-01-01T00:00:00Z'],
    ['a millisecond before 2000', '1999-12-31T23:59:59.999Z'],
    ['2000-01-01 in a zone ahead of UTC (still 1999 in UTC)', '2000-01-01T00:30:00+01:00'],
    ['a millisecond more than 1 day ahead of the wall clock', '2024-06-02T12:00:00.001Z'],
  ])('rejects %s', (_what, occurredAt) => {
    expect(rejected(decodeJson({ ...order, occurredAt }))).toEqual({
      reason: 'bad_date',
      detail: `occurredAt ${occurredAt} is outside the accepted range`,
    });
  });

  it.each<[string, number]>([
    ['2000-01-01T00:00:00Z', Date.UTC(2000, 0, 1)],
    ['2000-01-01T01:00:00+01:00', Date.UTC(2000, 0, 1)],
    ['2024-06-02T12:00:00Z', WALL_CLOCK_MS + DAY_MS],
    ['2024-06-02T13:00:00+01:00', WALL_CLOCK_MS + DAY_MS],
  ])('accepts the boundary %s', (occurredAt, ms) => {
    expect(accepted(decodeJson({ ...order, occurredAt })).occurredAtMs).toBe(ms);
  });
});

describe('decodeEvent: wrong_currency', () => {
  it('rejects another currency, naming both', () => {
    expect(rejected(decodeJson({ ...order, currency: 'EUR' }))).toEqual({
      reason: 'wrong_currency',
      detail: 'currency EUR; this shop accounts in GBP',
    });
  });

  it('follows the configured currency', () => {
    const event = decodeEvent(Buffer.from(JSON.stringify({ ...order, currency: 'EUR' })), {
      ...options,
      currency: 'EUR',
    });
    expect(accepted(event).orderId).toBe('536365');
    expect(rejected(decodeEvent(Buffer.from(JSON.stringify(order)), { ...options, currency: 'EUR' })).reason).toBe(
      'wrong_currency',
    );
  });

  it('is checked before the date (the first problem found is the reason)', () => {
    const both = { ...order, currency: 'USD', occurredAt: '1970-01-01T00:00:00Z' };
    expect(rejected(decodeJson(both)).reason).toBe('wrong_currency');
  });
});

describe('decodeEvent: text and numbers as written', () => {
  it.each<[string, Buffer]>([
    [
      'an invalid byte in a sku',
      Buffer.from(orderWithRawLine('{"sku":"85123A\xff","quantity":6,"unitPrice":2.55}'), 'latin1'),
    ],
    [
      'a truncated multi-byte character',
      Buffer.concat([Buffer.from('{"type":"order","country":"'), Buffer.from([0xe2, 0x82]), Buffer.from('"}')]),
    ],
    [
      'an encoded surrogate (CESU-8)',
      Buffer.concat([Buffer.from('{"type":"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')]),
    ],
  ])('rejects %s as bad_json, not replaced by U+FFFD', (_what, value) => {
    expect(rejected(decodeEvent(value, options))).toEqual({ reason: 'bad_json', detail: 'not valid UTF-8' });
  });

  it('rejects two different invalid bytes instead of applying both as one stock code', () => {
    for (const byte of [0xfe, 0xff]) {
      const value = Buffer.concat([
        Buffer.from(orderWithRawLine('{"sku":"85123A@","quantity":6,"unitPrice":2.55}').split('@')[0]!),
        Buffer.from([byte]),
        Buffer.from(orderWithRawLine('{"sku":"85123A@","quantity":6,"unitPrice":2.55}').split('@')[1]!),
      ]);
      expect(rejected(decodeEvent(value, options)).reason).toBe('bad_json');
    }
  });

  it('rejects an escaped lone surrogate and accepts an escaped pair', () => {
    const lone = orderWithRawLine('{"sku":"85123A\\ud800","quantity":6,"unitPrice":2.55}');
    expect(rejected(decodeText(lone)).reason).toBe('bad_json');
    const pair = orderWithRawLine('{"sku":"85123A","description":"\\ud83d\\ude00","quantity":6,"unitPrice":2.55}');
    expect(accepted(decodeText(pair)).lines[0]?.sku).toBe('85123A');
  });

  it.each<[string, string]>([
    ['a price with a 19th decimal the parser rounds away', '"unitPrice":2.5500000000000000001'],
    ['a quantity of 6.0000000000000001', '"quantity":6.0000000000000001'],
    ['a price of 1e-400 (read as 0)', '"unitPrice":1e-400'],
    ['a price written with an exponent', '"unitPrice":2.55e0'],
  ])('rejects %s as schema: numbers are checked as written', (_what, member) => {
    const base = { sku: '85123A', quantity: 6, unitPrice: 2.55 };
    const [key] = member.split(':');
    const rest = Object.entries(base)
      .filter(([k]) => `"${k}"` !== key)
      .map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`);
    const rejection = rejected(decodeText(orderWithRawLine(`{${[...rest, member].join(',')}}`)));
    expect(rejection.reason).toBe('schema');
    expect(rejection.detail).toContain(member.split(':')[1]);
  });

  it.each<[string, string, number]>([
    ['trailing zeros past the 3rd decimal', '"unitPrice":2.5500', 2550],
    ['an exponent-like sku and description', '"unitPrice":2.55,"description":"1e5 or 0.12345"', 2550],
  ])('accepts %s', (_what, member, mills) => {
    const event = accepted(decodeText(orderWithRawLine(`{"sku":"84029E","quantity":6,${member}}`)));
    expect(event.lines[0]?.unitPriceMills).toBe(mills);
  });
});

describe('describeValue', () => {
  it('describes any value in a bounded string', () => {
    let deep: unknown = [];
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(describeValue(deep)).toBe('an array');
    expect(describeValue({ a: deep })).toBe('an object');
    expect(describeValue('x'.repeat(10_000))).toBe(`"${'x'.repeat(64)}..."`);
    expect(describeValue(undefined)).toBe('missing');
    expect(describeValue(null)).toBe('null');
    expect(describeValue(1)).toBe('1');
  });
});

describe('localEventId', () => {
  const base: Omit<AcceptedEvent, 'eventId'> = {
    kind: 'order',
    orderId: '536365',
    customerId: '17850',
    country: 'United Kingdom',
    occurredAtMs: Date.parse('2010-12-01T08:26:00Z'),
    lines: [
      { sku: '85123A', quantity: 6, unitPriceMills: 2550 },
      { sku: '71053', quantity: 6, unitPriceMills: 3390 },
    ],
  };

  it('is the same for the same content, and differs when anything deriveEventId reads differs', () => {
    expect(localEventId({ ...base, lines: base.lines.map((l) => ({ ...l })) })).toBe(localEventId(base));
    const changed: Omit<AcceptedEvent, 'eventId'>[] = [
      { ...base, kind: 'return' },
      { ...base, orderId: '536366' },
      { ...base, customerId: null },
      { ...base, customerId: '' },
      { ...base, country: 'EIRE' },
      { ...base, occurredAtMs: base.occurredAtMs + 60_000 },
      { ...base, occurredAtMs: base.occurredAtMs + 2 ** 32 },
      { ...base, lines: [base.lines[0]!] },
      { ...base, lines: [base.lines[1]!, base.lines[0]!] },
      { ...base, lines: [{ ...base.lines[0]!, quantity: 7 }, base.lines[1]!] },
      { ...base, lines: [{ ...base.lines[0]!, unitPriceMills: 2551 }, base.lines[1]!] },
      // the same characters split differently between stock codes
      {
        ...base,
        lines: [
          { ...base.lines[0]!, sku: '85123A7' },
          { ...base.lines[1]!, sku: '1053' },
        ],
      },
    ];
    const ids = new Set([base, ...changed].map(localEventId));
    expect(ids.size).toBe(changed.length + 1);
    expect(localEventId(base)).not.toBe(deriveEventId(base));
  });
});
