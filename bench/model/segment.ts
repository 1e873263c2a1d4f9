// `insiders segment` against the origin study's pipeline, then on synthetic exports of 100k and 1M
// customers.
//
// First, on the bundled file, in the same run and alternating which goes first: the real command
// (`node bin/insiders.js segment FILE --k K`, after `npm run build`) against the origin study's
// pandas + scikit-learn pipeline (`--origin`, by default ../shared/bench/origin_pipeline.py; it needs
// Debian's python3-pandas and python3-sklearn: `apt-get install -y python3-pandas python3-sklearn`,
// run with /usr/bin/python3), each under /usr/bin/time for wall time and peak RSS. One JSON line with
// both medians and their ratio.
//
// Then for each size: writes the export under bench/results/ (once; the orders of
// bench/ingest/synthetic-data.ts, `--orders` per customer on average), runs the real command and
// reports its wall time, peak RSS and the phases it prints; unless `--sklearn no`, computes the same
// customers' features in process, as the command does, and times our model fit and scikit-learn's
// MiniBatchKMeans and full KMeans on the same scaled matrix, interleaved. One JSON line per size.
//
// npx tsx bench/model/segment.ts [--file data/online-retail.csv.gz] [--origin-rounds 5]
//                                [--origin ../shared/bench/origin_pipeline.py]
//                                [--sizes 100000,1000000] [--orders 2] [--k 8] [--repeat 3]
//                                [--sklearn yes|no] [--out bench/results] [--python /usr/bin/python3]
import { execFile } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, mkdirSync, renameSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { loadConfig } from '../../src/config.js';
import { featuresFromCsv } from '../../src/embedded/csv-features.js';
import { defaultRules } from '../../src/features/filters.js';
import { fitModel, isEligible } from '../../src/model/model.js';
import { applyScaler, defaultTransforms, featureMatrix, fitScaler } from '../../src/model/prepare.js';
import { SyntheticOrders } from '../ingest/synthetic-data.js';
import { startSklearn, writeMatrix, type Timing } from './sklearn-client.js';
import { flag } from '../ingest/lib.js';

const sizes = flag('sizes', '100000,1000000').split(',').map(Number);
const ordersPerCustomer = Number(flag('orders', '2'));
const k = Number(flag('k', '8'));
const repeat = Number(flag('repeat', '3'));
const outDir = flag('out', 'bench/results');
const python = flag('python', '/usr/bin/python3');
const bundled = flag('file', 'data/online-retail.csv.gz');
const originRounds = Number(flag('origin-rounds', '5'));
const origin = flag('origin', '../shared/bench/origin_pipeline.py');
const withSklearn = flag('sklearn', 'yes') !== 'no';

interface Run {
  readonly wallS: number;
  /** user + system CPU seconds: the figure to read on a shared machine */
  readonly cpuS: number;
  readonly maxRssMb: number;
  readonly stdout: string;
}

/** Runs a command under /usr/bin/time: its wall and CPU time (s) and peak resident memory (MB). */
async function timed(command: string, args: readonly string[]): Promise<Run> {
  const { stdout, stderr } = await promisify(execFile)('/usr/bin/time', ['-f', 'TIME %e %M %U %S', command, ...args], {
    maxBuffer: 1 << 26,
  });
  const m = /TIME ([\d.]+) (\d+) ([\d.]+) ([\d.]+)\s*$/.exec(stderr);
  if (m === null) throw new Error(`no /usr/bin/time line in: ${stderr.slice(-500)}`);
  const cpuS = Math.round((Number(m[3]) + Number(m[4])) * 100) / 100;
  return { wallS: Number(m[1]), cpuS, maxRssMb: Math.round(Number(m[2]) / 1024), stdout };
}

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

/** Data lines of an export (its lines less the header). */
async function dataLines(file: string): Promise<number> {
  let newlines = 0;
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) newlines++;
  }
  return newlines - 1;
}

mkdirSync(outDir, { recursive: true });
if (originRounds > 0) {
  const ours: Run[] = [];
  const theirs: Run[] = [];
  const segment = () => timed('node', ['bin/insiders.js', 'segment', bundled, '--k', String(k)]);
  const pipeline = () => timed(python, [origin, bundled, '--k', String(k)]);
  for (let round = 0; round < originRounds; round++) {
    if (round % 2 === 0) {
      ours.push(await segment());
      theirs.push(await pipeline());
    } else {
      theirs.push(await pipeline());
      ours.push(await segment());
    }
    process.stderr.write(`round ${round + 1}: segment ${ours.at(-1)!.wallS} s, origin ${theirs.at(-1)!.wallS} s\n`);
  }
  const phases = /features in ([\d.]+) s, model in ([\d.]+) s/.exec(ours.at(-1)!.stdout);
  process.stdout.write(
    `${JSON.stringify({
      file: bundled,
      k,
      segmentS: round(median(ours.map((r) => r.wallS)), 2),
      segmentRunsS: ours.map((r) => r.wallS),
      segmentCpuS: ours.map((r) => r.cpuS),
      segmentMaxRssMb: Math.max(...ours.map((r) => r.maxRssMb)),
      segmentPhasesS: phases ? { features: Number(phases[1]), model: Number(phases[2]) } : null,
      originS: round(median(theirs.map((r) => r.wallS)), 2),
      originRunsS: theirs.map((r) => r.wallS),
      originCpuS: theirs.map((r) => r.cpuS),
      originMaxRssMb: Math.max(...theirs.map((r) => r.maxRssMb)),
      ratio: round(median(ours.map((r) => r.wallS)) / median(theirs.map((r) => r.wallS)), 3),
      ratioPerRound: ours.map((r, i) => round(r.wallS / theirs[i]!.wallS, 3)),
    })}\n`,
  );
}
const sklearn = withSklearn ? await startSklearn({ python, dir: outDir, threads: '1' }) : undefined;
const config = loadConfig({});
for (const n of sizes) {
  const file = path.join(outDir, `online-retail-synthetic-${n}.csv`);
  if (!existsSync(file)) await writeExport(file, n);
  const lines = await dataLines(file);

  const command = await timed('node', ['bin/insiders.js', 'segment', file, '--k', String(k)]);
  const phases = /features in ([\d.]+) s, model in ([\d.]+) s/.exec(command.stdout);
  const events = /(\d+) events, (\d+) problem rows/.exec(command.stdout);
  const summary = {
    customers: n,
    lines,
    events: events ? Number(events[1]) : null,
    k,
    command: {
      wallS: command.wallS,
      cpuS: command.cpuS,
      maxRssMb: command.maxRssMb,
      featuresS: phases ? Number(phases[1]) : null,
      modelS: phases ? Number(phases[2]) : null,
      linesPerS: phases ? Math.round(lines / Number(phases[1])) : null,
    },
  };
  if (sklearn === undefined) {
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    continue;
  }

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
      ...summary,
      eligibleCustomers: x.rows,
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
sklearn?.close();
