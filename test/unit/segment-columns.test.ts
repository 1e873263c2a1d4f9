// `insiders segment` applies invoices to the in-memory state from the reader's columns; the
// event path (`insiders replay`'s events, normalizeEvent, classify, InMemoryCustomers.apply) is the
// reference it must agree with, problem by problem and feature by feature.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { featuresFromCsv } from '../../src/embedded/csv-features.js';
import {
  EARLIEST_EVENT_MS,
  localEventId,
  localEventKey,
  MAX_FUTURE_MS,
  normalizeEvent,
} from '../../src/events/decode.js';
import { computeFeatures } from '../../src/features/features.js';
import { classify, defaultRules } from '../../src/features/filters.js';
import { parseMills } from '../../src/money.js';
import { readOnlineRetail } from '../../src/replay/online-retail.js';
import { millsOfPrice } from '../../src/replay/retail-row.js';
import { InMemoryCustomers } from '../../src/state/memory-state.js';

const WALL_MS = Date.parse('2026-12-01T00:00:00Z');
const HEADER = 'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country';
const LONG = `A${'9'.repeat(62)}`; // 63 characters: its return's order id, LONG-R, is over the contract's 64

const rows = [
  HEADER,
  '536365,85123A,HEART,6,12/1/2010 8:26,2.55,17850,United Kingdom',
  '536365,POST,POSTAGE,1,12/1/2010 8:26,18.00,17850,United Kingdom',
  '536365,22752,LANTERN,-2,12/1/2010 8:26,7.65,17850,United Kingdom',
  'C536366,22633,CANDLE,-6,12/1/2010 8:28,1.85,17850,United Kingdom',
  `${LONG},22633,CANDLE,6,12/2/2010 9:00,1.85,12345,France`,
  `${LONG},22634,CANDLE,-1,12/2/2010 9:00,1.85,12345,France`,
  '536367,22635,OLD,1,6/1/1999 10:00,1,12345,France',
  '536368,22636,FREE,1,12/3/2010 10:00,0.001,12345,France',
  '536369,22637,LAMP,2,12/3/2010 11:00,3.5,16446,United Kingdom',
  '536370,22638,LAMP,2,12/3/2010 12:00,3.5,,United Kingdom',
  '536371,22639,LAMP,2,12/4/2010 12:00,3.5,12346,Unspecified',
  '536372,22640,HUGE,100000,12/5/2010 12:00,99999.999,12347,United Kingdom',
  '536372,22641,HUGE,100000,12/5/2010 12:00,99999.999,12347,United Kingdom',
  '536373,22642,BAD,x,12/5/2010 13:00,1,12347,United Kingdom',
  '536374,22643,LATE,1,12/5/2027 13:00,1,12347,United Kingdom',
  '536375,85123A,HEART,3,12/6/2010 8:26,2.55,17850,United Kingdom',
  '536365,85123A,HEART,1,12/6/2010 8:26,2.55,17850,United Kingdom',
];

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'insiders-columns-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The event path: every event checked, normalized with a local id, classified and applied. */
async function reference(path: string, windowDays: number) {
  const state = new InMemoryCustomers(windowDays);
  const problems: string[] = [];
  let rows = 0;
  let events = 0;
  const accept = { currency: 'GBP', earliestMs: EARLIEST_EVENT_MS, maxFutureMs: MAX_FUTURE_MS, wallClockMs: WALL_MS };
  for await (const item of readOnlineRetail(path, { currency: 'GBP' })) {
    if (item.kind === 'problem') {
      rows++;
      problems.push(`${item.line} ${item.code} ${item.reason}`);
      continue;
    }
    rows += item.event.lines.length;
    const decoded = normalizeEvent(item.event, accept, localEventId);
    if (!decoded.ok) {
      problems.push(
        `${item.line} ${decoded.rejection.reason} ${decoded.rejection.reason}: ${decoded.rejection.detail}`,
      );
      continue;
    }
    events++;
    state.observe(decoded.event.occurredAtMs);
    const c = classify(decoded.event, defaultRules);
    if (c.kind !== 'ignored') {
      state.apply({ event: decoded.event, customerId: c.kind === 'customer' ? c.customerId : null, lines: c.lines });
    }
  }
  const nowMs = state.watermarkMs()!;
  return {
    rows,
    events,
    problems,
    features: [...state.states()].map((s) => computeFeatures(s, nowMs, windowDays)),
    guests: state.guestStats(),
  };
}

describe('featuresFromCsv (the columns) against the event path', () => {
  it.each([365, 3])('gives the same problems, counts and features with a %i-day window', async (windowDays) => {
    const path = join(dir, `edge-${windowDays}.csv`);
    await writeFile(path, `${rows.join('\n')}\n`);
    const problems: string[] = [];
    const csv = await featuresFromCsv(path, {
      currency: 'GBP',
      rules: defaultRules,
      windowDays,
      wallClockMs: WALL_MS,
      onProblem: (line, reason) => problems.push(`${line} ${reason}`),
    });
    const want = await reference(path, windowDays);
    expect(csv.rows).toBe(want.rows);
    expect(csv.events).toBe(want.events);
    expect(problems).toEqual(want.problems.map((p) => p.replace(/^(\d+) \S+ /, '$1 ')));
    expect(Object.values(csv.problemsByKind).reduce((a, b) => a + b, 0)).toBe(want.problems.length);
    expect(csv.features).toEqual(want.features);
    expect(csv.guests).toEqual(want.guests);
    // the cases are there: a contract break, a date out of range, a value over the limit, a bad row
    expect(Object.keys(csv.problemsByKind).sort()).toEqual(['bad_date', 'contract', 'quantity', 'reopened', 'schema']);
  });
});

describe('millsOfPrice', () => {
  it('gives parseMills for every price the row check accepts', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 99_999 }),
        fc.integer({ min: 0, max: 999 }),
        fc.integer({ min: 0, max: 3 }),
        (whole, fraction, places) => {
          const text = places === 0 ? String(whole) : `${whole}.${String(fraction).padStart(3, '0').slice(0, places)}`;
          expect(millsOfPrice(text)).toBe(parseMills(text));
        },
      ),
    );
  });
});

describe('localEventKey', () => {
  const lines = { count: 2, skus: ['A1', 'B2'], quantities: [1, 2], unitPriceMills: [100, 200] };
  const key = (over: Partial<typeof lines> = {}, orderId = 'o1') =>
    localEventKey('order', orderId, 'c1', 'UK', 1_300_000_000_000, { ...lines, ...over });

  it('is the same for the same content and differs when any of it does', () => {
    expect(key()).toBe(key());
    expect(Number.isSafeInteger(key())).toBe(true);
    const others = [key({ quantities: [1, 3] }), key({ skus: ['A1', 'B3'] }), key({ count: 1 }), key({}, 'o2')];
    expect(new Set([key(), ...others]).size).toBe(5);
    expect(localEventKey('return', 'o1', 'c1', 'UK', 1_300_000_000_000, lines)).not.toBe(key());
  });
});
