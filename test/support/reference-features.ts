// An independent batch computation of the feature definitions (docs/features.md) straight from an
// Online Retail CSV: a plain in-memory aggregation that shares no code with the service's
// replayer, state scripts or feature functions, so the streaming path can be checked against it.
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { parse } from 'csv-parse';

const DAY_MS = 86_400_000;
const DENIED_CODES = new Set([
  'POST',
  'D',
  'DOT',
  'M',
  'S',
  'AMAZONFEE',
  'DCGSSBOY',
  'DCGSSGIRL',
  'PADS',
  'B',
  'CRUK',
  'C2',
  'BANK CHARGES',
]);
const DENIED_COUNTRIES = new Set(['European Community', 'Unspecified']);
const EXCLUDED_CUSTOMERS = new Set(['16446']);

export interface ReferenceFeatures {
  customerId: string;
  recencyDays: number | null;
  orders: number;
  frequency: number;
  grossRevenuePence: number;
  items: number;
  products: number;
  returns: number;
  returnEvents: number;
  returnedPence: number;
  lifetimeOrders: number;
  lifetimeRevenuePence: number;
}

/** UK civil time to UTC: BST (UTC+1) from 01:00 UTC on the last Sunday of March to 01:00 UTC on the last Sunday of October. */
function londonToUtcMs(y: number, mo: number, d: number, h: number, mi: number, s: number): number {
  const lastSunday = (month: number) => {
    const last = new Date(Date.UTC(y, month + 1, 0));
    return Date.UTC(y, month, last.getUTCDate() - last.getUTCDay(), 1);
  };
  const asUtc = Date.UTC(y, mo - 1, d, h, mi, s);
  const bst = asUtc - 3_600_000 >= lastSunday(2) && asUtc - 3_600_000 < lastSunday(9);
  return bst ? asUtc - 3_600_000 : asUtc;
}

function parseDate(text: string): number {
  let m = /^(\d{1,2})\/(\d{1,2})\/(\d{4}) (\d{1,2}):(\d{2})$/.exec(text);
  if (m) return londonToUtcMs(+m[3]!, +m[1]!, +m[2]!, +m[4]!, +m[5]!, 0);
  m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(text);
  if (m) return londonToUtcMs(+m[1]!, +m[2]!, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
  return NaN;
}

interface Acc {
  lastPurchaseMs: number;
  purchaseInvoicesByDay: Map<number, Set<string>>;
  returnInvoices: Set<string>;
  lifetimeInvoices: Set<string>;
  lifetimeRevenueMills: number;
  // per purchase line in the window: accumulated after `now` is known
  lines: { day: number; sku: string; qty: number; mills: number; invoice: string }[];
}

export async function referenceFeatures(
  csvGzPath: string,
  windowDays: number,
): Promise<{ nowMs: number; customers: Map<string, ReferenceFeatures> }> {
  const acc = new Map<string, Acc>();
  let nowMs = -Infinity;
  const invoiceAt = new Map<string, number>();
  const parser = createReadStream(csvGzPath)
    .pipe(createGunzip())
    .pipe(parse({ columns: true }));
  for await (const row of parser as AsyncIterable<Record<string, string>>) {
    const qty = Number(row.Quantity);
    const priceText = row.UnitPrice ?? '';
    if (!/^\d+(\.\d{1,3})?$/.test(priceText) || !Number.isInteger(qty) || qty === 0) continue; // not publishable
    const rowAt = parseDate(row.InvoiceDate ?? '');
    if (!Number.isFinite(rowAt)) continue;
    // An order happens at one instant: its first row's time (later rows are sometimes a minute on).
    const invoice = row.InvoiceNo ?? '';
    const at = invoiceAt.get(invoice) ?? rowAt;
    invoiceAt.set(invoice, at);
    if (at > nowMs) nowMs = at;
    const priceMills = Math.round(Number(priceText) * 1000);
    const sku = row.StockCode ?? '';
    const customerId = (row.CustomerID ?? '').replace(/\.0$/, '');
    if (priceMills < 40 || !/\d/.test(sku) || DENIED_CODES.has(sku)) continue;
    if (DENIED_COUNTRIES.has(row.Country ?? '') || customerId === '' || EXCLUDED_CUSTOMERS.has(customerId)) continue;
    let a = acc.get(customerId);
    if (!a) {
      a = {
        lastPurchaseMs: -Infinity,
        purchaseInvoicesByDay: new Map(),
        returnInvoices: new Set(),
        lifetimeInvoices: new Set(),
        lifetimeRevenueMills: 0,
        lines: [],
      };
      acc.set(customerId, a);
    }
    const day = Math.floor(at / DAY_MS);
    if (qty > 0) {
      a.lastPurchaseMs = Math.max(a.lastPurchaseMs, at);
      a.lifetimeInvoices.add(invoice);
      a.lifetimeRevenueMills += qty * priceMills;
    }
    a.lines.push({ day, sku, qty, mills: qty * priceMills, invoice });
  }
  const end = Math.floor(nowMs / DAY_MS);
  const start = end - windowDays + 1;
  const customers = new Map<string, ReferenceFeatures>();
  for (const [customerId, a] of acc) {
    const orders = new Set<string>();
    const returnInvoices = new Set<string>();
    const skus = new Set<string>();
    let firstDay = Infinity;
    let lastDay = -Infinity;
    let revenue = 0;
    let items = 0;
    let returns = 0;
    let returned = 0;
    for (const l of a.lines) {
      if (l.day < start || l.day > end) continue;
      if (l.qty > 0) {
        orders.add(l.invoice);
        skus.add(l.sku);
        revenue += l.mills;
        items += l.qty;
        firstDay = Math.min(firstDay, l.day);
        lastDay = Math.max(lastDay, l.day);
      } else {
        returnInvoices.add(l.invoice);
        returns += -l.qty;
        returned += -l.mills;
      }
    }
    customers.set(customerId, {
      customerId,
      recencyDays: a.lastPurchaseMs === -Infinity ? null : Math.floor((nowMs - a.lastPurchaseMs) / DAY_MS),
      orders: orders.size,
      frequency: orders.size === 0 ? 0 : orders.size / (lastDay - firstDay + 1),
      grossRevenuePence: revenue / 10,
      items,
      products: skus.size,
      returns,
      returnEvents: returnInvoices.size,
      returnedPence: returned / 10,
      lifetimeOrders: a.lifetimeInvoices.size,
      lifetimeRevenuePence: a.lifetimeRevenueMills / 10,
    });
  }
  return { nowMs, customers };
}
