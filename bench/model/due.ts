// Due-time computation (src/model/due.ts) for every customer after a refit, on synthetic customers:
// the scaled rows of synthetic.ts taken back to original units through a scaler with the UCI
// customers' ranges (default features), a model fitted on a sample of them at fixed k, then per
// repetition, alternating in one process so both see the same load:
//   due     dueCalculator(model) applied to every customer (features, last purchase, next window change)
//   place   placeCustomers(model, every customer): the assignment each due pass stands in for
// Reports medians of wall-clock and CPU time, per customer and in total, and the machine's load
// average (on a shared machine CPU time is the steadier figure). One JSON line per measurement, and
// how many customers fall due within a day, a week and a month.
//
// npx tsx bench/model/due.ts [--size 1000000] [--k 8] [--repeat 7]
import { loadavg } from 'node:os';
import type { Features } from '../../src/features/features.js';
import { dueCalculator } from '../../src/model/due.js';
import { fitModel, placeCustomers } from '../../src/model/model.js';
import { defaultTransforms, unscaleRow } from '../../src/model/prepare.js';
import { createRng } from '../../src/model/rng.js';
import type { Scaler } from '../../src/model/types.js';
import { MS_PER_DAY } from '../../src/state/customer-state.js';
import { emit, note, numberFlag, parseFlags, round } from '../ingest/lib.js';
import { syntheticColumns, syntheticCustomers } from './synthetic.js';

const flags = parseFlags(process.argv.slice(2));
const size = numberFlag(flags, 'size', 1_000_000);
const k = numberFlag(flags, 'k', 8);
const repeat = numberFlag(flags, 'repeat', 7);
const dataSeed = 20111209;
const nowMs = Date.UTC(2011, 11, 10, 9);

// A min-max scaler (log1p where defaultTransforms says) with ranges like the UCI customers': revenue
// up to £279k, recency up to 373 days, about 1,800 products, frequency up to 4, 74,215 units returned.
const uciScaler: Scaler = {
  kind: 'minmax',
  features: defaultTransforms,
  center: [0, 0, 0, 0, 0],
  scale: [Math.log1p(279_489_020), 373, Math.log1p(1_800), Math.log1p(4), Math.log1p(74_215)],
};

function customers(n: number): { rows: Features[]; lastPurchaseMs: Float64Array; windowChangeMs: Float64Array } {
  const scaled = syntheticCustomers(n, dataSeed);
  const rng = createRng(dataSeed + 1);
  const rows: Features[] = [];
  const lastPurchaseMs = new Float64Array(n);
  const windowChangeMs = new Float64Array(n);
  const d = syntheticColumns;
  for (let i = 0; i < n; i++) {
    const [revenue, recency, products, frequency, returns] = unscaleRow(
      scaled.data.subarray(i * d, (i + 1) * d),
      uciScaler,
    ) as [number, number, number, number, number];
    const recencyDays = Math.round(recency);
    rows.push({
      customerId: `c${i}`,
      recencyDays,
      orders: Math.max(1, Math.round(products / 3)),
      frequency,
      grossRevenueMills: Math.round(revenue),
      avgTicketMills: 0,
      items: 0,
      products: Math.round(products),
      returns: Math.round(returns),
      returnEvents: 0,
      returnedMills: 0,
      avgDaysBetweenPurchases: null,
      lifetimeOrders: 0,
      lifetimeRevenueMills: 0,
    });
    lastPurchaseMs[i] = nowMs - recencyDays * MS_PER_DAY - Math.floor(rng() * MS_PER_DAY);
    // the oldest purchase day still in a 365-day window leaves it in 1..365 days; none for one in ten
    windowChangeMs[i] =
      rng() < 0.1 ? Infinity : (Math.floor(nowMs / MS_PER_DAY) + 1 + Math.floor(rng() * 365)) * MS_PER_DAY;
  }
  return { rows, lastPurchaseMs, windowChangeMs };
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

note(`building ${size} customers`);
const { rows, lastPurchaseMs, windowChangeMs } = customers(size);
const model = fitModel(rows.slice(0, 200_000), { seed: 1, k });
const dueMs = new Float64Array(size);

interface Timing {
  readonly ms: number;
  readonly cpuMs: number;
}

function timed(run: () => void): Timing {
  const wall = performance.now();
  const cpu = process.cpuUsage();
  run();
  const used = process.cpuUsage(cpu);
  return { ms: performance.now() - wall, cpuMs: (used.user + used.system) / 1000 };
}

function duePass(): Timing {
  return timed(() => {
    const due = dueCalculator(model);
    for (let i = 0; i < size; i++) dueMs[i] = due(rows[i]!, lastPurchaseMs[i], nowMs, windowChangeMs[i]!);
  });
}

function placePass(): Timing {
  return timed(() => placeCustomers(model, rows));
}

// JIT warm-up
duePass();
placePass();
const dueRuns: Timing[] = [];
const placeRuns: Timing[] = [];
for (let r = 0; r < repeat; r++) {
  dueRuns.push(duePass());
  placeRuns.push(placePass());
}

// What the due times buy: the customers due within a day, a week, a month (with no event in between).
const within = (days: number) => dueMs.reduce((n, t) => (t <= nowMs + days * MS_PER_DAY ? n + 1 : n), 0);
for (const [name, runs] of [
  ['due', dueRuns],
  ['place', placeRuns],
] as const) {
  const wall = median(runs.map((t) => t.ms));
  const cpu = median(runs.map((t) => t.cpuMs));
  emit({
    measurement: name,
    customers: size,
    k: model.k,
    medianMs: round(wall, 1),
    medianCpuMs: round(cpu, 1),
    nsPerCustomer: round((wall * 1e6) / size, 1),
    cpuNsPerCustomer: round((cpu * 1e6) / size, 1),
    runsMs: runs.map((t) => round(t.ms, 1)),
    loadAverage: round(loadavg()[0]!, 2),
  });
}
emit({
  measurement: 'due-spread',
  customers: size,
  dueWithinOneDay: within(1),
  dueWithinSevenDays: within(7),
  dueWithinThirtyDays: within(30),
  neverDue: dueMs.reduce((n, t) => (t === Infinity ? n + 1 : n), 0),
});
