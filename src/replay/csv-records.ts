// CSV records (RFC 4180) from text chunks, each with the 1-based file line it starts on. Quoted fields
// may hold commas, doubled quotes and line breaks; records end at LF, CRLF or CR; empty lines are
// skipped but counted; a leading BOM is dropped. A malformed record is reported with its line and
// skipped, never fatal. Chunks are text, so a character split across the file's byte chunks is the
// decoder's job (a StringDecoder or a stream's setEncoding). Pure, no per-record allocation beyond
// the field strings: the fields array is reused.
//
// Written here rather than taken from a library because the reader must report every bad record
// with its true line number, which the fast parsers do not track (uDSV, PapaParse) and csv-parse
// only approximates; bench/model/csv-parsers.ts measures it against them on the bundled file.

export interface RecordSink {
  /** One record: fields[0..count) are valid until the next call; `line` is where it starts. */
  record(fields: readonly string[], count: number, line: number): void;
  /** A record that cannot be read as CSV, skipped. */
  malformed(line: number, reason: string): void;
}

const COMMA = 44;
const QUOTE = 34;
const LF = 10;
const CR = 13;

/** Line breaks in a quoted field's text: CRLF, CR and LF count one each. */
function lineBreaks(text: string): number {
  let breaks = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === LF) breaks++;
    else if (c === CR) {
      breaks++;
      if (text.charCodeAt(i + 1) === LF) i++;
    }
  }
  return breaks;
}

export const UNCLOSED_QUOTE = 'a quoted field is never closed; the rest of the file was read as that field';
export const TEXT_AFTER_QUOTE = 'text after a closing quote';
export const QUOTE_IN_UNQUOTED = 'a quote inside an unquoted field';

export class CsvRecords {
  private readonly fields: string[] = [];
  /** the line the next record starts on */
  private line = 1;
  /** the text of a record not yet complete at the end of the last chunk */
  private carry = '';
  /** a record longer than the text held is not parsed again before the text doubles (linear time) */
  private retryAt = 0;
  private bomChecked = false;

  /** Parses a chunk; `final` marks the end of the input (then a missing last newline is fine). */
  feed(chunk: string, final: boolean, sink: RecordSink): void {
    let s = this.carry === '' ? chunk : this.carry + chunk;
    this.carry = '';
    if (!this.bomChecked) {
      if (s.length === 0 && !final) return;
      if (s.charCodeAt(0) === 0xfeff) s = s.slice(1);
      this.bomChecked = true;
    }
    if (!final && s.length < this.retryAt) {
      this.carry = s;
      return;
    }
    const n = s.length;
    const fields = this.fields;
    let pos = 0;
    let line = this.line;
    let lineAtPos = line;
    // Where the next quote and CR are (n: none): a line with neither is split with indexOf alone.
    let nextQuote = -1;
    let nextCr = -1;
    records: while (pos < n) {
      lineAtPos = line;
      const startLine = line;
      if (nextQuote < pos) nextQuote = s.indexOf('"', pos) >>> 0;
      if (nextCr < pos) nextCr = s.indexOf('\r', pos) >>> 0;
      let lf = s.indexOf('\n', pos);
      if (lf < 0) {
        if (!final) break;
        lf = n;
      }
      if (nextQuote > lf && nextCr > lf && lf > pos) {
        let count = 0;
        let from = pos;
        for (let comma = s.indexOf(',', from); comma >= 0 && comma < lf; comma = s.indexOf(',', from)) {
          fields[count++] = s.slice(from, comma);
          from = comma + 1;
        }
        fields[count++] = s.slice(from, lf);
        pos = lf + 1;
        line++;
        sink.record(fields, count, startLine);
        continue;
      }
      let i = pos;
      let c = s.charCodeAt(i);
      if (c === LF || c === CR) {
        // An empty line: skipped, counted.
        if (c === CR && i + 1 >= n && !final) break;
        if (c === CR && s.charCodeAt(i + 1) === LF) i++;
        pos = i + 1;
        line++;
        continue;
      }
      let count = 0;
      let problem: string | undefined;
      for (;;) {
        c = i < n ? s.charCodeAt(i) : -1;
        let value: string;
        if (c === QUOTE) {
          let from = i + 1;
          let text = '';
          for (;;) {
            const q = s.indexOf('"', from);
            if (q < 0) {
              if (!final) break records;
              sink.malformed(startLine, UNCLOSED_QUOTE);
              pos = n;
              line += lineBreaks(s.slice(i));
              continue records;
            }
            // A quote at the end of the chunk may be the first of a doubled pair.
            if (q + 1 >= n && !final) break records;
            if (s.charCodeAt(q + 1) === QUOTE) {
              text += s.slice(from, q + 1);
              from = q + 2;
              continue;
            }
            value = text + s.slice(from, q);
            i = q + 1;
            break;
          }
          if (value.indexOf('\n') >= 0 || value.indexOf('\r') >= 0) line += lineBreaks(value);
          c = i < n ? s.charCodeAt(i) : -1;
          if (c !== COMMA && c !== LF && c !== CR && c !== -1) problem = TEXT_AFTER_QUOTE;
        } else {
          let j = i;
          while (j < n) {
            c = s.charCodeAt(j);
            if (c === COMMA || c === LF || c === CR || c === QUOTE) break;
            j++;
          }
          if (j >= n) {
            if (!final) break records;
            c = -1;
          }
          if (c === QUOTE) problem = QUOTE_IN_UNQUOTED;
          value = s.slice(i, j);
          i = j;
        }
        if (problem !== undefined) {
          // Skip the rest of the physical line.
          let end = i;
          while (end < n && s.charCodeAt(end) !== LF && s.charCodeAt(end) !== CR) end++;
          if (end >= n && !final) break records;
          if (end < n && s.charCodeAt(end) === CR) {
            if (end + 1 >= n && !final) break records;
            if (s.charCodeAt(end + 1) === LF) end++;
          }
          sink.malformed(startLine, problem);
          pos = end + 1;
          line++;
          continue records;
        }
        fields[count++] = value;
        if (c === COMMA) {
          i++;
          continue;
        }
        // The record ends: LF, CR, CRLF or the end of the input.
        if (c === CR) {
          if (i + 1 >= n && !final) break records;
          if (s.charCodeAt(i + 1) === LF) i++;
        }
        pos = i + 1;
        line++;
        sink.record(fields, count, startLine);
        continue records;
      }
    }
    if (pos < n) {
      this.carry = pos === 0 ? s : s.slice(pos);
      this.retryAt = pos === 0 ? 2 * n : 0;
      this.line = lineAtPos;
    } else {
      this.retryAt = 0;
      this.line = line;
    }
  }
}
