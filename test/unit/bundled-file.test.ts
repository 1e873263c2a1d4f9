// The bundled UCI file gives exactly what it gave before the reader and the in-memory state were
// rewritten for speed: the same Kafka messages for `insiders replay` (keys, so partitions, values,
// headers, in order) and problems, and the same features for `insiders segment`. The digests were
// computed with the csv-parse reader and the copying InMemoryCustomers of commit 693e999.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { featuresFromCsv } from '../../src/embedded/csv-features.js';
import { defaultRules } from '../../src/features/filters.js';
import { readOnlineRetail } from '../../src/replay/online-retail.js';
import { toMessage } from '../../src/replay/publish.js';
import { onlineRetailCsv } from '../support/data-set.js';

const TIMEOUT_MS = 120_000;

describe('the bundled file', () => {
  it(
    'replays to the same messages and problems, in the same order',
    async () => {
      const digest = createHash('sha256');
      let events = 0;
      let problems = 0;
      for await (const item of readOnlineRetail(onlineRetailCsv, { currency: 'GBP' })) {
        if (item.kind === 'event') {
          const m = toMessage(item.event);
          digest.update(JSON.stringify([item.line, m.key, m.value, m.headers]));
          events++;
        } else {
          digest.update(JSON.stringify([item.line, item.code, item.reason]));
          problems++;
        }
      }
      expect({ events, problems, sha256: digest.digest('hex') }).toEqual({
        events: 25_898,
        problems: 2,
        sha256: '4efd1597ce65c422275b21ab522a6e5ee85f7ebdcca8684e85383ab79ced3a10',
      });
    },
    TIMEOUT_MS,
  );

  it.each([
    [365, '05da2f208d8dc4c0df275d03d4c48dfe3a9f1689ee0ba16ce09bd829a9d107aa'],
    [30, 'e813f1cac7094a44ebe413b5f9e1a7613faa7b61e81be2890678a759773ff83b'],
  ])(
    'gives the same features with a %i-day window',
    async (windowDays, sha256) => {
      const csv = await featuresFromCsv(onlineRetailCsv, {
        currency: 'GBP',
        rules: defaultRules,
        windowDays,
        wallClockMs: Date.parse('2026-12-01T00:00:00Z'),
      });
      const digest = createHash('sha256');
      for (const f of csv.features) digest.update(JSON.stringify(f));
      expect({ customers: csv.features.length, events: csv.events, problems: csv.problems }).toEqual({
        customers: 4356,
        events: 25_898,
        problems: 2,
      });
      // every data row of the file, in an event or a problem; the first and last invoice dates
      expect({ rows: csv.rows, problemsByKind: csv.problemsByKind }).toEqual({
        rows: 541_909,
        problemsByKind: { unit_price: 2 },
      });
      expect([csv.firstEventMs, csv.nowMs].map((ms) => new Date(ms!).toISOString())).toEqual([
        '2010-12-01T08:26:00.000Z',
        '2011-12-09T12:50:00.000Z',
      ]);
      expect(csv.guests).toEqual({
        orders: 1366,
        lines: 131_226,
        items: 418_174,
        revenueMills: 1_508_674_520,
        returns: 39,
        returnedItems: 2546,
        returnedMills: 4_320_850,
      });
      expect(digest.digest('hex')).toBe(sha256);
    },
    TIMEOUT_MS,
  );
});
