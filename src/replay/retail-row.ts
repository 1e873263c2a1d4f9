// One row of an Online Retail export (UCI "Online Retail" or "Online Retail II") checked against the
// event contract: either a row ready to become an event line, or the reason it cannot. Pure.
import { InsidersError } from '../errors.js';
import { limits } from '../events/schema.js';
import { isValidLocal, londonToEpochMs, type LocalDateTime } from './london-time.js';

/** Machine-readable problem kinds; the replay summary counts problems by these. */
export type ProblemCode =
  | 'csv'
  | 'invoice'
  | 'stock_code'
  | 'quantity'
  | 'date'
  | 'unit_price'
  | 'customer'
  | 'country'
  | 'inconsistent'
  | 'too_many_lines'
  | 'reopened'
  | 'contract';

export interface RowProblem {
  readonly code: ProblemCode;
  readonly reason: string;
}

export interface RetailRow {
  readonly invoice: string;
  readonly sku: string;
  /** absent when the export's description is empty; at most limits.maxTextLength UTF-16 units */
  readonly description?: string;
  /** signed: negative on return and cancellation lines */
  readonly quantity: number;
  /** the export's decimal text, at most 3 places, e.g. "2.55" */
  readonly unitPrice: string;
  /** unitPrice in mills (thousandths of the currency unit), exactly */
  readonly unitPriceMills: number;
  /** the invoice date, a London wall-clock time, as epoch ms (epochMsToLondonIso gives its ISO-8601) */
  readonly occurredAtMs: number;
  /** null for a guest */
  readonly customerId: string | null;
  readonly country: string;
}

/** Where each field sits in a record; description is optional in the export. */
export interface ColumnMap {
  readonly invoice: number;
  readonly sku: number;
  readonly description: number | undefined;
  readonly quantity: number;
  readonly date: number;
  readonly unitPrice: number;
  readonly customer: number;
  readonly country: number;
}

type Field = keyof ColumnMap;

/** Header spellings, compared lower-case without spaces or underscores. */
const headerNames: Record<string, Field> = {
  invoiceno: 'invoice',
  invoice: 'invoice',
  stockcode: 'sku',
  description: 'description',
  quantity: 'quantity',
  invoicedate: 'date',
  unitprice: 'unitPrice',
  price: 'unitPrice',
  customerid: 'customer',
  country: 'country',
};

const required: readonly Field[] = ['invoice', 'sku', 'quantity', 'date', 'unitPrice', 'customer', 'country'];

/** Maps a header record to column positions; throws when a column is missing or named twice. */
export function mapColumns(header: readonly string[]): ColumnMap {
  const found: Partial<Record<Field, number>> = {};
  header.forEach((name, index) => {
    const field = headerNames[name.replace(/[\s_]/g, '').toLowerCase()];
    if (field === undefined) return;
    if (found[field] !== undefined) {
      throw new InsidersError('CSV_ROW_INVALID', `line 1: column ${JSON.stringify(name)} appears twice`);
    }
    found[field] = index;
  });
  const missing = required.filter((f) => found[f] === undefined);
  if (missing.length > 0) {
    throw new InsidersError(
      'CSV_ROW_INVALID',
      `line 1: not an Online Retail header, missing ${missing.join(', ')}; expected ` +
        'InvoiceNo/Invoice, StockCode, Description, Quantity, InvoiceDate, UnitPrice/Price, CustomerID/Customer ID, Country',
    );
  }
  const at = (f: Field): number => found[f] ?? -1;
  return {
    invoice: at('invoice'),
    sku: at('sku'),
    description: found.description,
    quantity: at('quantity'),
    date: at('date'),
    unitPrice: at('unitPrice'),
    customer: at('customer'),
    country: at('country'),
  };
}

/** UCI: M/D/YYYY H:MM; seconds tolerated. */
const uciDate = /^(\d{1,2})\/(\d{1,2})\/(\d{4}) (\d{1,2}):(\d{2})(?::(\d{2}))?$/;
/** Online Retail II: YYYY-MM-DD HH:MM:SS; seconds optional. */
const isoLikeDate = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?$/;

// The checks below run on every row, so they are plain loops over the characters rather than
// regular expressions; each comment gives the pattern it implements.

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isAlnum = (c: number): boolean => isDigit(c) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);

/** /^[A-Za-z0-9][A-Za-z0-9._:-]*$/, the contract's id form. */
function isId(text: string): boolean {
  if (text.length === 0 || !isAlnum(text.charCodeAt(0))) return false;
  for (let i = 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // . : _ -
    if (!isAlnum(c) && c !== 46 && c !== 58 && c !== 95 && c !== 45) return false;
  }
  return true;
}

/**
 * Where the integer part of a whole number ends: /^([+-]?\d+)(?:\.0+)?$/, also as Excel writes them
 * ("6.0"). -1 when the text is not one.
 */
function wholeNumberEnd(text: string): number {
  const n = text.length;
  let i = 0;
  const sign = text.charCodeAt(0);
  if (sign === 43 || sign === 45) i++;
  const digitsFrom = i;
  while (i < n && isDigit(text.charCodeAt(i))) i++;
  if (i === digitsFrom) return -1;
  const end = i;
  if (i === n) return end;
  if (text.charCodeAt(i) !== 46 || i + 1 === n) return -1;
  for (i++; i < n; i++) if (text.charCodeAt(i) !== 48) return -1;
  return end;
}

/**
 * Number(text.slice(0, end)) for a whole number wholeNumberEnd found, from its digits: exact up to
 * 15 digits; past them both are far beyond any limit a quantity is checked against.
 */
function wholeNumberValue(text: string, end: number): number {
  const sign = text.charCodeAt(0);
  let i = sign === 43 || sign === 45 ? 1 : 0;
  let value = 0;
  for (; i < end; i++) value = value * 10 + (text.charCodeAt(i) - 48);
  return sign === 45 ? -value : value;
}

/** What String.prototype.trim takes off the ends: white space and line terminators. */
function isTrimmed(c: number): boolean {
  if (c <= 32) return c === 32 || (c >= 9 && c <= 13);
  if (c < 160) return false;
  return (
    c === 160 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

/** text.trim(), without its call when there is nothing to trim (nearly every field of a row). */
function trimmed(text: string | undefined): string {
  if (text === undefined) return '';
  const n = text.length;
  return n === 0 || (!isTrimmed(text.charCodeAt(0)) && !isTrimmed(text.charCodeAt(n - 1))) ? text : text.trim();
}

export function parseLocalDate(text: string): LocalDateTime | undefined {
  const uci = uciDate.exec(text);
  const m = uci ?? isoLikeDate.exec(text);
  if (m === null) return undefined;
  const [a, b, c] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const local = {
    year: uci ? c : a,
    month: uci ? a : b,
    day: uci ? b : c,
    hour: Number(m[4]),
    minute: Number(m[5]),
    second: Number(m[6] ?? 0),
  };
  return isValidLocal(local) ? local : undefined;
}

/** The exact decimal text for the contract, or why it cannot be one. */
export function parseUnitPrice(text: string): { price: string } | RowProblem {
  const price = unitPriceText(text);
  return typeof price === 'string' ? { price } : price;
}

const priceProblem = (text: string, reason: string): RowProblem => ({
  code: 'unit_price',
  reason: `unit price ${JSON.stringify(text)} ${reason}`,
});

/** parseUnitPrice without the wrapper object on success (the per-row path). */
function unitPriceText(text: string): string | RowProblem {
  const n = text.length;
  // /^-\d/
  if (text.charCodeAt(0) === 45 && isDigit(text.charCodeAt(1))) return priceProblem(text, 'is negative');
  // /^(\d+)(?:\.(\d+))?$/
  let i = 0;
  while (i < n && isDigit(text.charCodeAt(i))) i++;
  const wholeEnd = i;
  if (wholeEnd === 0) return priceProblem(text, 'is not a decimal number');
  let placesEnd = n;
  if (i < n) {
    if (text.charCodeAt(i) !== 46 || i + 1 === n) return priceProblem(text, 'is not a decimal number');
    for (i++; i < n; i++) if (!isDigit(text.charCodeAt(i))) return priceProblem(text, 'is not a decimal number');
    // Zeros past the third place change nothing, so "2.5500" is the exact amount 2.550.
    const third = wholeEnd + 4;
    while (placesEnd > third && text.charCodeAt(placesEnd - 1) === 48) placesEnd--;
    if (placesEnd - wholeEnd - 1 > 3) return priceProblem(text, 'has more than 3 decimal places');
  }
  let wholeStart = 0;
  while (wholeStart < wholeEnd - 1 && text.charCodeAt(wholeStart) === 48) wholeStart++;
  const price =
    wholeStart === 0 && placesEnd === n
      ? text
      : placesEnd === n
        ? text.slice(wholeStart)
        : text.slice(wholeStart, wholeEnd) + text.slice(wholeEnd, placesEnd);
  // What Number(price) > maxUnitPrice answers, in whole mills: price has at most 3 places.
  if (wholeEnd - wholeStart > 6 || millsOfPrice(price) > limits.maxUnitPrice * 1000)
    return priceProblem(text, `is above ${limits.maxUnitPrice}`);
  return price;
}

export function parseQuantity(text: string): { quantity: number } | RowProblem {
  const quantity = quantityOf(text);
  return typeof quantity === 'number' ? { quantity } : quantity;
}

const quantityProblem = (text: string, reason: string): RowProblem => ({
  code: 'quantity',
  reason: `quantity ${JSON.stringify(text)} ${reason}`,
});

/**
 * The mills of a price unitPriceText accepted (/^\d{1,6}(\.\d{1,3})?$/): what parseMills gives for
 * it, without its regular expression and strings (the per-row path).
 */
export function millsOfPrice(price: string): number {
  const n = price.length;
  let whole = 0;
  let i = 0;
  for (; i < n; i++) {
    const c = price.charCodeAt(i);
    if (c === 46) break;
    whole = whole * 10 + (c - 48);
  }
  let fraction = 0;
  let place = 100;
  for (i++; i < n; i++, place /= 10) fraction += (price.charCodeAt(i) - 48) * place;
  return whole * 1000 + fraction;
}

/** parseQuantity without the wrapper object on success (the per-row path). */
function quantityOf(text: string): number | RowProblem {
  const end = wholeNumberEnd(text);
  if (end < 0) return quantityProblem(text, 'is not a whole number');
  const quantity = wholeNumberValue(text, end);
  if (quantity === 0) return quantityProblem(text, 'is zero');
  if (Math.abs(quantity) > limits.maxQuantity) return quantityProblem(text, `is beyond ${limits.maxQuantity} units`);
  return quantity;
}

/** "17850" and "17850.0" (Excel) are the same customer; empty is a guest. */
export function parseCustomerId(text: string): { customerId: string | null } | RowProblem {
  const id = customerIdOf(text);
  return typeof id === 'object' && id !== null ? id : { customerId: id };
}

/** parseCustomerId without the wrapper object on success (the per-row path). */
function customerIdOf(text: string): string | null | RowProblem {
  if (text === '') return null;
  const end = wholeNumberEnd(text);
  const id = end < 0 || end === text.length ? text : text.slice(0, end);
  if (id.length > limits.maxIdLength || !isId(id)) {
    return { code: 'customer', reason: `customer id ${JSON.stringify(text)} is not a valid id` };
  }
  return id;
}

/** Cuts to the contract's text limit without splitting a surrogate pair. */
export function truncateText(text: string, max = limits.maxTextLength): string {
  if (text.length <= max) return text;
  const high = text.charCodeAt(max - 1);
  return text.slice(0, high >= 0xd800 && high <= 0xdbff ? max - 1 : max);
}

/** A RetailRow whose fields the parser overwrites for each row. */
type ScratchRow = {
  -readonly [K in keyof RetailRow]-?: K extends 'description' ? string | undefined : RetailRow[K];
};

/**
 * Turns data records into rows. `parse` fills one reused row (valid until the next call) or returns
 * why the record cannot be one. Consecutive rows of an invoice share its number, date, customer
 * and country: a field the same as the last row's is not checked again, and the row takes the
 * last row's string for it (so that the assembler compares it with its invoice's at once).
 */
export class RowParser {
  private readonly scratch: ScratchRow = {
    invoice: '',
    sku: '',
    description: undefined,
    quantity: 0,
    unitPrice: '',
    unitPriceMills: 0,
    occurredAtMs: 0,
    customerId: null,
    country: '',
  };
  private lastDateText = '';
  private lastMs = 0;
  /** the last valid invoice number, customer field and the id it gave, country; undefined before the first */
  private lastInvoice: string | undefined;
  private lastCustomerText: string | undefined;
  private lastCustomerId: string | null = null;
  private lastCountry: string | undefined;

  constructor(private readonly columns: ColumnMap) {}

  /** The row of a record (overwritten by the next call), or its problem. */
  parse(record: readonly string[]): RetailRow | RowProblem {
    const columns = this.columns;
    let invoice = trimmed(record[columns.invoice]);
    if (invoice === this.lastInvoice) invoice = this.lastInvoice;
    else {
      if (invoice.length > limits.maxIdLength || !isId(invoice)) {
        return { code: 'invoice', reason: `invoice number ${JSON.stringify(invoice)} is not a valid id` };
      }
      this.lastInvoice = invoice;
    }
    const sku = trimmed(record[columns.sku]);
    if (sku.length === 0 || sku.length > limits.maxIdLength) {
      return {
        code: 'stock_code',
        reason: `stock code ${JSON.stringify(sku)} is empty or over ${limits.maxIdLength} characters`,
      };
    }
    const quantity = quantityOf(trimmed(record[columns.quantity]));
    if (typeof quantity !== 'number') return quantity;
    const unitPrice = unitPriceText(trimmed(record[columns.unitPrice]));
    if (typeof unitPrice !== 'string') return unitPrice;
    const dateText = trimmed(record[columns.date]);
    if (dateText !== this.lastDateText) {
      const local = parseLocalDate(dateText);
      if (local === undefined) {
        return {
          code: 'date',
          reason: `invoice date ${JSON.stringify(dateText)} is not a valid M/D/YYYY H:MM or YYYY-MM-DD HH:MM:SS`,
        };
      }
      this.lastMs = londonToEpochMs(local);
      this.lastDateText = dateText;
    }
    const customerText = trimmed(record[columns.customer]);
    if (customerText !== this.lastCustomerText) {
      const id = customerIdOf(customerText);
      if (id !== null && typeof id !== 'string') return id;
      this.lastCustomerText = customerText;
      this.lastCustomerId = id;
    }
    const customerId = this.lastCustomerId;
    let country = trimmed(record[columns.country]);
    if (country === this.lastCountry) country = this.lastCountry;
    else {
      if (country.length === 0 || country.length > limits.maxTextLength) {
        return { code: 'country', reason: `country ${JSON.stringify(country)} is empty or too long` };
      }
      this.lastCountry = country;
    }
    const description = columns.description === undefined ? '' : (record[columns.description] ?? '');
    const row = this.scratch;
    row.invoice = invoice;
    row.sku = sku;
    row.description = description === '' ? undefined : truncateText(description);
    row.quantity = quantity;
    row.unitPrice = unitPrice;
    row.unitPriceMills = millsOfPrice(unitPrice);
    row.occurredAtMs = this.lastMs;
    row.customerId = customerId;
    row.country = country;
    return row as RetailRow;
  }
}

/** Whether parse gave a problem rather than a row. */
export const isRowProblem = (v: RetailRow | RowProblem): v is RowProblem => 'code' in v;
