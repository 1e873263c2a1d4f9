// Rows to events: the rows of one invoice become an order event (lines with quantity > 0) and/or a
// return event (lines with quantity < 0, made positive). Pure and bounded: only the few most
// recently seen invoices are held open, since an export writes an invoice's rows together.
import { z } from 'zod';
import { eventSchema, limits, SCHEMA_VERSION, type CheckoutEvent } from '../events/schema.js';
import { ClosedInvoices } from './closed-invoices.js';
import { epochMsToLondonIso } from './london-time.js';
import type { ProblemCode, RetailRow } from './retail-row.js';

export type ReplayItem =
  | { readonly kind: 'event'; readonly event: CheckoutEvent; readonly line: number }
  | { readonly kind: 'problem'; readonly line: number; readonly code: ProblemCode; readonly reason: string };

export interface AssemblerOptions {
  /** ISO 4217 code put on every event */
  readonly currency: string;
  /**
   * How many invoices stay open at once. Rows of an invoice separated by rows of fewer other
   * invoices than this are still merged into one event (the UCI file has one such case). A
   * handful: a row of an invoice other than the last row's looks through them one by one.
   */
  readonly openInvoices?: number;
  /** How many emitted invoice numbers are remembered to report rows that arrive too late. */
  readonly rememberClosed?: number;
}

/**
 * The lines of one direction of an open invoice, as columns: entries [0, count) are valid. Reused
 * from invoice to invoice, so that a row costs no object of its own.
 */
export class InvoiceLines {
  count = 0;
  readonly skus: string[] = [];
  /** undefined where the export's description is empty */
  readonly descriptions: (string | undefined)[] = [];
  /** positive units (a return's made positive) */
  readonly quantities: number[] = [];
  /** the contract's decimal text */
  readonly unitPrices: string[] = [];
  readonly unitPriceMills: number[] = [];
  /** the file line of each */
  readonly fileLines: number[] = [];

  push(row: RetailRow, quantity: number, line: number): void {
    const i = this.count++;
    this.skus[i] = row.sku;
    this.descriptions[i] = row.description;
    this.quantities[i] = quantity;
    this.unitPrices[i] = row.unitPrice;
    this.unitPriceMills[i] = row.unitPriceMills;
    this.fileLines[i] = line;
  }
}

/** An invoice while its rows come in; handed to the InvoiceCloser when it closes, then reused. */
export class OpenInvoice {
  invoice = '';
  /** the first row's date, epoch ms; later rows of an invoice are sometimes stamped a minute later */
  occurredAtMs = 0;
  customerId: string | null = null;
  country = '';
  readonly purchases = new InvoiceLines();
  readonly returns = new InvoiceLines();

  start(row: RetailRow): void {
    this.invoice = row.invoice;
    this.occurredAtMs = row.occurredAtMs;
    this.customerId = row.customerId;
    this.country = row.country;
    this.purchases.count = 0;
    this.returns.count = 0;
  }
}

/** The order id of an invoice's return event: the invoice's own when it has no purchases. */
export const returnOrderId = (invoice: OpenInvoice): string =>
  invoice.purchases.count > 0 ? `${invoice.invoice}-R` : invoice.invoice;

/** A return event's reason: cancellation invoices are numbered C... */
export const returnReason = (invoice: OpenInvoice): 'return' | 'cancellation' =>
  invoice.invoice.startsWith('C') ? 'cancellation' : 'return';

/**
 * What becomes of a complete invoice: events (`replay`) or state (`segment`). Called once per
 * invoice, which is reused after the call returns; appends what it settles to `settled`.
 */
export interface InvoiceCloser {
  close(invoice: OpenInvoice, settled: ReplayItem[]): void;
}

const problem = (line: number, code: ProblemCode, reason: string): ReplayItem => ({
  kind: 'problem',
  line,
  code,
  reason,
});

/** Removes list[at], moving the later entries down (no array made, as splice makes one). */
function removeAt<T>(list: T[], at: number): void {
  for (let i = at + 1; i < list.length; i++) list[i - 1] = list[i]!;
  list.pop();
}

export class InvoiceAssembler {
  /**
   * The open invoices, the most recently seen last, so that eviction takes the one idle the
   * longest. An array searched in order: a handful are open (openInvoices), and a Map's deletion
   * and insertion whenever the invoice changed cost more than the search.
   */
  private readonly open: OpenInvoice[] = [];
  private readonly closed: ClosedInvoices;
  private readonly openInvoices: number;
  private last: OpenInvoice | undefined;
  private readonly spare: OpenInvoice[] = [];
  private readonly closer: InvoiceCloser;

  /** `closer` defaults to EventInvoices: checkout events checked against the contract. */
  constructor(options: AssemblerOptions, closer?: InvoiceCloser) {
    this.openInvoices = Math.max(1, options.openInvoices ?? 8);
    this.closed = new ClosedInvoices(Math.max(0, options.rememberClosed ?? 100_000));
    this.closer = closer ?? new EventInvoices(options.currency);
  }

  /**
   * Adds one row (from file line `line`) and appends the problems and events this settles to
   * `settled`. The row is copied: the caller may reuse it.
   */
  add(row: RetailRow, line: number, settled: ReplayItem[]): void {
    let current = this.last;
    if (current === undefined || current.invoice !== row.invoice) {
      const open = this.open;
      let at = open.length - 1;
      while (at >= 0 && open[at]!.invoice !== row.invoice) at--;
      if (at >= 0) {
        current = open[at]!;
        removeAt(open, at);
      } else {
        if (this.closed.has(row.invoice)) {
          settled.push(
            problem(
              line,
              'reopened',
              `invoice ${row.invoice} continues after its event was emitted: its rows are more than ` +
                `${this.openInvoices} invoices apart`,
            ),
          );
          return;
        }
        current = this.spare.pop() ?? new OpenInvoice();
        current.start(row);
      }
      open.push(current);
      this.last = current;
    }

    if (row.customerId !== current.customerId || row.country !== current.country) {
      settled.push(
        problem(
          line,
          'inconsistent',
          `customer ${row.customerId ?? '(guest)'} / ${row.country} differs from invoice ${row.invoice}'s ` +
            `${current.customerId ?? '(guest)'} / ${current.country}`,
        ),
      );
    } else {
      const purchase = row.quantity > 0;
      const lines = purchase ? current.purchases : current.returns;
      if (lines.count >= limits.maxLines) {
        settled.push(
          problem(
            line,
            'too_many_lines',
            `invoice ${row.invoice} already has ${limits.maxLines} ${row.quantity > 0 ? 'purchase' : 'return'} lines, ` +
              'the most one event may carry',
          ),
        );
      } else {
        lines.push(row, purchase ? row.quantity : -row.quantity, line);
      }
    }
    while (this.open.length > this.openInvoices) this.close(this.open[0]!, settled);
  }

  /** Emits every invoice still open into `settled`; call once at the end of the input. */
  finish(settled: ReplayItem[]): void {
    while (this.open.length > 0) this.close(this.open[0]!, settled);
  }

  private close(invoice: OpenInvoice, settled: ReplayItem[]): void {
    const at = this.open.indexOf(invoice);
    if (at >= 0) removeAt(this.open, at);
    if (this.last === invoice) this.last = undefined;
    this.closed.add(invoice.invoice);
    this.closer.close(invoice, settled);
    this.spare.push(invoice);
  }
}

/** The lines of one direction as the contract's line objects. */
function eventLines(lines: InvoiceLines): CheckoutEvent['lines'] {
  const out: CheckoutEvent['lines'] = new Array<CheckoutEvent['lines'][number]>(lines.count);
  for (let i = 0; i < lines.count; i++) {
    const description = lines.descriptions[i];
    const sku = lines.skus[i]!;
    const quantity = lines.quantities[i]!;
    const unitPrice = lines.unitPrices[i]!;
    out[i] = description === undefined ? { sku, quantity, unitPrice } : { sku, description, quantity, unitPrice };
  }
  return out;
}

/**
 * Closes an invoice into its checkout events (an order for its purchase lines, a return for its
 * return lines), each appended once the contract accepts it.
 */
export class EventInvoices implements InvoiceCloser {
  constructor(private readonly currency: string) {}

  close(invoice: OpenInvoice, settled: ReplayItem[]): void {
    for (const event of invoiceEvents(invoice, this.currency)) {
      const lines = event.type === 'order' ? invoice.purchases : invoice.returns;
      checked(event, lines.fileLines.slice(0, lines.count), settled);
    }
  }
}

/** The events of an invoice (order first), not yet checked against the contract. */
export function invoiceEvents(invoice: OpenInvoice, currency: string): CheckoutEvent[] {
  const events: CheckoutEvent[] = [];
  if (invoice.purchases.count > 0) events.push(invoiceEvent(invoice, 'order', currency));
  if (invoice.returns.count > 0) events.push(invoiceEvent(invoice, 'return', currency));
  return events;
}

/** The order event (purchase lines) or the return event (return lines) of an invoice. */
export function invoiceEvent(invoice: OpenInvoice, type: CheckoutEvent['type'], currency: string): CheckoutEvent {
  const common: Pick<CheckoutEvent, 'schemaVersion' | 'customerId' | 'occurredAt' | 'currency' | 'country'> = {
    schemaVersion: SCHEMA_VERSION,
    customerId: invoice.customerId,
    // ISO-8601 with the London offset in force then
    occurredAt: epochMsToLondonIso(invoice.occurredAtMs),
    currency,
    country: invoice.country,
  };
  if (type === 'order') {
    return { type: 'order' as const, orderId: invoice.invoice, ...common, lines: eventLines(invoice.purchases) };
  }
  return {
    type: 'return' as const,
    orderId: returnOrderId(invoice),
    reason: returnReason(invoice),
    ...common,
    lines: eventLines(invoice.returns),
  };
}

/** The contract compiled once (z.compile): the same answers as eventSchema, several times faster. */
const compiledEventSchema = z.compile(eventSchema);

/**
 * Appends the event when the contract accepts it, else one problem per row it was made of. Rows are
 * checked one by one before this, so a rejection here means the two checks disagree: reported, not
 * thrown.
 */
export function checked(event: CheckoutEvent, lineNumbers: readonly number[], settled: ReplayItem[]): void {
  const first = lineNumbers[0] ?? 0;
  const parsed = compiledEventSchema.safeParse(event);
  if (parsed.success) {
    settled.push({ kind: 'event', event, line: first });
    return;
  }
  const issue = parsed.error.issues[0];
  const reason = `${event.type} ${event.orderId} breaks the event contract at ${issue?.path.join('.') ?? '?'}: ${issue?.message ?? 'invalid'}`;
  for (const line of lineNumbers) settled.push(problem(line, 'contract', reason));
}
