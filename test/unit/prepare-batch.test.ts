import { describe, expect, it } from 'vitest';
import type { IHeaders, KafkaMessage } from 'kafkajs';
import { prepareBatch } from '../../src/consumers/prepare-batch.js';
import { defaultRules } from '../../src/features/filters.js';

const options = {
  maxBytes: 4096,
  currency: 'GBP',
  earliestMs: Date.UTC(2000, 0, 1),
  maxFutureMs: 86_400_000,
  wallClockMs: Date.UTC(2026, 0, 1),
};

function message(offset: number, value: unknown): KafkaMessage {
  return {
    key: Buffer.from('k'),
    value: Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)),
    offset: String(offset),
    timestamp: '0',
    attributes: 0,
    headers: { 'content-type': 'application/json' },
  };
}

const order = (orderId: string, customerId: string | null, at: string, lines: object[]) => ({
  schemaVersion: 1,
  type: 'order',
  orderId,
  customerId,
  occurredAt: at,
  currency: 'GBP',
  country: 'United Kingdom',
  lines,
});

describe('prepareBatch', () => {
  it('sorts messages into state changes, ignored events and dead letters', () => {
    const batch = prepareBatch(
      [
        message(
          10,
          order('1', 'c1', '2011-01-01T10:00:00Z', [
            { sku: '85123A', quantity: 2, unitPrice: '2.55' },
            { sku: 'POST', quantity: 1, unitPrice: 18 },
          ]),
        ),
        message(11, '{"not json'),
        message(12, order('2', null, '2011-01-02T10:00:00Z', [{ sku: '22423', quantity: 1, unitPrice: 12.75 }])),
        message(13, order('3', 'c2', '2011-01-03T10:00:00Z', [{ sku: 'POST', quantity: 1, unitPrice: 18 }])),
        message(14, { type: 'refund' }),
      ],
      { topic: 'orders', partition: 3 },
      options,
      defaultRules,
    );
    expect(batch.counts).toEqual({ valid: 3, ignored: 1, guests: 1, rejected: 2 });
    expect(batch.changes.map((c) => [c.customerId, c.lines.map((l) => l.sku)])).toEqual([
      ['c1', ['85123A']],
      [null, ['22423']],
    ]);
    // the ignored order still moves the clock: it happened
    expect(batch.watermarkCandidateMs).toBe(Date.parse('2011-01-03T10:00:00Z'));
    expect(batch.deadLetters.map((d) => d.headers)).toEqual([
      expect.objectContaining({
        'dlq-reason': 'bad_json',
        'dlq-source-topic': 'orders',
        'dlq-source-partition': '3',
        'dlq-source-offset': '11',
        'content-type': 'application/json',
      }),
      expect.objectContaining({ 'dlq-reason': 'unknown_type', 'dlq-source-offset': '14' }),
    ]);
    expect(batch.deadLetters[0]?.value?.toString()).toBe('{"not json');
    expect(batch.deadLetters[0]?.key?.toString()).toBe('k');
  });

  const source = { topic: 'orders', partition: 1 };
  const valid = order('9', 'c9', '2011-01-05T10:00:00Z', [{ sku: '22423', quantity: 1, unitPrice: 12.75 }]);

  it('dead-letters a type nested 10,000 levels deep with a short detail, between applied events', () => {
    const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    const poison = `{"type":${deep},"schemaVersion":1}`;
    const batch = prepareBatch(
      [message(1, valid), message(2, poison), message(3, valid)],
      source,
      { ...options, maxBytes: 1_048_576 },
      defaultRules,
    );
    expect(batch.changes).toHaveLength(2);
    expect(batch.deadLetters.map((d) => [d.headers['dlq-reason'], d.headers['dlq-detail']])).toEqual([
      ['unknown_type', 'type an array; expected "order" or "return"'],
    ]);
    expect(batch.deadLetters[0]?.value?.toString()).toBe(poison);
  });

  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty'])(
    'keeps a header named %s as data, with its own value only',
    (name) => {
      // kafkajs builds headers with obj[key] on a plain object: such a key arrives as [inherited, value]
      const inherited = (Object.prototype as Record<string, unknown>)[name] ?? Object.prototype;
      const headers = Object.fromEntries([
        ['content-type', Buffer.from('application/json')],
        [name, [inherited, Buffer.from('x')]],
      ]) as IHeaders;
      const batch = prepareBatch([{ ...message(5, '{'), headers } as KafkaMessage], source, options, defaultRules);
      const dl = batch.deadLetters[0]!;
      expect(Object.getPrototypeOf(dl.headers)).toBe(Object.prototype);
      expect(Object.keys(dl.headers)).toEqual([
        'content-type',
        name,
        'dlq-reason',
        'dlq-detail',
        'dlq-source-topic',
        'dlq-source-partition',
        'dlq-source-offset',
        'dlq-at',
      ]);
      expect(Object.getOwnPropertyDescriptor(dl.headers, name)?.value).toEqual(Buffer.from('x'));
      expect(dl.headers['dlq-reason']).toBe('bad_json');
    },
  );

  it('dead-letters a message whose handling throws with reason internal, naming the error', () => {
    const rules = {
      ...defaultRules,
      deniedCountries: {
        has: (country: string) => {
          if (country === 'Atlantis') throw new RangeError('no such country');
          return false;
        },
      } as ReadonlySet<string>,
    };
    const odd = { ...valid, orderId: '10', country: 'Atlantis' };
    const batch = prepareBatch([message(1, valid), message(2, odd), message(3, valid)], source, options, rules);
    expect(batch.changes).toHaveLength(2);
    expect(batch.changeMessages.map((m) => m.offset)).toEqual(['1', '3']);
    expect(batch.deadLetters.map((d) => [d.headers['dlq-reason'], d.headers['dlq-detail']])).toEqual([
      ['internal', 'RangeError: no such country'],
    ]);
  });
});
