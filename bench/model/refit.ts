// Model fitting and assignment speed on synthetic customers (synthetic.ts): a cold mini-batch fit,
// a warm refit from the previous model, and the assignment of every customer to its segment, each
// repeated and reported as the median, one JSON line per measurement. The data and the centres used
// are written under bench/results/ so bench/model/sklearn.py times scikit-learn on the same input.
//
// npx tsx bench/model/refit.ts [--sizes 100000,1000000] [--repeat 3] [--k 8] [--out bench/results]
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { assign, kmeansPlusPlus, miniBatchKMeans, type KMeansFit } from '../../src/model/kmeans.js';
import { createRng } from '../../src/model/rng.js';
import type { Matrix } from '../../src/model/types.js';
import { syntheticColumns, syntheticCustomers } from './synthetic.js';

function flag(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && process.argv[at + 1] !== undefined ? process.argv[at + 1]! : fallback;
}

const sizes = flag('sizes', '100000,1000000').split(',').map(Number);
const repeat = Number(flag('repeat', '3'));
const k = Number(flag('k', '8'));
const assignK = 10;
const outDir = flag('out', 'bench/results');
const dataSeed = 20111209;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function emit(record: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(record)}\n`);
}

/** Times `run` `repeat` times; `describe` turns the last result into extra fields for the report. */
function measure<T>(
  base: Record<string, unknown>,
  run: (rep: number) => T,
  describe: (result: T) => Record<string, unknown>,
): T {
  const times: number[] = [];
  let result: T | undefined;
  for (let rep = 0; rep < repeat; rep++) {
    const started = performance.now();
    result = run(rep);
    times.push(performance.now() - started);
  }
  emit({ ...base, medianMs: round(median(times)), runsMs: times.map((t) => round(t)), ...describe(result!) });
  return result!;
}

function fitFields(fit: KMeansFit): Record<string, unknown> {
  return { inertia: round(fit.inertia, 3), iterations: fit.iterations, refinePasses: fit.refinePasses };
}

function writeMatrix(file: string, m: Matrix): void {
  // Little-endian float64, row-major: numpy.fromfile(file, dtype='<f8').reshape(-1, cols).
  writeFileSync(file, new Uint8Array(m.data.buffer, m.data.byteOffset, m.data.byteLength));
}

mkdirSync(outDir, { recursive: true });
// JIT warm-up on a small matrix so the first measured run is not the compiler's.
{
  const warm = syntheticCustomers(20_000, 1);
  miniBatchKMeans(warm, { k, rng: createRng(1) });
  assign(warm, kmeansPlusPlus(warm, assignK, createRng(1)));
}

for (const n of sizes) {
  const x = syntheticCustomers(n, dataSeed);
  const stem = path.join(outDir, `model-synthetic-${n}`);
  writeMatrix(`${stem}.f64`, x);
  const base = { impl: 'ts', n, d: syntheticColumns, k, batchSize: 1024 };

  measure({ ...base, op: 'fit', nInit: 3 }, (rep) => miniBatchKMeans(x, { k, rng: createRng(rep + 1) }), fitFields);
  measure(
    { ...base, op: 'fit-no-refine', nInit: 3 },
    (rep) => miniBatchKMeans(x, { k, rng: createRng(rep + 1), refinePasses: 0 }),
    fitFields,
  );
  // sklearn's MiniBatchKMeans tries its n_init seedings on a 3·batchSize sample and runs the
  // mini-batch steps once; one run without refinement is the same amount of work.
  measure(
    { ...base, op: 'fit-one-run-no-refine', nInit: 1 },
    (rep) => miniBatchKMeans(x, { k, rng: createRng(rep + 1), nInit: 1, refinePasses: 0 }),
    fitFields,
  );

  // The model a refit starts from: one cold fit, kept fixed so every refit (and sklearn's) starts alike.
  const previous = miniBatchKMeans(x, { k, rng: createRng(1000) });
  writeMatrix(`${stem}-centres${k}.f64`, previous.centres);
  measure(
    { ...base, op: 'refit-warm' },
    (rep) => miniBatchKMeans(x, { k, rng: createRng(rep + 1), init: previous.centres, counts: previous.counts }),
    fitFields,
  );
  measure(
    { ...base, op: 'refit-warm-no-refine' },
    (rep) =>
      miniBatchKMeans(x, {
        k,
        rng: createRng(rep + 1),
        init: previous.centres,
        counts: previous.counts,
        refinePasses: 0,
      }),
    fitFields,
  );

  const out = { labels: new Int32Array(n), distances: new Float64Array(n) };
  measure(
    { ...base, op: 'assign' },
    () => assign(x, previous.centres, out),
    (a) => ({ inertia: round(a.inertia, 3) }),
  );
  const centres10 = kmeansPlusPlus(x, assignK, createRng(10));
  writeMatrix(`${stem}-centres${assignK}.f64`, centres10);
  measure(
    { ...base, k: assignK, op: 'assign' },
    () => assign(x, centres10, out),
    (a) => ({ inertia: round(a.inertia, 3) }),
  );
}
