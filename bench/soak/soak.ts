// Soak: `insiders run` (the whole service: consume, place on every event, refit and sweep on
// their schedules, ClickHouse and the change topic) fed at a steady rate for a long time, sampling
// the service process's RSS, the consumer group's lag and the dead-letter topic. The feed is the
// synthetic order stream (bench/ingest/synthetic-data.ts), with one deliberately invalid message
// every --invalid-every messages: the dead-letter topic must hold exactly those. Not a test:
// nothing asserts; it prints one JSON line per sample, then a summary, with the wall-clock lateness
// of the time-driven changes (from each sweep's due-customer lateness and the watermark's history).
//
// npx tsx bench/soak/soak.ts [--minutes 10] [--rate 2000] [--customers 100000] [--sample-ms 5000]
//   [--refit-interval-ms 120000] [--sweep-interval-ms 30000] [--invalid-every 10000]
//   [--node-options=...]   (NODE_OPTIONS of the service process; by default
//                          --max-semi-space-size=16, as bin/insiders.js and the image start it;
//                          --node-options= for Node's defaults)
//   [--malloc-arena-max 2]   (MALLOC_ARENA_MAX of the service process: glibc's malloc arenas)
//   [--sweep-process]   refit and sweep in a second process (`run --roles refit,sweep`), the first
//                       one `run --roles consume`; RSS and CPU are then both processes' sum
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Message } from 'kafkajs';
import { consumerLag } from '../../src/consumers/lag.js';
import { createClickHouse } from '../../src/infra/clickhouse.js';
import { createKafka, createProducer, ensureTopics } from '../../src/infra/kafka.js';
import { createRedis } from '../../src/infra/redis.js';
import { silentLogger } from '../../src/log.js';
import { toMessage } from '../../src/replay/publish.js';
import {
  benchConfig,
  deleteGroups,
  emit,
  machineCpuSeconds,
  markdownTable,
  note,
  numberFlag,
  parseFlags,
  processCpuSeconds,
  repoRoot,
  round,
  stackEnv,
  topicMessages,
  uniqueName,
  unlinkPrefix,
} from '../ingest/lib.js';
import { SyntheticOrders } from '../ingest/synthetic-data.js';
import { stateKeys } from '../../src/state/keys.js';

const flags = parseFlags(process.argv.slice(2));
const minutes = numberFlag(flags, 'minutes', 10);
const rate = numberFlag(flags, 'rate', 2000);
const customers = numberFlag(flags, 'customers', 100_000);
const sampleMs = numberFlag(flags, 'sample-ms', 5000);
const invalidEvery = numberFlag(flags, 'invalid-every', 10_000);
const refitIntervalMs = numberFlag(flags, 'refit-interval-ms', 120_000);
const sweepIntervalMs = numberFlag(flags, 'sweep-interval-ms', 30_000);
const nodeOptions = flags.get('node-options') ?? '--max-semi-space-size=16';
const mallocArenaMax = flags.get('malloc-arena-max');
const sweepProcess = flags.has('sweep-process');
const TICK_MS = 100;
const SEND_MESSAGES = 1000;
const PARTITIONS = 6;

const topic = uniqueName('soak');
const env: Record<string, string> = {
  ...stackEnv(),
  ORDERS_TOPIC: topic,
  DEAD_LETTER_TOPIC: `${topic}.dlq`,
  SEGMENT_CHANGES_TOPIC: `${topic}.changes`,
  CONSUMER_GROUP: uniqueName('soak'),
  ORDERS_PARTITIONS: String(PARTITIONS),
  REDIS_KEY_PREFIX: uniqueName('soak'),
  CLICKHOUSE_DATABASE: uniqueName('soak'),
  MODEL_K: '6',
  REFIT_INTERVAL_MS: String(refitIntervalMs),
  SWEEP_INTERVAL_MS: String(sweepIntervalMs),
  HTTP_PORT: '0',
  LOG_LEVEL: 'info',
};
const config = benchConfig(env);

/** Resident set size of a process, bytes (/proc/<pid>/status VmRSS). */
function rssBytes(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** The lowest value of each whole minute of samples, in order. */
function floorByMinute<T extends { t: number }>(samples: readonly T[], value: (s: T) => number): number[] {
  const floors: number[] = [];
  for (const s of samples) {
    const minute = Math.floor(s.t / 60);
    const v = value(s);
    if (!Number.isFinite(v)) continue;
    floors[minute] = Math.min(floors[minute] ?? Infinity, v);
  }
  return floors.filter((f) => f !== undefined);
}

/** Least-squares slope of y over x. */
function slope(points: readonly (readonly [number, number])[]): number {
  const n = points.length;
  if (n < 2) return Number.NaN;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return num / den;
}

const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);
const median = (xs: readonly number[]) => {
  const sorted = xs.filter(Number.isFinite).sort((a, b) => a - b);
  return sorted.length === 0 ? Number.NaN : sorted[Math.floor(sorted.length / 2)]!;
};

const kafka = createKafka(config.kafka, silentLogger);
const admin = kafka.admin();
await admin.connect();
const producer = createProducer(kafka);
await producer.connect();
const redis = createRedis(config.redis);
await redis.connect();
await ensureTopics(admin, [{ topic, numPartitions: PARTITIONS }]);

const seconds = minutes * 60;
const orders = Math.ceil(rate * seconds * 1.05);
note(`generating ${orders} synthetic orders for ${customers} customers`);
const events = new SyntheticOrders({ customers, orders, seed: 7 }).events();

note(`starting the service; feeding ${rate} events/s for ${minutes} min`);
const startService = (roles: readonly string[]) =>
  spawn(process.execPath, ['--import', 'tsx', 'scripts/insiders-from-source.ts', 'run', ...roles], {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH ?? '',
      ...env,
      ...(nodeOptions === '' ? {} : { NODE_OPTIONS: nodeOptions }),
      ...(mallocArenaMax === undefined ? {} : { MALLOC_ARENA_MAX: mallocArenaMax }),
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
const service = startService(sweepProcess ? ['--roles', 'consume'] : []);
const sweeper = sweepProcess ? startService(['--roles', 'refit,sweep']) : undefined;
const pids = [service.pid ?? 0, ...(sweeper?.pid === undefined ? [] : [sweeper.pid])];
mkdirSync(path.join(repoRoot, 'bench/results'), { recursive: true });
const serviceLog = createWriteStream(path.join(repoRoot, 'bench/results/soak-service.log'));
let stderrTail = '';
let stopped: Record<string, unknown> | undefined;
/** the consuming service's HTTP port, from its "http listening" line: /metrics gives its V8 heap */
let httpPort: number | undefined;
const refits: number[] = [];
/** seconds each sweep took */
const sweeps: number[] = [];
/**
 * Each run of due customers a sweep placed at one "now" (its "sweep done" line's `dueRuns`): when
 * their placements were written (wall ms), that "now" and the event-time lateness of the run's
 * customers (median, 99th percentile, maximum).
 */
interface DueRun {
  wallMs: number;
  due: number;
  nowMs: number;
  latenessP50Ms: number;
  latenessP99Ms: number;
  latenessMaxMs: number;
}
const dueRuns: DueRun[] = [];
let duePasses = 0;
/** the watermark's history: [wall ms, watermark ms], sampled every WATERMARK_SAMPLE_MS */
const watermarks: [number, number][] = [];
const WATERMARK_SAMPLE_MS = 250;
for (const [i, child] of [service, sweeper].entries()) {
  if (child === undefined) continue;
  let partial = '';
  child.stderr.on('data', (d: Buffer) => {
    serviceLog.write(d);
    stderrTail = (stderrTail + d.toString()).slice(-200_000);
    const lines = (partial + d.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (line.includes('"msg":"refit done"')) refits.push(Date.now());
      if (line.includes('"msg":"sweep done"')) {
        const done = JSON.parse(line) as { ms: number; due: number; dueRuns: number[][] };
        sweeps.push(round(done.ms / 1000, 1));
        if (done.due > 0) duePasses++;
        for (const [
          wallMs = 0,
          nowMs = 0,
          latenessP50Ms = 0,
          latenessP99Ms = 0,
          latenessMaxMs = 0,
          due = 0,
        ] of done.dueRuns)
          dueRuns.push({ wallMs, nowMs, latenessP50Ms, latenessP99Ms, latenessMaxMs, due });
      }
      if (line.includes('"msg":"stopped"') && i === 0) stopped = JSON.parse(line) as Record<string, unknown>;
      if (line.includes('"msg":"http listening"') && i === 0) httpPort = (JSON.parse(line) as { port: number }).port;
    }
  });
}
const exitOf = (child: ReturnType<typeof spawn>) =>
  new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
const exited = exitOf(service);
const sweeperExited = sweeper === undefined ? Promise.resolve(0) : exitOf(sweeper);
const servicesCpu = () => pids.reduce((sum, p) => sum + (processCpuSeconds(p) ?? 0), 0);

let produced = 0;
let invalid = 0;
let behind = 0;
const started = Date.now();
const cpuStart = { service: servicesCpu(), machine: machineCpuSeconds() };

/** Sends what the rate allows up to now, every tick, until the time is up. */
async function feed(): Promise<void> {
  const end = started + seconds * 1000;
  for (let now = Date.now(); now < end; now = Date.now()) {
    const due = Math.floor(((now - started) / 1000) * rate) - produced;
    const messages: Message[] = [];
    for (let i = 0; i < due; i++) {
      if ((produced + messages.length + 1) % invalidEvery === 0) {
        messages.push({ key: 'soak-invalid', value: '{"type":"order","schemaVersion":1}' });
        invalid++;
        continue;
      }
      const next = events.next();
      if (next.done) break;
      messages.push(toMessage(next.value));
    }
    // In sends of at most SEND_MESSAGES: after a stall the catch-up would exceed the broker's
    // largest request.
    for (let i = 0; i < messages.length; i += SEND_MESSAGES) {
      const chunk = messages.slice(i, i + SEND_MESSAGES);
      await producer.send({ topic, acks: -1, messages: chunk });
      produced += chunk.length;
    }
    const late = Date.now() - now;
    if (late > TICK_MS) behind++;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, TICK_MS - late)));
  }
}

/**
 * The service's V8 heap, bytes (prom-client's default metrics): in use
 * (insiders_nodejs_heap_size_used_bytes), what tells a leak, which keeps it growing, from a heap
 * that V8 has merely not shrunk; and committed (insiders_nodejs_heap_size_total_bytes), the part of
 * RSS that the heap holds, used or not; and the memory of the heap's objects held outside it
 * (insiders_nodejs_external_memory_bytes: Buffers and typed arrays' stores), the rest of RSS being
 * the code, the stacks and what the allocator keeps.
 */
async function heapBytes(): Promise<{ used: number; total: number; external: number } | undefined> {
  if (httpPort === undefined) return undefined;
  try {
    const text = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
    const used = /^insiders_nodejs_heap_size_used_bytes (\S+)$/m.exec(text);
    const total = /^insiders_nodejs_heap_size_total_bytes (\S+)$/m.exec(text);
    const external = /^insiders_nodejs_external_memory_bytes (\S+)$/m.exec(text);
    return used && total && external
      ? { used: Number(used[1]), total: Number(total[1]), external: Number(external[1]) }
      : undefined;
  } catch {
    return undefined;
  }
}

interface Sample {
  t: number;
  rssMb: number;
  heapUsedMb: number;
  heapTotalMb: number;
  externalMb: number;
  lag: number;
  deadLettered: number;
  produced: number;
}
const samples: Sample[] = [];
let sampling = true;
async function sample(): Promise<void> {
  while (sampling) {
    await new Promise((resolve) => setTimeout(resolve, sampleMs));
    if (!sampling) break;
    const rss = pids.reduce((sum, p) => sum + (rssBytes(p) ?? 0), 0);
    const [lag, deadLettered, heap] = await Promise.all([
      consumerLag(admin, config.kafka.consumerGroup, topic).catch(() => Number.NaN),
      topicMessages(admin, config.kafka.deadLetterTopic).catch(() => 0),
      heapBytes(),
    ]);
    const s = {
      t: round((Date.now() - started) / 1000, 1),
      rssMb: round((rss ?? 0) / 2 ** 20, 1),
      heapUsedMb: heap === undefined ? Number.NaN : round(heap.used / 2 ** 20, 1),
      heapTotalMb: heap === undefined ? Number.NaN : round(heap.total / 2 ** 20, 1),
      externalMb: heap === undefined ? Number.NaN : round(heap.external / 2 ** 20, 1),
      lag,
      deadLettered,
      produced,
    };
    samples.push(s);
    emit({ kind: 'soak-sample', ...s });
  }
}

const sampler = sample();
const watermarkKey = stateKeys(config.redis.keyPrefix, 1).watermark;
async function sampleWatermark(): Promise<void> {
  while (sampling) {
    const value = await redis.get(watermarkKey).catch(() => null);
    if (value !== null) watermarks.push([Date.now(), Number(value)]);
    await new Promise((resolve) => setTimeout(resolve, WATERMARK_SAMPLE_MS));
  }
}
const watermarkSampler = sampleWatermark();

/**
 * Wall-clock lateness of a time-driven change: when its run's placements were written, less when
 * the watermark first reached the change's due time (event time, ms), to the watermark samples'
 * resolution (WATERMARK_SAMPLE_MS).
 */
function wallLatenessS(run: DueRun, eventLatenessMs: number): number {
  const dueMs = run.nowMs - eventLatenessMs;
  const reached = watermarks.find(([, w]) => w >= dueMs);
  return reached === undefined ? Number.NaN : round((run.wallMs - reached[0]) / 1000, 1);
}
try {
  await feed();
  note(`fed ${produced} messages (${invalid} invalid); waiting for the consumer to catch up`);
  const drainStart = Date.now();
  while ((await consumerLag(admin, config.kafka.consumerGroup, topic)) > 0 && Date.now() - drainStart < 120_000) {
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const drainMs = Date.now() - drainStart;
  sampling = false;
  await sampler;
  await watermarkSampler;
  const cpu = {
    service: servicesCpu() - cpuStart.service,
    machine: machineCpuSeconds() - cpuStart.machine,
  };
  const elapsed = (Date.now() - started) / 1000;
  service.kill('SIGTERM');
  sweeper?.kill('SIGTERM');
  // the first non-zero exit of the two processes (null: killed by a signal)
  const code = [await exited, await sweeperExited].find((c) => c !== 0) ?? 0;
  const deadLettered = await topicMessages(admin, config.kafka.deadLetterTopic);

  const firstMinute = samples.filter((s) => s.t <= 60).map((s) => s.rssMb);
  const lastMinute = samples.filter((s) => s.t > samples[samples.length - 1]!.t - 60).map((s) => s.rssMb);
  const afterWarmUp = samples.filter((s) => s.t > 60);
  const lags = samples.map((s) => s.lag).filter(Number.isFinite);
  const summary = {
    kind: 'soak-summary',
    minutes,
    targetRate: rate,
    producedRate: round(produced / seconds),
    ticksBehind: behind,
    produced,
    invalidSent: invalid,
    deadLettered,
    consumerValid: stopped?.valid,
    consumerApplied: stopped?.applied,
    consumerDeadLettered: stopped?.deadLettered,
    rssFirstMinuteMb: round(mean(firstMinute), 1),
    rssLastMinuteMb: round(mean(lastMinute), 1),
    rssMaxMb: Math.max(...samples.map((s) => s.rssMb)),
    rssSlopeMbPerMinAfterFirstMinute: round(slope(afterWarmUp.map((s) => [s.t / 60, s.rssMb])), 2),
    rssSlopeMbPerMinAll: round(slope(samples.map((s) => [s.t / 60, s.rssMb])), 2),
    // The floor of each minute (its lowest sample): sweeps and refits read every customer and lift
    // RSS and the heap for a while; what a leak moves is the floor they fall back to.
    rssFloorByMinuteMb: floorByMinute(samples, (s) => s.rssMb),
    heapUsedFloorByMinuteMb: floorByMinute(samples, (s) => s.heapUsedMb),
    heapTotalMaxMb: Math.max(...samples.map((s) => s.heapTotalMb)),
    externalMaxMb: Math.max(...samples.map((s) => s.externalMb)),
    heapUsedFirstMinuteMb: round(mean(samples.filter((s) => s.t <= 60).map((s) => s.heapUsedMb)), 1),
    heapUsedLastMinuteMb: round(
      mean(samples.filter((s) => s.t > samples[samples.length - 1]!.t - 60).map((s) => s.heapUsedMb)),
      1,
    ),
    heapUsedSlopeMbPerMinAfterFirstMinute: round(slope(afterWarmUp.map((s) => [s.t / 60, s.heapUsedMb])), 2),
    lagMax: Math.max(...lags),
    lagMean: round(mean(lags)),
    lagLast: lags[lags.length - 1],
    drainSeconds: round(drainMs / 1000, 1),
    refits: refits.length,
    sweeps: sweeps.length,
    sweepSeconds: sweeps.join(' '),
    sweepSecondsMax: Math.max(0, ...sweeps),
    // time-driven changes: per run of due customers, wall-clock lateness (see wallLatenessS)
    duePasses,
    dueRuns: dueRuns.length,
    duePlaced: dueRuns.reduce((n, r) => n + r.due, 0),
    dueLatenessMaxS: Math.max(0, ...dueRuns.map((r) => wallLatenessS(r, r.latenessMaxMs))),
    dueLatenessP99WorstRunS: Math.max(0, ...dueRuns.map((r) => wallLatenessS(r, r.latenessP99Ms))),
    dueLatenessP50MedianRunS: median(dueRuns.map((r) => wallLatenessS(r, r.latenessP50Ms))),
    dueLatenessMaxEventHours: round(Math.max(0, ...dueRuns.map((r) => r.latenessMaxMs)) / 3_600_000, 1),
    serviceCpuCores: round(cpu.service / elapsed, 2),
    // the feeder (this process), Kafka, Redis, ClickHouse and whatever else runs on the machine
    restOfMachineCores: round((cpu.machine - cpu.service) / elapsed, 2),
    serviceExit: code,
  };
  emit(summary);
  process.stdout.write(
    `\n${markdownTable(
      ['measure', 'value'],
      Object.entries(summary)
        .filter(([k]) => k !== 'kind')
        .map(([k, v]) => [k, String(v)]),
    )}\n`,
  );
  if (code !== 0) note(`service exited with ${code}:\n${stderrTail.slice(-3000)}`);
} finally {
  sampling = false;
  service.kill('SIGKILL');
  sweeper?.kill('SIGKILL');
  await producer.disconnect();
  await admin
    .deleteTopics({ topics: [topic, config.kafka.deadLetterTopic, config.model.changesTopic] })
    .catch(() => undefined);
  // The group empties only once the broker has seen the service leave it.
  for (let attempt = 0; attempt < 30; attempt++) {
    const { groups } = await admin.listGroups();
    if (!groups.some((g) => g.groupId === config.kafka.consumerGroup)) break;
    await deleteGroups(admin, [config.kafka.consumerGroup]);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  await admin.disconnect();
  await unlinkPrefix(redis, config.redis.keyPrefix);
  await redis.quit();
  const ch = createClickHouse(config.clickhouse, 'default');
  await ch.command({ query: `DROP DATABASE IF EXISTS ${config.clickhouse.database}` }).catch(() => undefined);
  await ch.close();
}
