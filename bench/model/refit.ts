// Model fitting and assignment speed on synthetic customers (synthetic.ts), side by side with
// scikit-learn on the same data in the same run: bench/model/sklearn.py runs as a child process and
// every repetition of every measurement runs ours and then scikit-learn's, so both see the same load
// on a shared machine. Reports medians of wall-clock and CPU time and their ratios, one JSON line per
// measurement:
//   fit                   a cold fit (ours: best of 3 seedings, one mini-batch run, refinement) against
//                         MiniBatchKMeans(n_init=3)
//   fit-no-refine         ours without the refinement passes, against the same
//   refit-warm            a warm refit from a previous model (ours with its counts, as the service
//                         refits), against MiniBatchKMeans(init=previous centres, n_init=1)
//   refit-warm-no-refine  ours without the refinement passes, against the same
//   kmeans-full           scikit-learn's full KMeans (one seeding), against our cold fit
//   assign                every point to its nearest of the same k centres, against predict()
//
// npx tsx bench/model/refit.ts [--sizes 100000,1000000] [--repeat 5] [--k 8] [--threads 1]
//                              [--out bench/results] [--python /usr/bin/python3]
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { assign, kmeansPlusPlus, miniBatchKMeans } from '../../src/model/kmeans.js';
import { createRng } from '../../src/model/rng.js';
import { startSklearn, writeMatrix, type SklearnRequest, type Timing } from './sklearn-client.js';
import { syntheticColumns, syntheticCustomers } from './synthetic.js';
import { flag } from '../ingest/lib.js';

const sizes = flag('sizes', '100000,1000000').split(',').map(Number);
const repeat = Number(flag('repeat', '5'));
const k = Number(flag('k', '8'));
const threads = flag('threads', '1');
const outDir = flag('out', 'bench/results');
const python = flag('python', '/usr/bin/python3');
const assignK = 10;
const dataSeed = 20111209;

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const round = (value: number, digits = 1): number => Math.round(value * 10 ** digits) / 10 ** digits;

function time(run: () => { inertia: number; iterations?: number; refinePasses?: number }): Timing {
  const wall = performance.now();
  const cpu = process.cpuUsage();
  const result = run();
  const used = process.cpuUsage(cpu);
  return {
    ms: performance.now() - wall,
    cpuMs: (used.user + used.system) / 1000,
    inertia: result.inertia,
    ...(result.iterations === undefined ? {} : { iterations: result.iterations }),
    ...(result.refinePasses === undefined ? {} : { refinePasses: result.refinePasses }),
  };
}

function summary(timings: readonly Timing[]): Record<string, unknown> {
  const last = timings[timings.length - 1]!;
  return {
    medianMs: round(median(timings.map((t) => t.ms))),
    medianCpuMs: round(median(timings.map((t) => t.cpuMs))),
    runsMs: timings.map((t) => round(t.ms)),
    inertia: round(last.inertia, 3),
    ...(last.iterations === undefined ? {} : { iterations: timings.map((t) => t.iterations) }),
    ...(last.refinePasses === undefined ? {} : { refinePasses: timings.map((t) => t.refinePasses) }),
  };
}

mkdirSync(outDir, { recursive: true });
const sklearn = await startSklearn({ python, dir: outDir, threads });
// JIT warm-up on a small matrix so the first measured run is not the compiler's.
{
  const warm = syntheticCustomers(20_000, 1);
  const fit = miniBatchKMeans(warm, { k, rng: createRng(1) });
  miniBatchKMeans(warm, { k, rng: createRng(2), init: fit.centres, counts: fit.counts });
  assign(warm, kmeansPlusPlus(warm, assignK, createRng(1)));
}

for (const n of sizes) {
  const x = syntheticCustomers(n, dataSeed);
  const stem = path.join(outDir, `model-synthetic-${n}`);
  writeMatrix(`${stem}.f64`, x);
  // The model a refit starts from: one cold fit, kept fixed so every refit (and sklearn's) starts alike.
  const previous = miniBatchKMeans(x, { k, rng: createRng(1000) });
  writeMatrix(`${stem}-centres${k}.f64`, previous.centres);
  const centres10 = kmeansPlusPlus(x, assignK, createRng(10));
  writeMatrix(`${stem}-centres${assignK}.f64`, centres10);
  const out = { labels: new Int32Array(n), distances: new Float64Array(n) };
  let keptAcrossRefit = 0;

  const measurements: {
    op: string;
    k: number;
    ours?: (rep: number) => Timing;
    sklearn?: SklearnRequest['op'];
  }[] = [
    { op: 'fit', k, ours: (rep) => time(() => miniBatchKMeans(x, { k, rng: createRng(rep + 1) })), sklearn: 'fit' },
    {
      op: 'fit-no-refine',
      k,
      ours: (rep) => time(() => miniBatchKMeans(x, { k, rng: createRng(rep + 1), refinePasses: 0 })),
      sklearn: 'fit',
    },
    {
      op: 'refit-warm',
      k,
      ours: (rep) =>
        time(() => {
          const fit = miniBatchKMeans(x, {
            k,
            rng: createRng(rep + 1),
            init: previous.centres,
            counts: previous.counts,
          });
          let same = 0;
          for (let i = 0; i < n; i++) if (fit.labels[i] === previous.labels[i]) same++;
          keptAcrossRefit = same / n;
          return fit;
        }),
      sklearn: 'refit-warm',
    },
    {
      op: 'refit-warm-no-refine',
      k,
      ours: (rep) =>
        time(() =>
          miniBatchKMeans(x, {
            k,
            rng: createRng(rep + 1),
            init: previous.centres,
            counts: previous.counts,
            refinePasses: 0,
          }),
        ),
      sklearn: 'refit-warm',
    },
    { op: 'kmeans-full', k, sklearn: 'kmeans-full' },
    { op: 'assign', k, ours: () => time(() => assign(x, previous.centres, out)), sklearn: 'assign' },
    { op: 'assign', k: assignK, ours: () => time(() => assign(x, centres10, out)), sklearn: 'assign' },
  ];
  const results = measurements.map(() => ({ ours: [] as Timing[], sklearn: [] as Timing[] }));
  for (let rep = 0; rep < repeat; rep++) {
    for (const [i, m] of measurements.entries()) {
      if (m.ours) results[i]!.ours.push(m.ours(rep));
      if (m.sklearn) results[i]!.sklearn.push(await sklearn.ask({ op: m.sklearn, n, k: m.k, seed: rep + 1 }));
    }
  }
  for (const [i, m] of measurements.entries()) {
    const r = results[i]!;
    const ours = r.ours.length > 0 ? summary(r.ours) : undefined;
    const theirs = summary(r.sklearn);
    process.stdout.write(
      `${JSON.stringify({
        n,
        d: syntheticColumns,
        k: m.k,
        op: m.op,
        ...(ours ? { ours } : {}),
        sklearn: { ...sklearn.info, against: m.sklearn, ...theirs },
        ...(ours
          ? {
              ratio: round((ours.medianMs as number) / (theirs.medianMs as number), 2),
              cpuRatio: round((ours.medianCpuMs as number) / (theirs.medianCpuMs as number), 2),
            }
          : {}),
        ...(m.op === 'refit-warm' ? { keptSegment: round(keptAcrossRefit, 5) } : {}),
      })}\n`,
    );
  }
}
sklearn.close();
