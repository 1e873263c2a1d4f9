// Rows to events: the rows of one invoice become an order event (lines with quantity > 0) and/or a
// return event (lines with quantity < 0, made positive). Pure and bounded: only the few most
// recently seen invoices are held open, since an export writes an invoice's rows together.
import { z } from 'zod';
import { eventSchema, limits, SCHEMA_VERSION, type CheckoutEvent } from '../events/schema.js';
import type { ProblemCode, RetailRow } from './retail-row.js';

export type ReplayItem =
  | { readonly kind: 'event'; readonly event: CheckoutEvent; readonly line: number }
  | { readonly kind: 'problem'; readonly line: number; readonly code: ProblemCode; readonly reason: string };

export interface AssemblerOptions {
  /** ISO 4217 code put on every event */
  readonly currency: string;
  /**
   * How many invoices stay open at once. Rows of an invoice separated by rows of fewer other
   * invoices than this are still merged into one event (the UCI file has one such case).
   */
  readonly openInvoices?: number;
  /** How many emitted invoice numbers are remembered to report rows that arrive too late. */
  readonly rememberClosed?: number;
}

interface Line {
  readonly sku: string;
  readonly description?: string;
  readonly quantity: number;
  readonly unitPrice: string;
}

interface OpenInvoice {
  readonly invoice: string;
  /** the first row's date; later rows of an invoice are sometimes stamped a minute later */
  readonly occurredAt: string;
  readonly customerId: string | null;
  readonly country: string;
  readonly purchases: Line[];
  readonly purchaseLines: number[];
  readonly returns: Line[];
  readonly returnLines: number[];
}

const problem = (line: number, code: ProblemCode, reason: string): ReplayItem => ({
  kind: 'problem',
  line,
  code,
  reason,
});

export class InvoiceAssembler {
  private readonly open = new Map<string, OpenInvoice>();
  private readonly closed = new Set<string>();
  /**
   * The remembered invoice numbers in the order they closed, as a ring: the oldest is forgotten
   * first. Taking the Set's first value instead slowed every close down as the Set's deleted
   * entries piled up at its front, with a hundred thousand invoices remembered.
   */
  private readonly closedOrder: string[] = [];
  private closedNext = 0;
  private readonly openInvoices: number;
  private readonly rememberClosed: number;
  private last: OpenInvoice | undefined;

  constructor(private readonly options: AssemblerOptions) {
    this.openInvoices = Math.max(1, options.openInvoices ?? 8);
    this.rememberClosed = Math.max(0, options.rememberClosed ?? 100_000);
  }

  /**
   * Adds one row (from file line `line`) and appends the problems and events this settles to
   * `settled`. The row is copied: the caller may reuse it.
   */
  add(row: RetailRow, line: number, settled: ReplayItem[]): void {
    let current = this.last?.invoice === row.invoice ? this.last : this.open.get(row.invoice);
    if (current === undefined) {
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
      current = {
        invoice: row.invoice,
        occurredAt: row.occurredAt,
        customerId: row.customerId,
        country: row.country,
        purchases: [],
        purchaseLines: [],
        returns: [],
        returnLines: [],
      };
    }
    if (current !== this.last) {
      // Most recently seen last, so eviction takes the invoice idle the longest.
      this.open.delete(row.invoice);
      this.open.set(row.invoice, current);
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
      if (lines.length >= limits.maxLines) {
        settled.push(
          problem(
            line,
            'too_many_lines',
            `invoice ${row.invoice} already has ${limits.maxLines} ${row.quantity > 0 ? 'purchase' : 'return'} lines, ` +
              'the most one event may carry',
          ),
        );
      } else {
        const quantity = purchase ? row.quantity : -row.quantity;
        lines.push(
          row.description === undefined
            ? { sku: row.sku, quantity, unitPrice: row.unitPrice }
            : { sku: row.sku, description: row.description, quantity, unitPrice: row.unitPrice },
        );
        (purchase ? current.purchaseLines : current.returnLines).push(line);
      }
    }
    while (this.open.size > this.openInvoices) {
      const oldest = this.open.values().next().value;
      if (oldest === undefined) break;
      this.close(oldest, settled);
    }
  }

  /** Emits every invoice still open into `settled`; call once at the end of the input. */
  finish(settled: ReplayItem[]): void {
    for (const invoice of [...this.open.values()]) this.close(invoice, settled);
  }

  private close(invoice: OpenInvoice, settled: ReplayItem[]): void {
    this.open.delete(invoice.invoice);
    if (this.last === invoice) this.last = undefined;
    if (this.rememberClosed > 0) {
      if (this.closedOrder.length < this.rememberClosed) this.closedOrder.push(invoice.invoice);
      else {
        this.closed.delete(this.closedOrder[this.closedNext]!);
        this.closedOrder[this.closedNext] = invoice.invoice;
        this.closedNext = (this.closedNext + 1) % this.rememberClosed;
      }
      this.closed.add(invoice.invoice);
    }
    const common: Pick<CheckoutEvent, 'schemaVersion' | 'customerId' | 'occurredAt' | 'currency' | 'country'> = {
      schemaVersion: SCHEMA_VERSION,
      customerId: invoice.customerId,
      occurredAt: invoice.occurredAt,
      currency: this.options.currency,
      country: invoice.country,
    };
    if (invoice.purchases.length > 0) {
      const order = { type: 'order' as const, orderId: invoice.invoice, ...common, lines: invoice.purchases };
      checked(order, invoice.purchaseLines, settled);
    }
    if (invoice.returns.length > 0) {
      const orderId = invoice.purchases.length > 0 ? `${invoice.invoice}-R` : invoice.invoice;
      const reason = invoice.invoice.startsWith('C') ? ('cancellation' as const) : ('return' as const);
      const ret = { type: 'return' as const, orderId, reason, ...common, lines: invoice.returns };
      checked(ret, invoice.returnLines, settled);
    }
  }
}

/** The contract compiled once (z.compile): the same answers as eventSchema, several times faster. */
const compiledEventSchema = z.compile(eventSchema);

/**
 * Appends the event when the contract accepts it, else one problem per row it was made of. Rows are
 * checked one by one before this, so a rejection here means the two checks disagree: reported, not
 * thrown.
 */
function checked(event: CheckoutEvent, lineNumbers: readonly number[], settled: ReplayItem[]): void {
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
