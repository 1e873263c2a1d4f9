import { describe, expect, it } from 'vitest';
import type { KafkaMessage } from 'kafkajs';
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
});
