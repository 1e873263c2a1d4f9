// One row of an Online Retail export (UCI "Online Retail" or "Online Retail II") checked against the
// event contract: either a row ready to become an event line, or the reason it cannot. Pure.
import { InsidersError } from '../errors.js';
import { limits } from '../events/schema.js';
import { isValidLocal, londonLocalToIso, type LocalDateTime } from './london-time.js';

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
  /** ISO-8601 with the London offset in force then */
  readonly occurredAt: string;
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

const idPattern = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;
/** UCI: M/D/YYYY H:MM; seconds tolerated. */
const uciDate = /^(\d{1,2})\/(\d{1,2})\/(\d{4}) (\d{1,2}):(\d{2})(?::(\d{2}))?$/;
/** Online Retail II: YYYY-MM-DD HH:MM:SS; seconds optional. */
const isoLikeDate = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?$/;
/** Whole numbers, also as Excel writes them ("6.0"). */
const wholeNumber = /^([+-]?\d+)(?:\.0+)?$/;
const decimal = /^(\d+)(?:\.(\d+))?$/;

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
  const bad = (reason: string): RowProblem => ({
    code: 'unit_price',
    reason: `unit price ${JSON.stringify(text)} ${reason}`,
  });
  if (/^-\d/.test(text)) return bad('is negative');
  const m = decimal.exec(text);
  if (m === null) return bad('is not a decimal number');
  // Zeros past the third place change nothing, so "2.5500" is the exact amount 2.550.
  const places = (m[2] ?? '').replace(/(?<=\d{3})0+$/, '');
  if (places.length > 3) return bad('has more than 3 decimal places');
  const whole = m[1]?.replace(/^0+(?=\d)/, '') ?? '';
  const price = places === '' ? whole : `${whole}.${places}`;
  if (whole.length > 6 || Number(price) > limits.maxUnitPrice) return bad(`is above ${limits.maxUnitPrice}`);
  return { price };
}

export function parseQuantity(text: string): { quantity: number } | RowProblem {
  const bad = (reason: string): RowProblem => ({
    code: 'quantity',
    reason: `quantity ${JSON.stringify(text)} ${reason}`,
  });
  const m = wholeNumber.exec(text);
  if (m?.[1] === undefined) return bad('is not a whole number');
  const quantity = Number(m[1]);
  if (quantity === 0) return bad('is zero');
  if (Math.abs(quantity) > limits.maxQuantity) return bad(`is beyond ${limits.maxQuantity} units`);
  return { quantity };
}

/** "17850" and "17850.0" (Excel) are the same customer; empty is a guest. */
export function parseCustomerId(text: string): { customerId: string | null } | RowProblem {
  if (text === '') return { customerId: null };
  const id = wholeNumber.exec(text)?.[1] ?? text;
  if (id.length > limits.maxIdLength || !idPattern.test(id)) {
    return { code: 'customer', reason: `customer id ${JSON.stringify(text)} is not a valid id` };
  }
  return { customerId: id };
}

/** Cuts to the contract's text limit without splitting a surrogate pair. */
export function truncateText(text: string, max = limits.maxTextLength): string {
  if (text.length <= max) return text;
  const high = text.charCodeAt(max - 1);
  return text.slice(0, high >= 0xd800 && high <= 0xdbff ? max - 1 : max);
}

const isProblem = (v: object): v is RowProblem => 'code' in v;

/**
 * Returns a function that turns one data record into a RetailRow or a RowProblem. It remembers the
 * last date it converted, since consecutive rows of an invoice share it.
 */
export function createRowParser(columns: ColumnMap): (record: readonly string[]) => RetailRow | RowProblem {
  let lastDateText = '';
  let lastIso = '';
  return (record) => {
    const field = (i: number): string => (record[i] ?? '').trim();
    const invoice = field(columns.invoice);
    if (invoice.length > limits.maxIdLength || !idPattern.test(invoice)) {
      return { code: 'invoice', reason: `invoice number ${JSON.stringify(invoice)} is not a valid id` };
    }
    const sku = field(columns.sku);
    if (sku.length === 0 || sku.length > limits.maxIdLength) {
      return {
        code: 'stock_code',
        reason: `stock code ${JSON.stringify(sku)} is empty or over ${limits.maxIdLength} characters`,
      };
    }
    const quantity = parseQuantity(field(columns.quantity));
    if (isProblem(quantity)) return quantity;
    const unitPrice = parseUnitPrice(field(columns.unitPrice));
    if (isProblem(unitPrice)) return unitPrice;
    const dateText = field(columns.date);
    if (dateText !== lastDateText) {
      const local = parseLocalDate(dateText);
      if (local === undefined) {
        return {
          code: 'date',
          reason: `invoice date ${JSON.stringify(dateText)} is not a valid M/D/YYYY H:MM or YYYY-MM-DD HH:MM:SS`,
        };
      }
      lastIso = londonLocalToIso(local);
      lastDateText = dateText;
    }
    const customer = parseCustomerId(field(columns.customer));
    if (isProblem(customer)) return customer;
    const country = field(columns.country);
    if (country.length === 0 || country.length > limits.maxTextLength) {
      return { code: 'country', reason: `country ${JSON.stringify(country)} is empty or too long` };
    }
    const description = columns.description === undefined ? '' : (record[columns.description] ?? '');
    return {
      invoice,
      sku,
      ...(description === '' ? {} : { description: truncateText(description) }),
      quantity: quantity.quantity,
      unitPrice: unitPrice.price,
      occurredAt: lastIso,
      customerId: customer.customerId,
      country,
    };
  };
}
