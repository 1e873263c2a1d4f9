// The embedded path from an Online Retail CSV to every customer's features, in process: the same
// reader, event contract, business rules, state semantics and feature definitions as the
// streaming service, with no servers. The analyst's quick path and the streaming path's reference.
import {
  EARLIEST_EVENT_MS,
  isAcceptedTime,
  isAcceptedValue,
  localEventId,
  localEventKey,
  MAX_FUTURE_MS,
  normalizeEvent,
  type DecodeOptions,
} from '../events/decode.js';
import { limits } from '../events/schema.js';
import { ignoredWhy, isProduct, type BusinessRules } from '../features/filters.js';
import { featuresAt, keptFromDay, productWindow, type Features } from '../features/features.js';
import {
  checked,
  invoiceEvent,
  returnOrderId,
  type InvoiceCloser,
  type InvoiceLines,
  type OpenInvoice,
  type ReplayItem,
} from '../replay/invoices.js';
import { readOnlineRetailBatches } from '../replay/online-retail.js';
import { InMemoryCustomers } from '../state/memory-state.js';
import type { Totals } from '../state/customer-state.js';

export interface CsvFeaturesOptions {
  readonly currency: string;
  readonly rules: BusinessRules;
  readonly windowDays: number;
  /** wall clock, epoch ms: only used to reject events dated absurdly far ahead */
  readonly wallClockMs: number;
  readonly onProblem?: (line: number, reason: string) => void;
  /** called as the file is read, with the bytes read so far (compressed bytes for .gz) */
  readonly onBytesRead?: (bytes: number) => void;
  /** bytes per read of the file (see ReaderOptions) */
  readonly readChunkBytes?: number;
}

export interface CsvFeatures {
  readonly features: Features[];
  /** the watermark: the latest event time in the file, epoch ms */
  readonly nowMs: number;
  /** the earliest event time in the file, epoch ms; undefined without events */
  readonly firstEventMs: number | undefined;
  /** data rows read: those in events (one line each) and the problem rows */
  readonly rows: number;
  readonly events: number;
  readonly problems: number;
  /** problem rows by kind: the reader's code (csv, quantity, ...) or the event contract's reason */
  readonly problemsByKind: Readonly<Record<string, number>>;
  readonly guests: Totals;
}

export async function featuresFromCsv(path: string, options: CsvFeaturesOptions): Promise<CsvFeatures> {
  const state = new InMemoryCustomers(options.windowDays);
  const customers = new CustomerInvoices(state, options);
  const reader = {
    currency: options.currency,
    ...(options.onBytesRead === undefined ? {} : { onBytesRead: options.onBytesRead }),
    ...(options.readChunkBytes === undefined ? {} : { readChunkBytes: options.readChunkBytes }),
  };
  for await (const items of readOnlineRetailBatches(path, reader, customers)) customers.drain(items);
  const nowMs = state.watermarkMs() ?? options.wallClockMs;
  const { windowDays } = options;
  const features: Features[] = [];
  // computeFeatures over each customer's state, without building the state: the same two pure
  // functions it applies (windowInput: the products reduced, all of them kept in memory; featuresAt).
  state.drainCustomers((c) => {
    const products = productWindow(c.productDays, nowMs, windowDays, keptFromDay(undefined, windowDays));
    const { customerId, lastPurchaseMs, lifetime, days } = c;
    features.push(featuresAt({ customerId, lastPurchaseMs, lifetime, days, products }, nowMs, windowDays));
  });
  return {
    features,
    nowMs,
    firstEventMs: customers.firstEventMs,
    rows: customers.rows,
    events: customers.events,
    problems: customers.problems,
    problemsByKind: customers.problemsByKind,
    guests: state.guestStats(),
  };
}

/**
 * Complete invoices applied to the customers' state straight from the assembler's columns: no
 * event object, no id text. The outcome is what the event path gives (its contract check,
 * normalizeEvent, classify, InMemoryCustomers.apply), as the same functions decide it:
 * - the contract: the row checks cover every field of an event but two, the currency (the same in
 *   every event of the file) and the length of a return's order id (`<invoice>-R`); so events go
 *   through the contract itself until one passes, and after that only those with a long order id;
 * - the time range and the total value: isAcceptedTime and isAcceptedValue; an event outside them
 *   is built and rejected by normalizeEvent, for its exact reason;
 * - duplicates: by localEventKey, the content-derived id's key, as a local event id would be;
 * - the rules: ignoredWhy and isProduct, over the fields.
 * Problems are counted (and reported) in file order: those the reader settled before an invoice
 * closes are drained first.
 */
class CustomerInvoices implements InvoiceCloser {
  rows = 0;
  events = 0;
  problems = 0;
  firstEventMs: number | undefined;
  readonly problemsByKind: Record<string, number> = {};
  /** whether an event of this file passed the contract, which proves its currency */
  private contractProven = false;
  private readonly keptSkus: string[] = [];
  private readonly accept: Omit<DecodeOptions, 'maxBytes'>;

  constructor(
    private readonly state: InMemoryCustomers,
    private readonly options: CsvFeaturesOptions,
  ) {
    this.accept = {
      currency: options.currency,
      earliestMs: EARLIEST_EVENT_MS,
      maxFutureMs: MAX_FUTURE_MS,
      wallClockMs: options.wallClockMs,
    };
  }

  /** Counts and reports the problems the reader settled, and empties `items`. */
  drain(items: readonly ReplayItem[]): void {
    for (const item of items) {
      if (item.kind !== 'problem') continue; // none: events become state, not items
      this.rows++;
      this.problem(item.code);
      this.options.onProblem?.(item.line, item.reason);
    }
    (items as ReplayItem[]).length = 0;
  }

  close(invoice: OpenInvoice, settled: ReplayItem[]): void {
    this.drain(settled);
    if (invoice.purchases.count > 0) this.closeEvent(invoice, 'order', invoice.invoice, invoice.purchases);
    if (invoice.returns.count > 0) this.closeEvent(invoice, 'return', returnOrderId(invoice), invoice.returns);
  }

  private problem(kind: string): void {
    this.problems++;
    this.problemsByKind[kind] = (this.problemsByKind[kind] ?? 0) + 1;
  }

  private closeEvent(invoice: OpenInvoice, kind: 'order' | 'return', orderId: string, lines: InvoiceLines): void {
    const { currency, rules } = this.options;
    if (!this.contractProven || orderId.length > limits.maxIdLength) {
      const problems: ReplayItem[] = [];
      checked(invoiceEvent(invoice, kind, currency), lines.fileLines.slice(0, lines.count), problems);
      if (problems[0]?.kind === 'problem') {
        this.drain(problems);
        return;
      }
      this.contractProven = true;
    }
    this.rows += lines.count;
    const ms = invoice.occurredAtMs;
    let totalMills = 0;
    for (let i = 0; i < lines.count; i++) totalMills += lines.quantities[i]! * lines.unitPriceMills[i]!;
    if (!isAcceptedTime(ms, this.accept) || !isAcceptedValue(totalMills)) {
      const decoded = normalizeEvent(invoiceEvent(invoice, kind, currency), this.accept, localEventId);
      if (!decoded.ok) {
        this.problem(decoded.rejection.reason);
        this.options.onProblem?.(lines.fileLines[0]!, `${decoded.rejection.reason}: ${decoded.rejection.detail}`);
        return;
      }
    }
    const { customerId, country } = invoice;
    const key = localEventKey(kind, orderId, customerId, country, ms, lines);
    this.events++;
    this.state.observe(ms);
    if (this.firstEventMs === undefined || ms < this.firstEventMs) this.firstEventMs = ms;
    if (ignoredWhy(customerId, country, rules) !== undefined) return;
    const skus = this.keptSkus;
    let kept = 0;
    let items = 0;
    let valueMills = 0;
    for (let i = 0; i < lines.count; i++) {
      const sku = lines.skus[i]!;
      const mills = lines.unitPriceMills[i]!;
      if (!isProduct(sku, mills, rules)) continue;
      const quantity = lines.quantities[i]!;
      skus[kept++] = sku;
      items += quantity;
      valueMills += quantity * mills;
    }
    if (kept === 0) return;
    // The key stands for the content as well: an id derived from the content never meets other content.
    this.state.applyFieldsLater({
      customerId,
      key,
      digest: key,
      order: kind === 'order',
      occurredAtMs: ms,
      lineCount: kept,
      items,
      valueMills,
      skus,
    });
  }
}
