// `insiders segment <file.csv[.gz]> [--k N | --k-range 2..10] [--out DIR] [--sqlite FILE]`: the
// embedded mode. No servers: the same reader, rules, features and model as the service, in
// process. Prints the segment table and the silhouette of each k tried; writes per-customer
// assignments (and segment profiles) as CSV, and optionally a SQLite file for Metabase.
import { mkdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { stringify } from 'csv-stringify/sync';
import { loadConfig } from '../config.js';
import { featuresFromCsv } from '../embedded/csv-features.js';
import { createReadProgress } from '../embedded/read-progress.js';
import { InsidersError } from '../errors.js';
import { featureColumns, featureRow } from '../features/export.js';
import { defaultRules } from '../features/filters.js';
import type { Features } from '../features/features.js';
import { fitModel, placeCustomers, type FittedModel, type Placement } from '../model/model.js';
import { segmentProfiles, type SegmentProfileRow } from '../model/profiles.js';
import { INSIDERS_RULES } from '../model/segments.js';
import { formatMills } from '../money.js';
import type { CommandOutcome } from './outcome.js';

interface SegmentOptions {
  k?: string;
  kRange: string;
  seed: string;
  out?: string;
  sqlite?: string;
  report?: string;
  windowDays?: string;
}

function parseK(opts: SegmentOptions): { k?: number; kRange?: [number, number] } {
  if (opts.k !== undefined) {
    const k = Number(opts.k);
    if (!Number.isInteger(k) || k < 2 || k > 50)
      throw new InsidersError('CONFIG_INVALID', `--k ${opts.k}: expected an integer from 2 to 50`);
    return { k };
  }
  const m = /^(\d+)\.\.(\d+)$/.exec(opts.kRange);
  const lo = Number(m?.[1]);
  const hi = Number(m?.[2]);
  if (!m || lo < 2 || hi < lo || hi > 50) {
    throw new InsidersError('CONFIG_INVALID', `--k-range ${opts.kRange}: expected MIN..MAX with 2 <= MIN <= MAX <= 50`);
  }
  return { kRange: [lo, hi] };
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/** One line per segment: its name, what sets it apart and what marketing should do with it. */
export function segmentDescriptions(
  segments: readonly { readonly name: string; readonly description: string; readonly action: string }[],
): string[] {
  const width = Math.max(0, ...segments.map((s) => s.name.length));
  return segments.map((s) =>
    s.description === '' ? s.name : `${s.name.padEnd(width)}  ${s.description}. ${s.action}`,
  );
}

/** The Insiders policy of a model run and where its Insiders stand, in two lines. */
export function policyLines(
  band: readonly [number, number],
  rule: string,
  shareOfCustomers: number,
  shareOfRevenue: number,
  inBand: boolean,
  reason: string,
): string[] {
  return [
    `Insiders policy: ${band.map((x) => (100 * x).toFixed(0)).join('–')} % of segmented customers, picked by ${rule}; ` +
      `Insiders ${pct(shareOfCustomers)} of customers, ${pct(shareOfRevenue)} of revenue${inBand ? '' : ' (OUTSIDE the band)'}`,
    `why this k: ${reason}`,
  ];
}

export function formatSegmentTable(model: FittedModel, profiles: readonly SegmentProfileRow[]): string {
  const header = [
    'rank',
    'segment',
    'customers',
    'share',
    'revenue share',
    'mean revenue',
    'recency d',
    'frequency',
    'products',
    'returns',
  ];
  const rows = profiles.map((p) => [
    String(p.rank),
    p.name,
    String(p.customers),
    pct(p.shareOfCustomers),
    pct(p.shareOfRevenue),
    formatMills(Math.round(p.mean.grossRevenueMills)),
    p.mean.recencyDays.toFixed(1),
    p.mean.frequency.toFixed(3),
    p.mean.products.toFixed(1),
    p.mean.returns.toFixed(1),
  ]);
  const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, j) => (j <= 1 ? c.padEnd(widths[j]!) : c.padStart(widths[j]!))).join('  ');
  const silhouettes = Object.entries(model.silhouetteByK)
    .map(([k, s]) => `k=${k}: ${s.toFixed(3)}`)
    .join(', ');
  const s = model.selection;
  return [
    line(header),
    ...rows.map(line),
    '',
    ...segmentDescriptions(profiles),
    '',
    `k = ${model.k}, silhouette ${model.silhouette.toFixed(3)} (tried ${silhouettes}), ${model.trainedOn} customers clustered`,
    ...(s === undefined
      ? []
      : policyLines(
          s.policy.shareBand,
          s.policy.rankRule,
          s.insidersShareOfCustomers,
          s.insidersShareOfRevenue,
          s.insidersInBand,
          s.reason,
        )),
  ].join('\n');
}

function assignmentRows(features: readonly Features[], placements: readonly Placement[], model: FittedModel) {
  const segment = new Map(model.segments.map((s) => [s.id, s.name]));
  const byId = new Map(features.map((f) => [f.customerId, f]));
  return placements.map((p) => ({
    segment_id: p.segmentId,
    segment: segment.get(p.segmentId) ?? '',
    insider: p.segmentId === model.insidersId ? 1 : 0,
    ...featureRow(byId.get(p.customerId)!),
  }));
}

async function writeSqlite(
  file: string,
  rows: ReturnType<typeof assignmentRows>,
  profiles: readonly SegmentProfileRow[],
) {
  const { default: initSqlJs } = await import('sql.js');
  const SQL = await initSqlJs();
  const db = new SQL.Database();
  const columns = ['segment_id', 'segment', 'insider', ...featureColumns] as const;
  db.run(
    `CREATE TABLE customers (${columns.map((c) => `${c} ${c === 'segment' || c === 'customer_id' ? 'TEXT' : 'REAL'}`).join(', ')})`,
  );
  const insert = db.prepare(`INSERT INTO customers VALUES (${columns.map(() => '?').join(', ')})`);
  db.run('BEGIN');
  for (const r of rows) insert.run(columns.map((c) => r[c] ?? null));
  db.run('COMMIT');
  insert.free();
  db.run(
    'CREATE TABLE segments (segment_id INTEGER, rank INTEGER, name TEXT, description TEXT, action TEXT, rule_based INTEGER, customers INTEGER, share_of_customers REAL, revenue REAL, share_of_revenue REAL)',
  );
  for (const p of profiles) {
    db.run('INSERT INTO segments VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)', [
      p.segmentId,
      p.rank,
      p.name,
      p.description,
      p.action,
      p.ruleBased ? 1 : 0,
      p.customers,
      p.shareOfCustomers,
      p.revenueMills / 1000,
      p.shareOfRevenue,
    ]);
  }
  await writeFile(file, db.export());
  db.close();
}

export function registerSegment(program: Command, _outcome: CommandOutcome): void {
  program
    .command('segment')
    .description('segment the customers of an Online Retail CSV in process, with no servers')
    .argument('<file>', 'an Online Retail export, .csv or .csv.gz')
    .option('--k <n>', 'a fixed number of segments')
    .option('--k-range <min..max>', 'choose k by silhouette in this range', '2..10')
    .option('--seed <n>', 'seed of the model', '42')
    .option('--out <dir>', 'write assignments.csv and segments.csv here')
    .option('--sqlite <file>', 'also write a SQLite file with tables customers and segments')
    .option('--report <file.html>', 'also write a self-contained HTML report with charts')
    .action(async (file: string, opts: SegmentOptions) => {
      const config = loadConfig(process.env);
      const k = parseK(opts);
      const seed = Number(opts.seed);
      if (!Number.isInteger(seed))
        throw new InsidersError('CONFIG_INVALID', `--seed ${opts.seed}: expected an integer`);
      const started = performance.now();
      let shown = 0;
      const fileBytes = await stat(file).then(
        (s) => s.size,
        () => 0,
      );
      const progress = createReadProgress(process.stderr, fileBytes, 'segment');
      const csv = await featuresFromCsv(file, {
        currency: config.events.currency,
        rules: defaultRules,
        windowDays: config.state.windowDays,
        wallClockMs: Date.now(),
        onProblem: (line, reason) => {
          if (++shown <= 20) progress.log(`line ${line}: ${reason}`);
        },
        onBytesRead: (bytes) => progress.update(bytes),
      }).finally(() => progress.stop());
      const read = performance.now();
      const model = fitModel(csv.features, {
        seed,
        ...k,
        insidersShareBand: config.model.insidersShareBand,
        rankRule: INSIDERS_RULES[config.model.insidersRule],
      });
      const placements = placeCustomers(model, csv.features);
      const profiles = segmentProfiles(model, csv.features, placements);
      const fitted = performance.now();
      process.stdout.write(`${formatSegmentTable(model, profiles)}\n`);
      process.stdout.write(
        `${csv.events} events, ${csv.problems} problem rows; features in ${((read - started) / 1000).toFixed(1)} s, ` +
          `model in ${((fitted - read) / 1000).toFixed(1)} s\n`,
      );
      // Built only to be written: at a million customers they are most of the memory left.
      const rows =
        opts.out === undefined && opts.sqlite === undefined ? [] : assignmentRows(csv.features, placements, model);
      if (opts.out !== undefined) {
        await mkdir(opts.out, { recursive: true });
        await writeFile(path.join(opts.out, 'assignments.csv'), stringify(rows, { header: true }));
        await writeFile(
          path.join(opts.out, 'segments.csv'),
          stringify(
            profiles.map((p) => ({
              segment_id: p.segmentId,
              rank: p.rank,
              segment: p.name,
              description: p.description,
              action: p.action,
              rule_based: p.ruleBased ? 1 : 0,
              customers: p.customers,
              share_of_customers: p.shareOfCustomers.toFixed(4),
              revenue: formatMills(p.revenueMills),
              share_of_revenue: p.shareOfRevenue.toFixed(4),
            })),
            { header: true },
          ),
        );
        process.stdout.write(`wrote ${path.join(opts.out, 'assignments.csv')} and segments.csv\n`);
      }
      if (opts.sqlite !== undefined) {
        await writeSqlite(opts.sqlite, rows, profiles);
        process.stdout.write(`wrote ${opts.sqlite}\n`);
      }
      if (opts.report !== undefined) {
        const { reportData } = await import('../report/report-data.js');
        const { renderReport } = await import('../report/page.js');
        const html = renderReport(
          reportData({
            title: `Customer segments of ${path.basename(file)}`,
            builtAtMs: Date.now(),
            currency: config.events.currency,
            model,
            features: csv.features,
            placements,
            summary: {
              source: path.basename(file),
              rows: csv.rows,
              events: csv.events,
              problemsByKind: csv.problemsByKind,
              customers: csv.features.length,
              guestOrders: csv.guests.orders,
              ...(csv.firstEventMs === undefined ? {} : { firstEventMs: csv.firstEventMs }),
              watermarkMs: csv.nowMs,
              windowDays: config.state.windowDays,
            },
            seed,
          }),
        );
        await writeFile(opts.report, html);
        process.stdout.write(`wrote ${opts.report} (${(Buffer.byteLength(html) / 1024).toFixed(0)} KiB)\n`);
      }
    });
}
