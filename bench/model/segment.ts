// `insiders segment` on synthetic Online Retail exports of 100k and 1M customers, beside
// scikit-learn on the same customers in the same run. For each size: writes the export under
// bench/results/ (once; the orders of bench/ingest/synthetic-data.ts, `--orders` per customer on
// average), runs the real command (`node bin/insiders.js segment FILE --k K`, after `npm run build`)
// and reports its wall time and the phases it prints; then computes the same customers' features in
// process, as the command does, and times our model fit and scikit-learn's MiniBatchKMeans and full
// KMeans on the same scaled matrix, interleaved. One JSON line per size.
//
// npx tsx bench/model/segment.ts [--sizes 100000,1000000] [--orders 2] [--k 8] [--repeat 3]
//                                [--out bench/results] [--python /usr/bin/python3]
import { execFile } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, renameSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { loadConfig } from '../../src/config.js';
import { featuresFromCsv } from '../../src/embedded/csv-features.js';
import { defaultRules } from '../../src/features/filters.js';
import { fitModel, isEligible } from '../../src/model/model.js';
import { applyScaler, defaultTransforms, featureMatrix, fitScaler } from '../../src/model/prepare.js';
import { SyntheticOrders } from '../ingest/synthetic-data.js';
import { startSklearn, writeMatrix, type Timing } from './sklearn-client.js';

function flag(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && process.argv[at + 1] !== undefined ? process.argv[at + 1]! : fallback;
}

const sizes = flag('sizes', '100000,1000000').split(',').map(Number);
const ordersPerCustomer = Number(flag('orders', '2'));
const k = Number(flag('k', '8'));
const repeat = Number(flag('repeat', '3'));
const outDir = flag('out', 'bench/results');
const python = flag('python', '/usr/bin/python3');

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const round = (value: number, digits = 1): number => Math.round(value * 10 ** digits) / 10 ** digits;

/** "2025-03-30T10:15:00+01:00" → "3/30/2025 10:15", the UCI export's London local time. */
function exportDate(iso: string): string {
  const [, y, mo, d, h, mi] = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(iso)!;
  return `${Number(mo)}/${Number(d)}/${y} ${Number(h)}:${mi}`;
}

const csvField = (s: string): string => (/[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);

async function writeExport(file: string, customers: number): Promise<number> {
  const data = new SyntheticOrders({ customers, orders: customers * ordersPerCustomer, seed: 7 });
  const partial = `${file}.partial`;
  const out = createWriteStream(partial);
  const write = (chunk: string) =>
    out.write(chunk) ? Promise.resolve() : new Promise<void>((resolve) => out.once('drain', () => resolve()));
  await write('InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n');
  let lines = 0;
  let buffer = '';
  for (const event of data.events()) {
    const date = exportDate(event.occurredAt);
    const country = csvField(event.country ?? 'United Kingdom');
    for (const line of event.lines) {
      buffer += `${event.orderId},${line.sku},${csvField(line.description ?? '')},${line.quantity},${date},${line.unitPrice},${event.customerId},${country}\n`;
      lines++;
    }
    if (buffer.length > 1 << 20) {
      await write(buffer);
      buffer = '';
    }
  }
  await write(buffer);
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  renameSync(partial, file);
  return lines;
}

mkdirSync(outDir, { recursive: true });
const sklearn = await startSklearn({ python, dir: outDir, threads: '1' });
const config = loadConfig({});
for (const n of sizes) {
  const file = path.join(outDir, `online-retail-synthetic-${n}.csv`);
  if (!existsSync(file)) await writeExport(file, n);

  const started = performance.now();
  const { stdout } = await promisify(execFile)('node', ['bin/insiders.js', 'segment', file, '--k', String(k)], {
    maxBuffer: 1 << 26,
  });
  const commandMs = performance.now() - started;
  const phases = /features in ([\d.]+) s, model in ([\d.]+) s/.exec(stdout);

  const csv = await featuresFromCsv(file, {
    currency: config.events.currency,
    rules: defaultRules,
    windowDays: config.state.windowDays,
    wallClockMs: Date.now(),
  });
  const eligible = csv.features.filter(isEligible);
  const raw = featureMatrix(eligible, defaultTransforms);
  const x = applyScaler(raw, fitScaler(raw, defaultTransforms, 'minmax'));
  const data = `segment-synthetic-${n}.f64`;
  writeMatrix(path.join(outDir, data), x);

  const ours: number[] = [];
  const mbk: Timing[] = [];
  const full: Timing[] = [];
  let inertia = 0;
  for (let rep = 0; rep < repeat; rep++) {
    const t = performance.now();
    inertia = fitModel(csv.features, { seed: 42 + rep, k }).inertia;
    ours.push(performance.now() - t);
    mbk.push(await sklearn.ask({ op: 'fit', n: x.rows, k, seed: rep + 1, data }));
    full.push(await sklearn.ask({ op: 'kmeans-full', n: x.rows, k, seed: rep + 1, data }));
  }
  process.stdout.write(
    `${JSON.stringify({
      customers: x.rows,
      events: csv.events,
      k,
      command: {
        wallMs: round(commandMs),
        featuresS: phases ? Number(phases[1]) : null,
        modelS: phases ? Number(phases[2]) : null,
      },
      fitModelMs: round(median(ours)),
      fitModelRunsMs: ours.map((v) => round(v)),
      inertia: round(inertia, 3),
      sklearn: {
        ...sklearn.info,
        miniBatchKMeansMs: round(median(mbk.map((t) => t.ms))),
        miniBatchKMeansInertia: round(mbk[0]!.inertia, 3),
        kmeansMs: round(median(full.map((t) => t.ms))),
        kmeansInertia: round(full[0]!.inertia, 3),
      },
    })}\n`,
  );
}
sklearn.close();
