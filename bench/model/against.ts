// This checkout against another build of the project (`--against DIR`, a checkout of an earlier
// commit after `npm run build`), alternating which goes first, in CPU seconds as well as wall time:
// on a shared machine the CPU time is the figure that compares.
//
//   --what command: `node bin/insiders.js segment FILE --k K` of each, under /usr/bin/time (wall,
//                   user + system CPU, peak RSS), `--rounds` each
//   --what reader:  readOnlineRetail (`replay`'s reader) of each build over FILE, in this process
//   --what model:   FILE's features (read once, by this build) repeated `--times` times under new
//                   ids, then fitModel (--k's options), placeCustomers and segmentProfiles of each
//                   build, CPU seconds of each step
//
// npm run build && npx tsx bench/model/against.ts --against /work/main --what command
//     [--file data/online-retail.csv.gz] [--rounds 4] [--k 8] [--times 10]
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { featuresFromCsv } from '../../src/embedded/csv-features.js';
import { defaultRules } from '../../src/features/filters.js';
import type { Features } from '../../src/features/features.js';
import { flag } from '../ingest/lib.js';

const against = path.resolve(flag('against', ''));
const what = flag('what', 'command');
const file = path.resolve(flag('file', 'data/online-retail.csv.gz'));
const rounds = Number(flag('rounds', '4'));
const k = Number(flag('k', '8'));
const times = Number(flag('times', '10'));
const builds = { before: against, now: path.resolve('.') } as const;
type Build = keyof typeof builds;

const cpuSeconds = (): number => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1e6;
};
const round2 = (x: number): number => Math.round(x * 100) / 100;
/** Each round both builds, the first one alternating. */
const order = (round: number): Build[] => (round % 2 === 0 ? ['before', 'now'] : ['now', 'before']);

async function command(build: Build) {
  const { stderr } = await promisify(execFile)(
    '/usr/bin/time',
    ['-f', 'TIME %e %U %S %M', 'node', path.join(builds[build], 'bin/insiders.js'), 'segment', file, '--k', String(k)],
    { maxBuffer: 1 << 26 },
  );
  const m = /TIME ([\d.]+) ([\d.]+) ([\d.]+) (\d+)\s*$/.exec(stderr);
  if (m === null) throw new Error(`no /usr/bin/time line in: ${stderr.slice(-500)}`);
  return {
    wallS: Number(m[1]),
    cpuS: round2(Number(m[2]) + Number(m[3])),
    maxRssMb: Math.round(Number(m[4]) / 1024),
  };
}

interface ReaderModule {
  readOnlineRetail(
    file: string,
    options: { currency: string },
  ): AsyncIterable<{ kind: string; event?: { lines: unknown[] } }>;
}

async function reader(build: Build) {
  const mod = (await import(path.join(builds[build], 'dist/replay/online-retail.js'))) as ReaderModule;
  const cpu = cpuSeconds();
  const started = performance.now();
  let rows = 1;
  for await (const item of mod.readOnlineRetail(file, { currency: 'GBP' })) rows += item.event?.lines.length ?? 1;
  return { wallS: round2((performance.now() - started) / 1000), cpuS: round2(cpuSeconds() - cpu), rows };
}

interface ModelModules {
  fitModel(rows: readonly Features[], options: { seed: number; k: number }): unknown;
  placeCustomers(model: unknown, rows: readonly Features[]): unknown[];
  segmentProfiles(model: unknown, rows: readonly Features[], placements: unknown[]): unknown[];
}

let population: Features[] | undefined;
async function model(build: Build) {
  if (population === undefined) {
    const csv = await featuresFromCsv(file, {
      currency: 'GBP',
      rules: defaultRules,
      windowDays: 365,
      wallClockMs: Date.now(),
    });
    population = [];
    for (let t = 0; t < times; t++)
      for (const f of csv.features) population.push({ ...f, customerId: `${f.customerId}-${t}` });
  }
  const dist = path.join(builds[build], 'dist/model');
  const m = {
    ...((await import(path.join(dist, 'model.js'))) as Pick<ModelModules, 'fitModel' | 'placeCustomers'>),
    ...((await import(path.join(dist, 'profiles.js'))) as Pick<ModelModules, 'segmentProfiles'>),
  };
  let cpu = cpuSeconds();
  const fitted = m.fitModel(population, { seed: 42, k });
  const fitS = cpuSeconds() - cpu;
  cpu = cpuSeconds();
  const placements = m.placeCustomers(fitted, population);
  const placeS = cpuSeconds() - cpu;
  cpu = cpuSeconds();
  m.segmentProfiles(fitted, population, placements);
  const profilesS = cpuSeconds() - cpu;
  return {
    customers: population.length,
    fitCpuS: round2(fitS),
    placeCpuS: round2(placeS),
    profilesCpuS: round2(profilesS),
  };
}

const run = { command, reader, model }[what as 'command' | 'reader' | 'model'];
if (run === undefined || flag('against', '') === '') {
  throw new Error('usage: --against DIR --what command|reader|model');
}
for (let r = 0; r < rounds; r++) {
  for (const build of order(r)) {
    process.stdout.write(`${JSON.stringify({ what, build, round: r + 1, file, ...(await run(build)) })}\n`);
  }
}
