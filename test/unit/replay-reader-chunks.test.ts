// The reader's CSV edge cases at every chunk boundary, for `insiders replay` and `insiders segment`: a file read a few bytes at a time must give
// what it gives read whole (multi-byte characters split across reads, CRLF split from its LF, a
// quoted line break, no final newline), plain or gzipped.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { featuresFromCsv } from '../../src/embedded/csv-features.js';
import { defaultRules } from '../../src/features/filters.js';
import { readOnlineRetail, type ReplayItem } from '../../src/replay/online-retail.js';

const UCI = 'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country';
// Line 1 header | 2 é and € | 3-4 a CRLF inside quotes | 5 a 4-byte emoji, a quoted comma | 6 bad
// quantity | 7 the last line, without a newline.
const rows = [
  UCI,
  '536365,85123A,CAFÉ CRÈME €5,6,12/1/2010 8:26,2.55,17850,United Kingdom',
  '536365,22752,"TWO\r\nLINES",2,12/1/2010 8:26,7.65,17850,United Kingdom',
  '536366,22633,"🎄 TREE, LARGE",6,12/1/2010 8:28,1.85,,Österreich',
  '536366,22634,X,six,12/1/2010 8:28,1.85,,Österreich',
  '536367,22635,ÆØÅ,1,12/1/2010 8:29,1,12345,Danmark',
];
const text = rows.join('\r\n');

const expected = {
  events: [
    { line: 2, orderId: '536365', descriptions: ['CAFÉ CRÈME €5', 'TWO\r\nLINES'], country: 'United Kingdom' },
    { line: 5, orderId: '536366', descriptions: ['🎄 TREE, LARGE'], country: 'Österreich' },
    { line: 7, orderId: '536367', descriptions: ['ÆØÅ'], country: 'Danmark' },
  ],
  problems: [{ line: 6, code: 'quantity' }],
};

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'insiders-chunks-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function summary(items: readonly ReplayItem[]) {
  return {
    events: items.flatMap((i) =>
      i.kind === 'event'
        ? [
            {
              line: i.line,
              orderId: i.event.orderId,
              descriptions: i.event.lines.map((l) => l.description),
              country: i.event.country,
            },
          ]
        : [],
    ),
    problems: items.flatMap((i) => (i.kind === 'problem' ? [{ line: i.line, code: i.code }] : [])),
  };
}

async function read(path: string, readChunkBytes?: number): Promise<ReplayItem[]> {
  const items: ReplayItem[] = [];
  const options = readChunkBytes === undefined ? { currency: 'GBP' } : { currency: 'GBP', readChunkBytes };
  for await (const item of readOnlineRetail(path, options)) items.push(item);
  return items;
}

describe('readOnlineRetail at every chunk boundary', () => {
  it('gives the same events and problems read whole or a few bytes at a time', async () => {
    const path = join(dir, 'edges.csv');
    await writeFile(path, text);
    expect(summary(await read(path))).toEqual(expected);
    // 1..7 bytes per read puts a boundary inside every multi-byte character and every CRLF.
    for (const bytes of [1, 2, 3, 5, 7]) expect(summary(await read(path, bytes)), `${bytes} bytes`).toEqual(expected);
  });

  it('does the same for gzip input', async () => {
    const path = join(dir, 'edges.csv.gz');
    await writeFile(path, gzipSync(Buffer.from(text)));
    for (const bytes of [undefined, 1, 3]) expect(summary(await read(path, bytes)), `${bytes} bytes`).toEqual(expected);
  });

  it('reads a UTF-8 BOM and LF line ends the same way', async () => {
    const path = join(dir, 'bom.csv');
    await writeFile(path, `\uFEFF${rows.map((r) => r.replace('\r\n', '\n')).join('\n')}\n`);
    const lf = {
      ...expected,
      events: expected.events.map((e) => ({ ...e, descriptions: e.descriptions.map((d) => d.replace('\r\n', '\n')) })),
    };
    for (const bytes of [undefined, 2]) expect(summary(await read(path, bytes)), `${bytes} bytes`).toEqual(lf);
  });
});

describe('featuresFromCsv (insiders segment) at every chunk boundary', () => {
  it('gives the same features read whole or a few bytes at a time, plain or gzipped', async () => {
    const plain = join(dir, 'features.csv');
    const gz = join(dir, 'features.csv.gz');
    await writeFile(plain, text);
    await writeFile(gz, gzipSync(Buffer.from(text)));
    const features = async (path: string, readChunkBytes?: number) => {
      const problems: number[] = [];
      const csv = await featuresFromCsv(path, {
        currency: 'GBP',
        rules: defaultRules,
        windowDays: 365,
        wallClockMs: Date.parse('2026-12-01T00:00:00Z'),
        onProblem: (line) => problems.push(line),
        ...(readChunkBytes === undefined ? {} : { readChunkBytes }),
      });
      return { features: csv.features, events: csv.events, problems };
    };
    const whole = await features(plain);
    // 17850 (two lines, one of them on lines 3-4) and 12345; the guest invoice is not a customer.
    expect(whole.features.map((f) => [f.customerId, f.orders, f.products])).toEqual([
      ['17850', 1, 2],
      ['12345', 1, 1],
    ]);
    expect(whole.problems).toEqual([6]);
    for (const bytes of [1, 2, 3, 5, 7]) {
      expect(await features(plain, bytes), `${bytes} bytes`).toEqual(whole);
      expect(await features(gz, bytes), `gzip, ${bytes} bytes`).toEqual(whole);
    }
  });
});
