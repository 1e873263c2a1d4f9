import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InsidersError } from '../../src/errors.js';
import { eventSchema, type CheckoutEvent } from '../../src/events/schema.js';
import { readOnlineRetail, type ReaderOptions, type ReplayItem } from '../../src/replay/online-retail.js';

const UCI = 'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country';
let dir: string;
let fileNo = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'insiders-replay-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function fixture(content: string | Buffer, suffix = '.csv'): Promise<string> {
  const path = join(dir, `fixture-${++fileNo}${suffix}`);
  await writeFile(path, content);
  return path;
}

async function read(path: string, options: Partial<ReaderOptions> = {}): Promise<ReplayItem[]> {
  const items: ReplayItem[] = [];
  for await (const item of readOnlineRetail(path, { currency: 'GBP', ...options })) {
    if (item.kind === 'event') expect(eventSchema.safeParse(item.event).error).toBeUndefined();
    items.push(item);
  }
  return items;
}

const problems = (items: ReplayItem[]) =>
  items.flatMap((i) => (i.kind === 'problem' ? [{ line: i.line, code: i.code }] : []));
const events = (items: ReplayItem[]) => items.flatMap((i) => (i.kind === 'event' ? [i] : []));

type ExportEvent = CheckoutEvent extends infer E
  ? E extends CheckoutEvent
    ? Omit<E, 'schemaVersion' | 'currency' | 'country'> & { readonly country?: string }
    : never
  : never;

/**
 * An event item as the reader makes it of the export's rows: schema version 1, in GBP, in the
 * United Kingdom unless `country` says otherwise.
 */
const eventItem = (line: number, event: ExportEvent): ReplayItem => ({
  kind: 'event',
  line,
  event: { schemaVersion: 1, currency: 'GBP', country: 'United Kingdom', ...event },
});

const uciRows = [
  UCI,
  '536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,12/1/2010 8:26,2.55,17850,United Kingdom',
  '536365,22752,"SET 7 BABUSHKA NESTING BOXES, ""RED""",2,12/1/2010 8:26,7.65,17850,United Kingdom',
  '536366,22633,HAND WARMER UNION JACK,6,12/1/2010 8:28,1.85,,United Kingdom',
  'C536379,D,Discount,-1,12/1/2010 9:41,27.5,14527,United Kingdom',
  '536380,22961,JAM MAKING SET PRINTED,24,6/1/2011 9:15,1.45,17809.0,France',
];
const uciText = `${uciRows.join('\n')}\n`;

const uciItems: ReplayItem[] = [
  eventItem(2, {
    type: 'order',
    orderId: '536365',
    customerId: '17850',
    occurredAt: '2010-12-01T08:26:00+00:00',
    lines: [
      { sku: '85123A', description: 'WHITE HANGING HEART T-LIGHT HOLDER', quantity: 6, unitPrice: '2.55' },
      { sku: '22752', description: 'SET 7 BABUSHKA NESTING BOXES, "RED"', quantity: 2, unitPrice: '7.65' },
    ],
  }),
  eventItem(4, {
    type: 'order',
    orderId: '536366',
    customerId: null,
    occurredAt: '2010-12-01T08:28:00+00:00',
    lines: [{ sku: '22633', description: 'HAND WARMER UNION JACK', quantity: 6, unitPrice: '1.85' }],
  }),
  eventItem(5, {
    type: 'return',
    orderId: 'C536379',
    reason: 'cancellation',
    customerId: '14527',
    occurredAt: '2010-12-01T09:41:00+00:00',
    lines: [{ sku: 'D', description: 'Discount', quantity: 1, unitPrice: '27.5' }],
  }),
  eventItem(6, {
    type: 'order',
    orderId: '536380',
    customerId: '17809',
    occurredAt: '2011-06-01T09:15:00+01:00',
    country: 'France',
    lines: [{ sku: '22961', description: 'JAM MAKING SET PRINTED', quantity: 24, unitPrice: '1.45' }],
  }),
];

describe('readOnlineRetail', () => {
  it('turns UCI rows into one event per invoice: quotes, guests, cancellations, summer time', async () => {
    expect(await read(await fixture(uciText))).toEqual(uciItems);
  });

  it('uses the currency it is given and sets no eventId', async () => {
    const items = events(await read(await fixture(uciText), { currency: 'EUR' }));
    expect(items.map((i) => i.event.currency)).toEqual(['EUR', 'EUR', 'EUR', 'EUR']);
    expect(items.every((i) => !('eventId' in i.event))).toBe(true);
  });

  it('reads the Online Retail II spellings in any column order', async () => {
    const text = [
      'Customer ID,Country,Invoice,InvoiceDate,StockCode,Description,Price,Quantity',
      '13085.0,United Kingdom,489434,2009-12-01 07:45:00,85048,15CM CHRISTMAS GLASS BALL 20 LIGHTS,6.95,12',
      '13085.0,United Kingdom,489434,2009-12-01 07:45:00,79323P,PINK CHERRY LIGHTS,6.75,12',
      ',United Kingdom,C489449,2010-07-01 10:33:00,22087,PAPER BUNTING WHITE LACE,2.95,-12',
    ].join('\n');
    expect(await read(await fixture(text))).toEqual([
      eventItem(2, {
        type: 'order',
        orderId: '489434',
        customerId: '13085',
        occurredAt: '2009-12-01T07:45:00+00:00',
        lines: [
          { sku: '85048', description: '15CM CHRISTMAS GLASS BALL 20 LIGHTS', quantity: 12, unitPrice: '6.95' },
          { sku: '79323P', description: 'PINK CHERRY LIGHTS', quantity: 12, unitPrice: '6.75' },
        ],
      }),
      eventItem(4, {
        type: 'return',
        orderId: 'C489449',
        reason: 'cancellation',
        customerId: null,
        occurredAt: '2010-07-01T10:33:00+01:00',
        lines: [{ sku: '22087', description: 'PAPER BUNTING WHITE LACE', quantity: 12, unitPrice: '2.95' }],
      }),
    ]);
  });

  it('reads gzip input, by suffix or by its magic bytes', async () => {
    const gz = gzipSync(Buffer.from(uciText));
    expect(await read(await fixture(gz, '.csv.gz'))).toEqual(uciItems);
    expect(await read(await fixture(gz, '.export'))).toEqual(uciItems);
  });

  describe('line numbers', () => {
    // Lines: 1 header | 2–3 a two-line description | 4 bad quantity | 5–7 a three-line description |
    // 8 a short row | 9 a bad date
    const rows = [
      UCI,
      '536365,85123A,"TWO',
      'LINES",6,12/1/2010 8:26,2.55,17850,United Kingdom',
      '536365,71053,WHITE METAL LANTERN,abc,12/1/2010 8:26,3.39,17850,United Kingdom',
      '536366,22633,"A',
      'B',
      'C",6,12/1/2010 8:28,1.85,,United Kingdom',
      '536366,22634,X,6,12/1/2010 8:28,1.85,United Kingdom',
      '536367,22635,X,6,13/45/2010 8:28,1.85,,United Kingdom',
    ];
    const expected = (eol: string) => ({
      events: [
        { line: 2, orderId: '536365', description: `TWO${eol}LINES` },
        { line: 5, orderId: '536366', description: `A${eol}B${eol}C` },
      ],
      problems: [
        { line: 4, code: 'quantity' },
        { line: 8, code: 'csv' },
        { line: 9, code: 'date' },
      ],
    });
    const summary = (items: ReplayItem[]) => ({
      events: events(items).map((i) => ({
        line: i.line,
        orderId: i.event.orderId,
        description: i.event.lines[0]?.description,
      })),
      problems: problems(items).sort((a, b) => a.line - b.line),
    });

    it('count the lines inside quoted fields', async () => {
      expect(summary(await read(await fixture(`${rows.join('\n')}\n`)))).toEqual(expected('\n'));
    });

    it('are right in CRLF files too', async () => {
      expect(summary(await read(await fixture(`${rows.join('\r\n')}\r\n`)))).toEqual(expected('\r\n'));
    });
  });

  it('reports rows that cannot become an event, with their line and reason, and goes on', async () => {
    const text = [
      UCI,
      '536365,85123A,OK,6,12/1/2010 8:26,2.55,17850,United Kingdom',
      '536365,85123B,BAD DATE,6,2010-13-01 08:26:00,2.55,17850,United Kingdom',
      '536365,85123C,BAD QUANTITY,six,12/1/2010 8:26,2.55,17850,United Kingdom',
      '536365,85123D,ZERO,0,12/1/2010 8:26,2.55,17850,United Kingdom',
      'A563186,B,Adjust bad debt,1,8/12/2011 14:51,-11062.06,,United Kingdom',
      '536366,85123E,SUB-MILL,1,12/1/2010 8:26,0.0001,17850,United Kingdom',
      '536366,85123F,HUGE,100001,12/1/2010 8:26,1,17850,United Kingdom',
      '536366,85123G,SHORT,1,12/1/2010 8:26,1,17850',
      'BAD INVOICE,85123H,SPACE,1,12/1/2010 8:26,1,17850,United Kingdom',
      '536367,85123I,CUSTOMER,1,12/1/2010 8:26,1,17 850,United Kingdom',
      '536368,,NO STOCK CODE,1,12/1/2010 8:26,1,17850,United Kingdom',
      '536368,85123J,FINE,1,12/1/2010 8:26,1.000,17850,United Kingdom',
    ].join('\n');
    const items = await read(await fixture(text));
    expect(problems(items).sort((a, b) => a.line - b.line)).toEqual([
      { line: 3, code: 'date' },
      { line: 4, code: 'quantity' },
      { line: 5, code: 'quantity' },
      { line: 6, code: 'unit_price' },
      { line: 7, code: 'unit_price' },
      { line: 8, code: 'quantity' },
      { line: 9, code: 'csv' },
      { line: 10, code: 'invoice' },
      { line: 11, code: 'customer' },
      { line: 12, code: 'stock_code' },
    ]);
    const reasons = new Map(items.flatMap((i) => (i.kind === 'problem' ? [[i.line, i.reason]] : [])));
    expect(reasons.get(6)).toBe('unit price "-11062.06" is negative');
    expect(reasons.get(7)).toBe('unit price "0.0001" has more than 3 decimal places');
    expect(reasons.get(8)).toBe('quantity "100001" is beyond 100000 units');
    expect(reasons.get(9)).toBe('7 fields where the header has 8');
    expect(events(items).map((i) => [i.line, i.event.orderId, i.event.lines.map((l) => [l.sku, l.unitPrice])])).toEqual(
      [
        [2, '536365', [['85123A', '2.55']]],
        [13, '536368', [['85123J', '1.000']]],
      ],
    );
  });

  it('splits an invoice with both signs into an order and a return "<invoice>-R"', async () => {
    const text = [
      UCI,
      '536400,A,first,5,12/1/2010 8:26,1.25,12345,United Kingdom',
      '536400,B,back,-2,12/1/2010 8:26,1.25,12345,United Kingdom',
      '536400,C,third,3,12/1/2010 8:27,2,12345,United Kingdom',
    ].join('\n');
    const items = events(await read(await fixture(text)));
    expect(items.map((i) => ({ line: i.line, ...i.event }))).toEqual([
      {
        line: 2,
        type: 'order',
        orderId: '536400',
        schemaVersion: 1,
        customerId: '12345',
        occurredAt: '2010-12-01T08:26:00+00:00',
        currency: 'GBP',
        country: 'United Kingdom',
        lines: [
          { sku: 'A', description: 'first', quantity: 5, unitPrice: '1.25' },
          { sku: 'C', description: 'third', quantity: 3, unitPrice: '2' },
        ],
      },
      {
        line: 3,
        type: 'return',
        orderId: '536400-R',
        reason: 'return',
        schemaVersion: 1,
        customerId: '12345',
        occurredAt: '2010-12-01T08:26:00+00:00',
        currency: 'GBP',
        country: 'United Kingdom',
        lines: [{ sku: 'B', description: 'back', quantity: 2, unitPrice: '1.25' }],
      },
    ]);
  });

  describe('an invoice whose rows are interrupted by another invoice', () => {
    // as at lines 78088–78100 of the UCI file: 542806 is interrupted by the two rows of C542805
    const text = [
      UCI,
      '542806,48194,DOORMAT HEARTS,1,2/1/2011 11:19,7.95,12836,United Kingdom',
      'C542805,22156,HEART DECORATION WITH PEARLS ,-1,2/1/2011 11:19,0.85,14606,United Kingdom',
      '542806,22692,DOORMAT WELCOME TO OUR HOME,2,2/1/2011 11:20,7.95,12836,United Kingdom',
    ].join('\n');

    it('is still one event while few invoices come between', async () => {
      const items = await read(await fixture(text));
      expect(items.map((i) => (i.kind === 'event' ? [i.event.orderId, i.event.lines.map((l) => l.sku)] : i))).toEqual([
        ['C542805', ['22156']],
        ['542806', ['48194', '22692']],
      ]);
    });

    it('is reported, not emitted twice, when its event has already gone', async () => {
      const items = await read(await fixture(text), { openInvoices: 1 });
      expect(problems(items)).toEqual([{ line: 4, code: 'reopened' }]);
      expect(events(items).map((i) => [i.event.orderId, i.event.lines.length])).toEqual([
        ['542806', 1],
        ['C542805', 1],
      ]);
    });
  });

  it('keeps an invoice within the contract: lines past 5000 are problems', async () => {
    const rows = Array.from({ length: 5001 }, (_, i) => `573585,SKU${i},X,1,10/31/2011 14:41,0.85,,United Kingdom`);
    const items = await read(await fixture([UCI, ...rows].join('\n')));
    expect(events(items).map((i) => i.event.lines.length)).toEqual([5000]);
    expect(problems(items)).toEqual([{ line: 5002, code: 'too_many_lines' }]);
  });

  it('truncates descriptions to 256 characters and leaves out empty ones', async () => {
    const text = [
      UCI,
      `536365,A,${'x'.repeat(300)},1,12/1/2010 8:26,1,17850,United Kingdom`,
      '536365,B,,1,12/1/2010 8:26,1,17850,United Kingdom',
    ].join('\n');
    const [item] = events(await read(await fixture(text)));
    expect(item?.event.lines).toEqual([
      { sku: 'A', description: 'x'.repeat(256), quantity: 1, unitPrice: '1' },
      { sku: 'B', quantity: 1, unitPrice: '1' },
    ]);
  });

  it('reports a row whose customer differs from the rest of its invoice', async () => {
    const text = [
      UCI,
      '536365,A,x,1,12/1/2010 8:26,1,17850,United Kingdom',
      '536365,B,x,1,12/1/2010 8:26,1,12345,United Kingdom',
    ].join('\n');
    expect(problems(await read(await fixture(text)))).toEqual([{ line: 3, code: 'inconsistent' }]);
  });

  it('refuses a file without the Online Retail columns', async () => {
    const path = await fixture('Order,Sku,Qty\n1,A,2\n');
    await expect(read(path)).rejects.toThrow(InsidersError);
    await expect(read(path)).rejects.toThrow(/missing invoice, sku, quantity, date, unitPrice, customer, country/);
  });

  it('fails with InsidersError when the file is not there', async () => {
    await expect(read(join(dir, 'absent.csv'))).rejects.toMatchObject({ code: 'CSV_ROW_INVALID' });
  });
});
