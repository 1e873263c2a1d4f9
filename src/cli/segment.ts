// `insiders segment <file.csv[.gz]> [--k N | --k-range 2..10] [--out DIR] [--sqlite FILE]`: the
// embedded mode. No servers: the same reader, rules, features and model as the service, in
// process. Prints the segment table and the silhouette of each k tried; writes per-customer
// assignments (and segment profiles) as CSV, and optionally a SQLite file for Metabase.
import { stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../config.js';
import { featuresFromCsv } from '../embedded/csv-features.js';
import { createReadProgress } from '../embedded/read-progress.js';
import { assignmentRows, writeSegmentFiles } from '../embedded/segment-files.js';
import { writeSqlite } from '../embedded/sqlite-file.js';
import { InsidersError } from '../errors.js';
import { defaultRules } from '../features/filters.js';
import { fitModel, placeCustomers } from '../model/model.js';
import { segmentProfiles } from '../model/profiles.js';
import { INSIDERS_RULES } from '../model/segments.js';
import { formatSegmentTable } from '../report/segment-table.js';
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
        await writeSegmentFiles(opts.out, rows, profiles);
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
