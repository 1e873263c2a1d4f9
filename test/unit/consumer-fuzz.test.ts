// Property-based test of the consumer's message path (prepareBatch: decoding, validation, the
// business rules, building dead letters) against hostile input: random bytes, random JSON, valid
// events with fields replaced by hostile values, deep nesting, numbers a float parser rounds, invalid
// UTF-8, and headers and keys as kafkajs hands them over (including __proto__ and constructor).
// Over 100,000 messages per run, in-process: nothing throws (prepareBatch contains a throw as a
// dead letter with reason `internal`, so none may appear), and every message ends as exactly one of
// a state change, an ignored event or a dead letter with a contract reason, a bounded detail, its
// original bytes and key, and headers that kafkajs' own record encoder accepts.
import { createRequire } from 'node:module';
import fc from 'fast-check';
import type { IHeaders, KafkaMessage } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import type { DeadLetterReason } from '../../src/consumers/dead-letter.js';
import { prepareBatch } from '../../src/consumers/prepare-batch.js';
import { defaultRules } from '../../src/features/filters.js';

// kafkajs' encoder of one record (what producer.send runs on every message): a dead letter it
// cannot encode would fail the send, as a header named constructor did.
const encodeRecord = createRequire(import.meta.url)('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (record: {
  key: Buffer | null;
  value: Buffer | null;
  headers: IHeaders;
}) => unknown;

const reasons: readonly DeadLetterReason[] = [
  'too_large',
  'bad_json',
  'unknown_type',
  'schema',
  'bad_date',
  'wrong_currency',
  'conflict',
  'internal',
];

const options = {
  maxBytes: 64 * 1024,
  currency: 'GBP',
  earliestMs: Date.UTC(2000, 0, 1),
  maxFutureMs: 86_400_000,
  wallClockMs: Date.UTC(2026, 0, 1),
};

const validOrder = {
  type: 'order',
  schemaVersion: 1,
  eventId: 'order:536365',
  orderId: '536365',
  customerId: '17850',
  occurredAt: '2010-12-01T08:26:00Z',
  currency: 'GBP',
  country: 'United Kingdom',
  lines: [
    { sku: '85123A', description: 'WHITE HANGING HEART T-LIGHT HOLDER', quantity: 6, unitPrice: 2.55 },
    { sku: '71053', quantity: 6, unitPrice: '3.39' },
  ],
};

/** Names that reach Object.prototype when used as a property: the classic pollution keys. */
const hostileNames = fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf');

/** A JSON value nested `depth` levels deep, as text (JSON.stringify would overflow on the deepest). */
const deepText = fc
  .tuple(fc.integer({ min: 1, max: 12_000 }), fc.boolean())
  .map(([depth, arrays]) =>
    arrays ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`,
  );

/** Numbers written as a float parser rounds them, or out of every range. */
const oddNumberText = fc.constantFrom(
  '2.5500000000000000001',
  '6.0000000000000001',
  '1e-400',
  '1e400',
  '-0',
  '0.30000000000000004',
  '9007199254740993',
  '1E2',
  '2.5500',
);

/** Any UTF-16 text, lone surrogates and control characters included (built from code units: fc.string's binary unit is slow). */
const anyText = fc
  .array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 40 })
  .map((units) => String.fromCharCode(...units));

const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  anyText,
  hostileNames,
  fc.constantFrom(null, true, -1, 0, 1e308, '', 'order', 'return', '\u0000', '\ud800'),
);

const members = [
  'type',
  'schemaVersion',
  'eventId',
  'orderId',
  'customerId',
  'occurredAt',
  'currency',
  'country',
  'lines',
];

/** Message values: anything from random bytes to a valid event with one part made hostile. */
const value: fc.Arbitrary<Buffer | null> = fc.oneof(
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 3, arbitrary: fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)) },
  {
    weight: 3,
    arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => Buffer.from(JSON.stringify(v) ?? 'null')),
  },
  {
    weight: 6,
    arbitrary: fc
      .tuple(fc.constantFrom(...members), hostileValue)
      .map(([member, v]) => Buffer.from(JSON.stringify({ ...validOrder, [member]: v }))),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom('type', 'customerId', 'lines', 'country'), deepText)
      .map(([member, deep]) => Buffer.from(`{"${member}":${deep},${JSON.stringify(validOrder).slice(1)}`)),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.constantFrom('quantity', 'unitPrice'), oddNumberText)
      .map(([member, n]) =>
        Buffer.from(
          JSON.stringify({ ...validOrder, lines: [{ sku: '85123A', quantity: 6, unitPrice: 2.55 }] }).replace(
            member === 'quantity' ? '"quantity":6' : '"unitPrice":2.55',
            `"${member}":${n}`,
          ),
        ),
      ),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(hostileNames, fc.jsonValue({ maxDepth: 2 }))
      .map(([name, v]) => Buffer.from(`{"${name}":${JSON.stringify(v)},${JSON.stringify(validOrder).slice(1)}`)),
  },
  {
    weight: 2,
    // invalid UTF-8 inside a string field
    arbitrary: fc.uint8Array({ minLength: 1, maxLength: 4 }).map((bytes) => {
      const [before, after] = JSON.stringify(validOrder).split('85123A');
      return Buffer.concat([
        Buffer.from(`${before}85123A`),
        Buffer.from(bytes.map((b) => 0x80 | b)),
        Buffer.from(after!),
      ]);
    }),
  },
  { weight: 4, arbitrary: fc.constant(Buffer.from(JSON.stringify(validOrder))) },
);

/** Headers as kafkajs decodes them: a plain object built with obj[key], so inherited names arrive as [inherited, value]. */
const headers: fc.Arbitrary<IHeaders> = fc.oneof(
  fc.constant({}),
  fc
    .array(
      fc.tuple(
        fc.oneof(hostileNames, fc.string({ maxLength: 20 }), fc.constantFrom('dlq-reason', 'content-type')),
        fc.uint8Array({ maxLength: 30 }).map((b) => Buffer.from(b)),
      ),
      { maxLength: 6 },
    )
    .map(
      (pairs) =>
        pairs.reduce<Record<string, unknown>>((obj, [k, v]) => {
          const before = obj[k];
          const values: unknown[] = Array.isArray(before) ? before : [before];
          return { ...obj, [k]: before === undefined ? v : [...values, v] };
        }, {}) as IHeaders,
    ),
);

const key = fc.oneof(
  fc.constant(null),
  fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b)),
);

const message = fc.record({ value, headers, key });

const RUNS = 1000;
const MESSAGES_PER_RUN = 100;

describe('the consumer message path under hostile input', () => {
  it(
    `never throws and sorts every message once, over ${RUNS * MESSAGES_PER_RUN} messages`,
    { timeout: 120_000 },
    () => {
      let messages = 0;
      let changes = 0;
      const seenReasons = new Set<string>();
      fc.assert(
        fc.property(fc.array(message, { minLength: MESSAGES_PER_RUN, maxLength: MESSAGES_PER_RUN }), (generated) => {
          const batch = generated.map((m, i): KafkaMessage => ({
            key: m.key,
            value: m.value,
            headers: m.headers,
            offset: String(i),
            timestamp: '0',
            attributes: 0,
          }));
          // Plain checks rather than expect() in this loop: it runs 100,000 times.
          const prepared = prepareBatch(batch, { topic: 'orders', partition: 0 }, options, defaultRules);
          const { valid, rejected } = prepared.counts;
          if (valid + rejected !== batch.length) return false;
          if (prepared.changes.length !== prepared.changeMessages.length) return false;
          if (prepared.deadLetters.length !== rejected) return false;
          for (const dl of prepared.deadLetters) {
            const reason = String(dl.headers['dlq-reason']);
            seenReasons.add(reason);
            // `internal`: handling the message threw (decoding, the rules), contained by prepareBatch
            if (reason === 'internal' || !reasons.includes(reason as DeadLetterReason)) return false;
            if (String(dl.headers['dlq-detail']).length > 1000) return false;
            encodeRecord({ key: dl.key, value: dl.value, headers: dl.headers }); // throws: the property fails
            // the message's own bytes and key, byte for byte
            const source = batch[Number(dl.headers['dlq-source-offset'])];
            if (source === undefined || dl.value !== source.value || dl.key !== source.key) return false;
          }
          messages += batch.length;
          changes += prepared.changes.length;
          return true;
        }),
        { numRuns: RUNS },
      );
      expect(messages).toBeGreaterThanOrEqual(100_000);
      expect(changes).toBeGreaterThan(1000); // valid events among them are accepted
      // the generator reaches the reasons a message can have
      for (const r of ['bad_json', 'unknown_type', 'schema'] as const) expect(seenReasons).toContain(r);
    },
  );
});
