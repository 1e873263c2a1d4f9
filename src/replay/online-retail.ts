// Streams an Online Retail export (CSV, optionally gzipped) as checkout events, one per invoice and
// direction, plus a problem for every row that cannot be part of an event. Memory stays bounded:
// the file is parsed a chunk at a time and only a few invoices are held open (see InvoiceAssembler).
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { pipeline, type Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import { InsidersError } from '../errors.js';
import { CsvRecords, type RecordSink } from './csv-records.js';
import { InvoiceAssembler, type AssemblerOptions, type InvoiceCloser, type ReplayItem } from './invoices.js';
import { isRowProblem, mapColumns, RowParser } from './retail-row.js';

export type { ReplayItem } from './invoices.js';

export interface ReaderOptions extends AssemblerOptions {
  /** called as the file is read, with the bytes read so far (compressed bytes for .gz) */
  readonly onBytesRead?: (bytes: number) => void;
  /** bytes per read of the file, 1 MiB by default (small values put chunk boundaries anywhere) */
  readonly readChunkBytes?: number;
}

const GZIP_MAGIC = [0x1f, 0x8b];
const READ_CHUNK_BYTES = 1 << 20;
const GUNZIP_CHUNK_BYTES = 256 << 10;
/**
 * Bytes decoded to text at a time, whatever the size of the chunks read: the reader took 2.5 to 5
 * times as long on the bundled file when each 256 KiB gunzip chunk was decoded and split whole
 * (runs alternating the two, bench/model/csv-parsers.ts).
 */
const DECODE_BYTES = 64 << 10;

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
 * Yields the events of an Online Retail export in file order (an invoice's event once its rows are
 * complete) and a problem for each row that cannot become part of one, with its 1-based file line
 * (the header is line 1). Throws InsidersError when the file cannot be read or has no usable header.
 */
export async function* readOnlineRetail(path: string, options: ReaderOptions): AsyncGenerator<ReplayItem> {
  for await (const items of readOnlineRetailBatches(path, options)) yield* items;
}

/**
 * readOnlineRetail a read at a time: the items each chunk of the file settles, in file order (an
 * await per chunk rather than per item, for callers that work through millions of events). With
 * `closer`, complete invoices go to it instead of becoming events (see InvoiceCloser): the items are
 * then the problems and whatever it appends.
 */
export async function* readOnlineRetailBatches(
  path: string,
  options: ReaderOptions,
  closer?: InvoiceCloser,
): AsyncGenerator<readonly ReplayItem[]> {
  let file: Readable | undefined;
  let text: Readable | undefined;
  try {
    const gzip = await isGzip(path);
    const source = createReadStream(path, { highWaterMark: options.readChunkBytes ?? READ_CHUNK_BYTES });
    file = source;
    let bytes = 0;
    if (options.onBytesRead !== undefined) {
      const report = options.onBytesRead;
      source.on('data', (chunk: Buffer | string) => report((bytes += chunk.length)));
    }
    // Errors from any stage surface through the last stage's iterator below.
    const noop = (): void => undefined;
    text = gzip ? pipeline(source, createGunzip({ chunkSize: GUNZIP_CHUNK_BYTES }), noop) : source;

    const rows = new RetailRecords(new InvoiceAssembler(options, closer));
    const records = new CsvRecords();
    // Decoded here rather than by the stream, so that a character split across two chunks is whole.
    const decoder = new StringDecoder('utf8');
    for await (const chunk of text as AsyncIterable<Buffer>) {
      for (let at = 0; at < chunk.length; at += DECODE_BYTES) {
        records.feed(decoder.write(chunk.subarray(at, at + DECODE_BYTES)), false, rows);
      }
      yield rows.take();
    }
    records.feed(decoder.end(), true, rows);
    if (!rows.sawHeader) throw new InsidersError('CSV_ROW_INVALID', `${path}: empty file, no header line`);
    rows.finish();
    yield rows.take();
  } catch (err) {
    if (err instanceof InsidersError) throw err;
    const message = err instanceof Error ? err.message : String(err);
    throw new InsidersError('CSV_ROW_INVALID', `cannot read ${path}: ${message}`, { cause: err });
  } finally {
    text?.destroy();
    file?.destroy();
  }
}

/** CSV records to rows to events: the first record is the header; items collect until taken. */
class RetailRecords implements RecordSink {
  private parser: RowParser | undefined;
  private headerFields = 0;
  private items: ReplayItem[] = [];

  constructor(private readonly assembler: InvoiceAssembler) {}

  get sawHeader(): boolean {
    return this.parser !== undefined;
  }

  record(fields: readonly string[], count: number, line: number): void {
    if (this.parser === undefined) {
      const header = fields.slice(0, count);
      this.parser = new RowParser(mapColumns(header));
      this.headerFields = count;
      return;
    }
    if (count !== this.headerFields) {
      this.malformed(line, `${count} fields where the header has ${this.headerFields}`);
      return;
    }
    const row = this.parser.parse(fields);
    if (isRowProblem(row)) this.items.push({ kind: 'problem', line, code: row.code, reason: row.reason });
    else this.assembler.add(row, line, this.items);
  }

  malformed(line: number, reason: string): void {
    this.items.push({ kind: 'problem', line, code: 'csv', reason });
  }

  finish(): void {
    this.assembler.finish(this.items);
  }

  /** The items settled since the last call. */
  take(): ReplayItem[] {
    const items = this.items;
    this.items = [];
    return items;
  }
}
