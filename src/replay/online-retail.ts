// Streams an Online Retail export (CSV, optionally gzipped) as checkout events, one per invoice and
// direction, plus a problem for every row that cannot be part of an event. Memory stays bounded:
// rows are parsed one at a time and only a few invoices are held open (see InvoiceAssembler).
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { pipeline, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { parse, type CsvError, type Info } from 'csv-parse';
import { InsidersError } from '../errors.js';
import { InvoiceAssembler, type AssemblerOptions, type ReplayItem } from './invoices.js';
import { createRowParser, mapColumns, type RetailRow, type RowProblem } from './retail-row.js';

export type { ReplayItem } from './invoices.js';

export interface ReaderOptions extends AssemblerOptions {
  /** called as the file is read, with the bytes read so far (compressed bytes for .gz) */
  readonly onBytesRead?: (bytes: number) => void;
}

const GZIP_MAGIC = [0x1f, 0x8b];

async function isGzip(path: string): Promise<boolean> {
  if (path.endsWith('.gz')) return true;
  const handle = await open(path, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(2), 0, 2, 0);
    return bytesRead === 2 && buffer[0] === GZIP_MAGIC[0] && buffer[1] === GZIP_MAGIC[1];
  } finally {
    await handle.close();
  }
}

/**
 * File line numbers from csv-parse's running line count. csv-parse reports the line a record ends
 * on and counts a CRLF inside a quoted field as two lines, so both are corrected here; fields keep
 * their line breaks, which is what makes the correction possible.
 */
class LineNumbers {
  private overcount = 0;

  /** The 1-based line a record starts on, given csv-parse's `lines` when it was emitted. */
  start(reportedLines: number, fields: readonly unknown[]): number {
    let breaks = 0;
    let crlf = 0;
    for (const f of fields) {
      if (typeof f !== 'string' || !(f.includes('\n') || f.includes('\r'))) continue;
      breaks += f.match(/\r\n|\r|\n/g)?.length ?? 0;
      crlf += f.match(/\r\n/g)?.length ?? 0;
    }
    this.overcount += crlf;
    return reportedLines - this.overcount - breaks;
  }

  /** A line csv-parse reported without the record (a quoting error). */
  at(reportedLines: number): number {
    return reportedLines - this.overcount;
  }
}

function csvProblem(err: CsvError, lines: LineNumbers, headerFields: number | undefined): ReplayItem {
  const reported = typeof err.lines === 'number' ? err.lines : 0;
  const record = Array.isArray(err.record) ? (err.record as unknown[]) : undefined;
  switch (err.code) {
    case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH':
      return {
        kind: 'problem',
        line: lines.start(reported, record ?? []),
        code: 'csv',
        reason: `${record?.length ?? 'a different number of'} fields where the header has ${headerFields ?? 'another number'}`,
      };
    case 'CSV_QUOTE_NOT_CLOSED':
      return {
        kind: 'problem',
        line: lines.at(reported),
        code: 'csv',
        reason: 'a quoted field is never closed; the rest of the file was read as that field',
      };
    case 'CSV_INVALID_CLOSING_QUOTE':
    case 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE':
      return { kind: 'problem', line: lines.at(reported), code: 'csv', reason: 'text after a closing quote' };
    default:
      return { kind: 'problem', line: lines.at(reported), code: 'csv', reason: `malformed CSV (${err.code})` };
  }
}

const isRow = (v: RetailRow | RowProblem): v is RetailRow => !('code' in v);

/**
 * Yields the events of an Online Retail export in file order (an invoice's event once its rows are
 * complete) and a problem for each row that cannot become part of one, with its 1-based file line
 * (the header is line 1). Throws InsidersError when the file cannot be read or has no usable header.
 */
export async function* readOnlineRetail(path: string, options: ReaderOptions): AsyncGenerator<ReplayItem> {
  let file: Readable | undefined;
  let parser: ReturnType<typeof parse> | undefined;
  try {
    const gzip = await isGzip(path);
    const source = createReadStream(path);
    file = source;
    // Quoting and column-count errors skip that record (reported) instead of ending the parse.
    const skipped: CsvError[] = [];
    parser = parse({
      info: true,
      bom: true,
      skip_empty_lines: true,
      relax_column_count: false,
      skip_records_with_error: true,
      on_skip: (err) => {
        if (err !== undefined) skipped.push(err);
        return undefined;
      },
    });
    let bytes = 0;
    if (options.onBytesRead !== undefined) {
      const report = options.onBytesRead;
      source.on('data', (chunk: Buffer | string) => report((bytes += chunk.length)));
    }
    // Errors from any stage surface through the parser's iterator below.
    const noop = (): void => undefined;
    if (gzip) pipeline(source, createGunzip(), parser, noop);
    else pipeline(source, parser, noop);

    const lines = new LineNumbers();
    const assembler = new InvoiceAssembler(options);
    let parseRow: ((record: readonly string[]) => RetailRow | RowProblem) | undefined;
    let headerFields: number | undefined;
    for await (const item of parser as AsyncIterable<{ record: string[]; info: Info }>) {
      // A skipped record's error carries the count of records before it, which orders it.
      while (skipped[0] !== undefined && Number(skipped[0].records) < item.info.records) {
        const err = skipped.shift();
        if (err !== undefined) yield csvProblem(err, lines, headerFields);
      }
      const line = lines.start(item.info.lines, item.record);
      if (parseRow === undefined) {
        parseRow = createRowParser(mapColumns(item.record));
        headerFields = item.record.length;
        continue;
      }
      const row = parseRow(item.record);
      if (isRow(row)) yield* assembler.add(row, line);
      else yield { kind: 'problem', line, code: row.code, reason: row.reason };
    }
    for (const err of skipped.splice(0)) yield csvProblem(err, lines, headerFields);
    if (parseRow === undefined) throw new InsidersError('CSV_ROW_INVALID', `${path}: empty file, no header line`);
    yield* assembler.finish();
  } catch (err) {
    if (err instanceof InsidersError) throw err;
    const message = err instanceof Error ? err.message : String(err);
    throw new InsidersError('CSV_ROW_INVALID', `cannot read ${path}: ${message}`, { cause: err });
  } finally {
    parser?.destroy();
    file?.destroy();
  }
}
