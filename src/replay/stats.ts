// What a replay did, counted as it goes, and the summary printed at the end. Pure.
import { limits, type CheckoutEvent } from '../events/schema.js';
import type { ReplayItem } from './invoices.js';
import type { ProblemCode } from './retail-row.js';

export class ReplayStats {
  /** data rows accounted for: each ends up as an event line or a problem */
  rows = 0;
  eventsRead = 0;
  orders = 0;
  returns = 0;
  guestEvents = 0;
  readonly problems = new Map<ProblemCode, number>();

  get published(): number {
    return this.orders + this.returns;
  }

  get problemCount(): number {
    let n = 0;
    for (const count of this.problems.values()) n += count;
    return n;
  }

  countRead(item: ReplayItem): void {
    if (item.kind === 'event') {
      this.eventsRead++;
      this.rows += item.event.lines.length;
    } else {
      this.rows++;
      this.problems.set(item.code, (this.problems.get(item.code) ?? 0) + 1);
    }
  }

  countPublished(events: readonly CheckoutEvent[]): void {
    for (const e of events) {
      if (e.type === 'order') this.orders++;
      else this.returns++;
      if (e.customerId === null) this.guestEvents++;
    }
  }
}

const problemLabels: Record<ProblemCode, string> = {
  csv: 'malformed CSV record',
  invoice: 'invalid invoice number',
  stock_code: 'invalid stock code',
  quantity: 'invalid quantity',
  date: 'invalid invoice date',
  unit_price: 'invalid unit price',
  customer: 'invalid customer id',
  country: 'invalid country',
  inconsistent: 'customer or country differs within an invoice',
  too_many_lines: `over the ${limits.maxLines} lines one event may carry`,
  reopened: 'invoice rows too far apart',
  contract: 'event rejected by the contract',
};

export interface SummaryContext {
  readonly file: string;
  readonly topic: string;
  readonly seconds: number;
  /** why the run ended early, if it did */
  readonly stoppedBy?: string;
}

export function formatSummary(stats: ReplayStats, context: SummaryContext): string {
  const rows: [label: string, count: number, note: string][] = [
    ['rows read', stats.rows, ''],
    ['events published', stats.published, ''],
    ['  orders', stats.orders, ''],
    ['  returns', stats.returns, ''],
    ['  guest events', stats.guestEvents, ''],
    ['problems', stats.problemCount, ''],
  ];
  const byReason = [...stats.problems].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  for (const [code, count] of byReason) rows.push([`  ${code}`, count, problemLabels[code]]);
  const labelWidth = Math.max(...rows.map(([label]) => label.length));
  const countWidth = Math.max(...rows.map(([, n]) => String(n).length));
  const rate = context.seconds > 0 ? Math.round(stats.published / context.seconds) : 0;
  const head =
    `replay of ${context.file} to ${context.topic}: ${context.stoppedBy ?? 'done'} after ` +
    `${context.seconds.toFixed(1)} s (${rate} events/s)`;
  const body = rows.map(
    ([label, n, note]) =>
      `${label.padEnd(labelWidth)}  ${String(n).padStart(countWidth)}${note === '' ? '' : `  ${note}`}`,
  );
  return [head, ...body].join('\n');
}
