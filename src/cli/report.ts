// `insiders report`: the segment summary as marketing sees it, read back from ClickHouse's
// current views: how many Insiders there are, their share of customers and of revenue, the
// segment table with what sets each segment apart and what to do with it, and the Insiders policy
// of the latest model run.
import type { ClickHouseClient } from '@clickhouse/client';
import type { Command } from 'commander';
import { loadConfig } from '../config.js';
import { createLogger } from '../log.js';
import { formatMills } from '../money.js';
import { pct, policyLines, segmentDescriptions, textTable } from '../report/segment-table.js';
import { openClients } from '../service/clients.js';
import type { CommandOutcome } from './outcome.js';

interface SegmentLine {
  segment_id: number;
  name: string;
  insider: number;
  customers: string;
  revenue_mills: string;
  recency: number;
  frequency: number;
  products: number;
  returns: number;
  /** '' when the latest profiled version does not describe the segment */
  description: string;
  action: string;
}

interface PolicyLine {
  insiders_share_min: number;
  insiders_share_max: number;
  insiders_rule: string;
  insiders_share_of_customers: number;
  insiders_share_of_revenue: number;
  insiders_in_band: number;
  k_reason: string;
}

/**
 * The report's text, from the database `clickhouse` is set to; undefined when no customer is in a
 * segment yet. Counts and money arrive as strings (64-bit integers, see infra/clickhouse.ts).
 */
export async function segmentReport(clickhouse: ClickHouseClient): Promise<string | undefined> {
  const result = await clickhouse.query({
    // The Lapsed group (segment id -1) last, like a segment; descriptions from the latest profiles.
    query: `SELECT segment_id, name, insider, customers, revenue_mills, recency, frequency, products,
                   returns, description, action
            FROM
            (
                SELECT segment_id, any(segment_name) AS name, max(is_insider) AS insider,
                       count() AS customers, sum(gross_revenue_mills) AS revenue_mills,
                       avg(recency_days) AS recency, avg(frequency) AS frequency,
                       avg(products) AS products, avg(returns) AS returns
                FROM current_customers
                WHERE segment_id != 0
                GROUP BY segment_id
            ) AS s
            ANY LEFT JOIN (SELECT segment_id, description, action FROM latest_segment_profiles) AS p
            USING (segment_id)
            ORDER BY insider DESC, segment_id = -1, revenue_mills / customers DESC`,
    format: 'JSONEachRow',
  });
  const rows = await result.json<SegmentLine>();
  if (rows.length === 0) return undefined;
  const customers = rows.reduce((a, r) => a + Number(r.customers), 0);
  const revenue = rows.reduce((a, r) => a + Number(r.revenue_mills), 0);
  const insiders = rows.filter((r) => r.insider === 1);
  const insiderCustomers = insiders.reduce((a, r) => a + Number(r.customers), 0);
  const insiderRevenue = insiders.reduce((a, r) => a + Number(r.revenue_mills), 0);
  const lines = [
    `Insiders now: ${insiderCustomers} customers (${pct(insiderCustomers / customers)} of customers), ` +
      `${pct(revenue === 0 ? 0 : insiderRevenue / revenue)} of revenue in the window`,
    '',
  ];
  const header = [
    'segment',
    'customers',
    'share',
    'revenue',
    'revenue share',
    'recency d',
    'frequency',
    'products',
    'returns',
  ];
  const table = rows.map((r) => [
    r.name,
    r.customers,
    pct(Number(r.customers) / customers),
    formatMills(Number(r.revenue_mills)),
    pct(revenue === 0 ? 0 : Number(r.revenue_mills) / revenue),
    r.recency.toFixed(1),
    r.frequency.toFixed(3),
    r.products.toFixed(1),
    r.returns.toFixed(1),
  ]);
  lines.push(...textTable(header, table, 1), '', ...segmentDescriptions(rows));
  const runs = await clickhouse.query({
    query: `SELECT insiders_share_min, insiders_share_max, insiders_rule, insiders_share_of_customers,
                   insiders_share_of_revenue, insiders_in_band, k_reason
            FROM latest_model_run`,
    format: 'JSONEachRow',
  });
  const [run] = await runs.json<PolicyLine>();
  // A run stored before the Insiders policy existed has an empty rule: nothing to show.
  if (run !== undefined && run.insiders_rule !== '') {
    lines.push(
      '',
      ...policyLines(
        [run.insiders_share_min, run.insiders_share_max],
        run.insiders_rule,
        run.insiders_share_of_customers,
        run.insiders_share_of_revenue,
        run.insiders_in_band === 1,
        run.k_reason,
      ),
    );
  }
  return `${lines.join('\n')}\n`;
}

export function registerReport(program: Command, outcome: CommandOutcome): void {
  program
    .command('report')
    .description('print the current segments and Insiders from ClickHouse')
    .action(async () => {
      const config = loadConfig(process.env);
      const clients = await openClients(config, createLogger(config.log), { clickhouseReader: true });
      try {
        const report = await segmentReport(clients.clickhouse);
        if (report === undefined) {
          process.stdout.write('no segmented customers in ClickHouse yet (run a refit first)\n');
          outcome.exitCode = 1;
          return;
        }
        process.stdout.write(report);
      } finally {
        await clients.close();
      }
    });
}
