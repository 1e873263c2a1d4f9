// The CSV path of `insiders segment` and `insiders replay` against the parsers it could have used, on
// the same file in the same run, rounds alternating: gunzip and UTF-8 decoding alone (the floor),
// csv-parse (the reader before), uDSV and PapaParse streaming (both fed decoded strings, PapaParse
// with the newline set: their chunk traps), src's CsvRecords, and the whole reader
// as `replay` reads it (readOnlineRetail: records, row checks, invoices, the event contract; item by
// item) and as `segment` does (featuresFromCsv: records, row checks, invoices, straight into the
// in-memory customer state, then every customer's features). Each parser's records are
// hashed, so the run also shows whether they agree. One JSON line per parser, then a table.
//
// npx tsx bench/model/csv-parsers.ts [--file data/online-retail.csv.gz] [--repeat 5]
//                                    [--only TEXT[,TEXT]] (the parsers whose names hold one of them)
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import { parse as csvParse } from 'csv-parse';
import Papa from 'papaparse';
import { inferSchema, initParser } from 'udsv';
import { CsvRecords } from '../../src/replay/csv-records.js';
import { featuresFromCsv } from '../../src/embedded/csv-features.js';
import { defaultRules } from '../../src/features/filters.js';
import type { InvoiceCloser, OpenInvoice } from '../../src/replay/invoices.js';
import { readOnlineRetail, readOnlineRetailBatches } from '../../src/replay/online-retail.js';
import { flag } from '../ingest/lib.js';

const file = flag('file', 'data/online-retail.csv.gz');
const repeat = Number(flag('repeat', '5'));

/**
 * The file's text, a chunk at a time (gunzipped when it ends in .gz), decoded 64 KiB at a time as
 * the reader decodes it, so that every parser gets text cut the same way.
 */
async function* textChunks(): AsyncGenerator<string> {
  const source = createReadStream(file, { highWaterMark: 1 << 20 });
  const bytes = file.endsWith('.gz') ? source.pipe(createGunzip({ chunkSize: 256 << 10 })) : source;
  const decoder = new StringDecoder('utf8');
  for await (const chunk of bytes as AsyncIterable<Buffer>) {
    for (let at = 0; at < chunk.length; at += 64 << 10) yield decoder.write(chunk.subarray(at, at + (64 << 10)));
  }
  yield decoder.end();
}

interface Outcome {
  readonly records: number;
  readonly digest: string;
}

/** Records counted and hashed field by field (the hash only when `hash` is set: it costs time). */
class Tally {
  records = 0;
  private readonly hash: Hash | undefined;
  constructor(hashFields: boolean) {
    this.hash = hashFields ? createHash('sha256') : undefined;
  }
  add(fields: readonly string[], count = fields.length): void {
    this.records++;
    if (this.hash !== undefined) for (let i = 0; i < count; i++) this.hash.update(`${fields[i]}\u0001`);
  }
  outcome(): Outcome {
    return { records: this.records, digest: this.hash?.digest('hex').slice(0, 16) ?? '' };
  }
}

const parsers: Record<string, (hash: boolean) => Promise<Outcome>> = {
  async 'gunzip + decode'() {
    let chars = 0;
    for await (const text of textChunks()) chars += text.length;
    return { records: 0, digest: String(chars) };
  },
  async 'csv-parse'(hash) {
    const tally = new Tally(hash);
    const source = createReadStream(file, { highWaterMark: 1 << 20 });
    const bytes = file.endsWith('.gz') ? source.pipe(createGunzip({ chunkSize: 256 << 10 })) : source;
    const parser = bytes.pipe(csvParse({ bom: true, skip_empty_lines: true, relax_column_count: true }));
    for await (const record of parser as AsyncIterable<string[]>) tally.add(record);
    return tally.outcome();
  },
  async uDSV(hash) {
    const tally = new Tally(hash);
    let parser: ReturnType<typeof initParser> | undefined;
    const each = (row: string[]) => tally.add(row);
    for await (const text of textChunks()) {
      // inferSchema throws on a chunk without a whole row; the bundled file's first chunk has many.
      if (parser === undefined) {
        const schema = inferSchema(text);
        // uDSV takes the header as the schema, not as a row.
        tally.add(schema.cols.map((c) => c.name));
        parser = initParser(schema);
      }
      parser.chunk<string[]>(text, parser.stringArrs, each);
    }
    parser?.end();
    return tally.outcome();
  },
  async PapaParse(hash) {
    const tally = new Tally(hash);
    await new Promise<void>((resolve, reject) => {
      const parser = Papa.parse(Papa.NODE_STREAM_INPUT, { newline: '\n', skipEmptyLines: true });
      parser.on('data', (row: string[]) => tally.add(row));
      parser.on('end', () => resolve());
      parser.on('error', reject);
      Readable.from(textChunks()).pipe(parser);
    });
    return tally.outcome();
  },
  async 'src CsvRecords'(hash) {
    const tally = new Tally(hash);
    const records = new CsvRecords();
    const sink = { record: (fields: readonly string[], count: number) => tally.add(fields, count), malformed() {} };
    for await (const text of textChunks()) records.feed(text, false, sink);
    records.feed('', true, sink);
    return tally.outcome();
  },
  async 'src readOnlineRetail (rows to events)'() {
    let rows = 1;
    for await (const item of readOnlineRetail(file, { currency: 'GBP' })) {
      rows += item.kind === 'event' ? item.event.lines.length : 1;
    }
    return { records: rows, digest: '' };
  },
  async 'src readOnlineRetailBatches (rows to invoices, as segment reads)'() {
    let rows = 1;
    const closer: InvoiceCloser = {
      close(invoice: OpenInvoice) {
        rows += invoice.purchases.count + invoice.returns.count;
      },
    };
    for await (const items of readOnlineRetailBatches(file, { currency: 'GBP' }, closer)) rows += items.length;
    return { records: rows, digest: '' };
  },
  async 'src featuresFromCsv (as segment: rows to state, then features)'() {
    const csv = await featuresFromCsv(file, {
      currency: 'GBP',
      rules: defaultRules,
      windowDays: 365,
      wallClockMs: Date.now(),
    });
    return { records: csv.rows + 1, digest: '' };
  },
};

const only = flag('only', '')
  .split(',')
  .filter((t) => t !== '');
const names = Object.keys(parsers).filter((n) => only.length === 0 || only.some((t) => n.includes(t)));
const digests = new Map<string, Outcome>();
for (const name of names) digests.set(name, await parsers[name]!(true));
const times = new Map<string, number[]>(names.map((n) => [n, []]));
/** CPU ms of the process (the main thread and zlib's), the figure to read on a shared machine */
const cpuTimes = new Map<string, number[]>(names.map((n) => [n, []]));
for (let round = 0; round < repeat; round++) {
  // Alternating order, so that no parser always runs after the same one.
  const order = round % 2 === 0 ? names : [...names].reverse();
  for (const name of order) {
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    await parsers[name]!(false);
    times.get(name)!.push(performance.now() - started);
    const cpu = process.cpuUsage(cpuBefore);
    cpuTimes.get(name)!.push((cpu.user + cpu.system) / 1000);
    process.stderr.write('.');
  }
}
process.stderr.write('\n');

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const table: string[] = [
  '| parser | median s | rows/s | CPU s, median | rows per CPU s | records | digest |',
  '| --- | ---: | ---: | ---: | ---: | ---: | --- |',
];
for (const name of names) {
  const ms = median(times.get(name)!);
  const { records, digest } = digests.get(name)!;
  const cpuMs = median(cpuTimes.get(name)!);
  const rowsPerS = records > 0 ? Math.round(records / (ms / 1000)) : null;
  const rowsPerCpuS = records > 0 ? Math.round(records / (cpuMs / 1000)) : null;
  process.stdout.write(
    `${JSON.stringify({ parser: name, file, medianMs: Math.round(ms), runsMs: times.get(name)!.map(Math.round), cpuMs: Math.round(cpuMs), cpuRunsMs: cpuTimes.get(name)!.map(Math.round), records, rowsPerS, rowsPerCpuS, digest })}\n`,
  );
  table.push(
    `| ${name} | ${(ms / 1000).toFixed(2)} | ${rowsPerS?.toLocaleString('en') ?? ''} | ${(cpuMs / 1000).toFixed(2)} | ${rowsPerCpuS?.toLocaleString('en') ?? ''} | ${records || ''} | ${digest} |`,
  );
}
process.stdout.write(`\n${table.join('\n')}\n`);
