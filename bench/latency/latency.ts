// End-to-end latency: from an order event produced to Kafka until the customer's new segment is
// visible in ClickHouse's current view (current_customers), at a steady order rate. Not a test:
// nothing here asserts; it prints JSON lines and a markdown table.
//
// Set-up (not measured): the data set is replayed into a topic of the run's own, consumed into
// Redis (`insiders consume --until-caught-up`) and a model is fitted and every customer placed
// (`insiders refit`); then `insiders run` starts in a process of its own with the service's
// default schedules (a sweep every SWEEP_INTERVAL_MS, a refit every REFIT_INTERVAL_MS).
//
// Measurement: for --seconds, orders go out at --rate per second (one producer.send per 5 ms
// tick). Most are for the data set's customers (random ones, new order ids): the load. Every
// --probe-every-th order is a probe: the first order of a customer nobody has seen, so the first
// row of theirs in current_customers is their new segment. A probe's produce time is taken just
// before the send that carries it (performance.now(), this process). A poller queries
// current_customers every --poll-ms for the pending probes (a customer_id range: the table's key)
// and a probe's visibility time is the moment the first answer listing it arrived: an upper bound
// — it became visible between the start of the previous poll and then, so the resolution is the
// poll period (reported: its median and p99, and how long a poll query took).
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Message } from 'kafkajs';
import { createClickHouse } from '../../src/infra/clickhouse.js';
import { createKafka, createProducer } from '../../src/infra/kafka.js';
import { createRedis } from '../../src/infra/redis.js';
import { silentLogger } from '../../src/log.js';
import { consumerLag } from '../../src/consumers/lag.js';
import {
  benchConfig,
  deleteGroups,
  emit,
  fmt,
  machineCpuSeconds,
  markdownTable,
  note,
  numberFlag,
  parseFlags,
  processCpuSeconds,
  repoRoot,
  round,
  stackEnv,
  uniqueName,
  unlinkPrefix,
} from '../ingest/lib.js';

const flags = parseFlags(process.argv.slice(2));
const rate = numberFlag(flags, 'rate', 2000);
const seconds = numberFlag(flags, 'seconds', 60);
const probeEvery = numberFlag(flags, 'probe-every', 10);
const pollMs = numberFlag(flags, 'poll-ms', 50);
const k = numberFlag(flags, 'k', 6);
const dataSet = flags.get('data') ?? fileURLToPath(new URL('../../data/online-retail.csv.gz', import.meta.url));
const TICK_MS = 5;
// The data set ends on 2011-12-09 12:50 UTC: the orders of the run continue it in real time.
const DATA_END_MS = Date.parse('2011-12-09T13:00:00Z');

const topic = uniqueName('bench_latency');
const group = uniqueName('bench_latency_state');
const env: Record<string, string> = {
  ...stackEnv(),
  ORDERS_TOPIC: topic,
  DEAD_LETTER_TOPIC: `${topic}.dlq`,
  SEGMENT_CHANGES_TOPIC: `${topic}.changes`,
  CONSUMER_GROUP: group,
  ORDERS_PARTITIONS: '6',
  REDIS_KEY_PREFIX: uniqueName('bench_latency'),
  CLICKHOUSE_DATABASE: uniqueName('bench_latency'),
  MODEL_K: String(k),
  LOG_LEVEL: 'info',
};
const config = benchConfig(env);
const cliScript = fileURLToPath(new URL('../../scripts/insiders-from-source.ts', import.meta.url));

function cli(args: readonly string[]): ChildProcess & { log: string[] } {
  const child = spawn(process.execPath, ['--import', 'tsx', cliScript, ...args], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log: string[] = [];
  let rest = '';
  const keep = (chunk: Buffer) => {
    const text = rest + chunk.toString();
    const lines = text.split('\n');
    rest = lines.pop() ?? '';
    log.push(...lines);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  return Object.assign(child, { log });
}

async function runCli(args: readonly string[]): Promise<void> {
  const child = cli(args);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0)
    throw new Error(`insiders ${args.join(' ')} exited with ${code}:\n${child.log.slice(-20).join('\n')}`);
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const SKUS = [
  ['85123A', '2.55'],
  ['71053', '3.39'],
  ['84406B', '2.75'],
  ['22423', '12.75'],
  ['21730', '4.25'],
  ['22086', '2.55'],
] as const;

function order(customerId: string, orderId: string, atMs: number, n: number): Message {
  const lines = [];
  for (let i = 0; i < 1 + (n % 3); i++) {
    const [sku, unitPrice] = SKUS[(n + i) % SKUS.length]!;
    lines.push({ sku, quantity: 1 + ((n + i) % 6), unitPrice });
  }
  const event = {
    schemaVersion: 1,
    type: 'order',
    orderId,
    customerId,
    occurredAt: new Date(atMs).toISOString(),
    currency: 'GBP',
    country: 'United Kingdom',
    lines,
  };
  return { key: customerId, value: JSON.stringify(event) };
}

async function main(): Promise<void> {
  const kafka = createKafka(config.kafka, silentLogger);
  const admin = kafka.admin();
  await admin.connect();
  const redis = createRedis(config.redis);
  await redis.connect();
  const clickhouse = createClickHouse(config.clickhouse);
  let service: ChildProcess | undefined;
  try {
    note(`set-up: replay ${dataSet} to ${topic}, consume, refit (k=${k})`);
    await runCli(['replay', dataSet, '--topic', topic]);
    await runCli(['consume', '--until-caught-up']);
    await runCli(['refit']);

    const ids: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${config.redis.keyPrefix}:{c:*}`, 'COUNT', 5000);
      cursor = next;
      for (const key of keys) ids.push(key.slice(key.indexOf('{c:') + 3, -1));
    } while (cursor !== '0');
    note(`${ids.length} customers placed; starting the service`);

    const run = cli(['run']);
    service = run;
    const started = performance.now();
    while (!run.log.some((l) => l.includes('"model loaded"')) || !run.log.some((l) => l.includes('"consuming"'))) {
      if (run.exitCode !== null) throw new Error(`insiders run exited:\n${run.log.slice(-20).join('\n')}`);
      if (performance.now() - started > 120_000) throw new Error('insiders run did not start in 120 s');
      await sleep(100);
    }
    // Wait for the group to settle (the refit process's consumer left it) and a first batch to pass.
    const producer = createProducer(kafka);
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: [order(ids[0]!, 'WARMUP-1', DATA_END_MS, 0)] });
    while ((await consumerLag(admin, group, topic)) > 0) await sleep(100);
    note(
      `measuring: ${rate} orders/s for ${seconds} s, a probe every ${probeEvery} orders, polling every ${pollMs} ms`,
    );

    const runTag = Date.now().toString(36);
    const probeId = (n: number) => `P${runTag}-${String(n).padStart(7, '0')}`;
    const producedAt = new Map<string, number>();
    /** wall clock at produce, and the row's version (the service's wall clock when it placed them, µs) */
    const producedWall = new Map<string, number>();
    const placedWall = new Map<string, number>();
    const visibleAt = new Map<string, number>();
    const pending = new Set<string>();
    let probes = 0;
    let sent = 0;
    let producing = true;
    const sendTimes: number[] = [];

    const pollPeriods: number[] = [];
    const pollDurations: number[] = [];
    let stopAt = Infinity;
    const poller = (async () => {
      let lastStart: number | undefined;
      while (producing || pending.size > 0) {
        const start = performance.now();
        if (lastStart !== undefined) pollPeriods.push(start - lastStart);
        lastStart = start;
        if (pending.size > 0) {
          const sortedPending = [...pending].sort();
          const result = await clickhouse.query({
            query: `SELECT customer_id, toString(version) AS version FROM current_customers
                    WHERE customer_id >= '${sortedPending[0]!}' AND customer_id <= '${sortedPending[sortedPending.length - 1]!}'
                      AND segment_id != 0`,
            format: 'JSONEachRow',
          });
          const rows = await result.json<{ customer_id: string; version: string }>();
          const end = performance.now();
          pollDurations.push(end - start);
          for (const r of rows) {
            if (pending.delete(r.customer_id)) {
              visibleAt.set(r.customer_id, end);
              placedWall.set(r.customer_id, Number(r.version) / 1000);
            }
          }
        }
        const wait = start + pollMs - performance.now();
        if (wait > 0) await sleep(wait);
        if (!producing && performance.now() - stopAt > 60_000) break;
      }
    })();

    const lags: number[] = [];
    const lagSampler = setInterval(() => {
      consumerLag(admin, group, topic).then(
        (lag) => lags.push(lag),
        () => undefined,
      );
    }, 1000);
    const cpu0 = {
      machine: machineCpuSeconds(),
      service: processCpuSeconds(run.pid!) ?? NaN,
      self: process.cpuUsage(),
    };
    const sweepsBefore = run.log.filter((l) => l.includes('"sweep done"')).length;
    const refitsBefore = run.log.filter((l) => l.includes('"refit done"')).length;
    const t0 = performance.now();
    let n = 0;
    while (performance.now() - t0 < seconds * 1000) {
      const tickStart = performance.now();
      const due = Math.floor(((tickStart - t0) * rate) / 1000) - sent;
      if (due > 0) {
        const messages: Message[] = [];
        const tickProbes: string[] = [];
        const atMs = DATA_END_MS + Math.round(tickStart - t0);
        for (let i = 0; i < due; i++, n++) {
          if (n % probeEvery === 0) {
            const id = probeId(probes++);
            tickProbes.push(id);
            messages.push(order(id, `LAT-${runTag}-${n}`, atMs, n));
          } else {
            const id = ids[Math.floor(Math.random() * ids.length)]!;
            messages.push(order(id, `LAT-${runTag}-${n}`, atMs, n));
          }
        }
        const at = performance.now();
        const wall = Date.now();
        for (const id of tickProbes) {
          producedAt.set(id, at);
          producedWall.set(id, wall);
          pending.add(id);
        }
        await producer.send({ topic, acks: -1, messages });
        sendTimes.push(performance.now() - at);
        sent += due;
      }
      const wait = tickStart + TICK_MS - performance.now();
      if (wait > 0) await sleep(wait);
    }
    const elapsed = (performance.now() - t0) / 1000;
    const cpu1 = {
      machine: machineCpuSeconds(),
      service: processCpuSeconds(run.pid!) ?? NaN,
      self: process.cpuUsage(cpu0.self),
    };
    producing = false;
    stopAt = performance.now();
    clearInterval(lagSampler);
    note(`sent ${sent} orders (${probes} probes) in ${elapsed.toFixed(1)} s; waiting for the last probes`);
    await poller;
    await producer.disconnect();
    const sweeps = run.log.filter((l) => l.includes('"sweep done"')).length - sweepsBefore;
    const refits = run.log.filter((l) => l.includes('"refit done"')).length - refitsBefore;

    const latencies = [...visibleAt].map(([id, at]) => at - producedAt.get(id)!).sort((a, b) => a - b);
    // Where the time goes, on the wall clock (both processes on this machine): produce -> placed
    // (Kafka, the consumer's batch, Redis, the placement) and placed -> visible (the sink's batch,
    // the insert, the poll).
    const toPlaced = [...placedWall].map(([id, at]) => at - producedWall.get(id)!).sort((a, b) => a - b);
    const placedToVisible = [...visibleAt]
      .map(([id, at]) => at - producedAt.get(id)! - (placedWall.get(id)! - producedWall.get(id)!))
      .sort((a, b) => a - b);
    const periods = [...pollPeriods].sort((a, b) => a - b);
    const durations = [...pollDurations].sort((a, b) => a - b);
    const sends = [...sendTimes].sort((a, b) => a - b);
    const result = {
      measurement: 'order-to-current_customers latency',
      targetRatePerSecond: rate,
      achievedRatePerSecond: round(sent / elapsed, 1),
      seconds: round(elapsed, 1),
      orders: sent,
      probes,
      probesVisible: latencies.length,
      probesNeverSeen: probes - latencies.length,
      latencyMs: {
        p50: round(quantile(latencies, 0.5)),
        p90: round(quantile(latencies, 0.9)),
        p99: round(quantile(latencies, 0.99)),
        max: round(latencies[latencies.length - 1] ?? NaN),
        mean: round(latencies.reduce((a, b) => a + b, 0) / latencies.length),
      },
      producedToPlacedMs: { p50: round(quantile(toPlaced, 0.5)), p99: round(quantile(toPlaced, 0.99)) },
      placedToVisibleMs: { p50: round(quantile(placedToVisible, 0.5)), p99: round(quantile(placedToVisible, 0.99)) },
      consumerLagSampledPerSecond: { max: Math.max(...lags, 0), last: lags[lags.length - 1] ?? null },
      pollPeriodMs: { p50: round(quantile(periods, 0.5), 1), p99: round(quantile(periods, 0.99), 1) },
      pollQueryMs: { p50: round(quantile(durations, 0.5), 1), p99: round(quantile(durations, 0.99), 1) },
      produceSendMs: { p50: round(quantile(sends, 0.5), 1), p99: round(quantile(sends, 0.99), 1) },
      sweepsDuringRun: sweeps,
      refitsDuringRun: refits,
      cores: {
        machineBusy: round((cpu1.machine - cpu0.machine) / elapsed, 2),
        service: round((cpu1.service - cpu0.service) / elapsed, 2),
        benchProcess: round((cpu1.self.user + cpu1.self.system) / 1e6 / elapsed, 2),
        // Kafka, Redis and ClickHouse serving this run, and whatever else the machine runs
        rest: round(
          (cpu1.machine - cpu0.machine - (cpu1.service - cpu0.service) - (cpu1.self.user + cpu1.self.system) / 1e6) /
            elapsed,
          2,
        ),
      },
      customersInDataSet: ids.length,
    };
    emit(result);
    const ms = (x: number) => `${fmt(x)} ms`;
    process.stdout.write(
      `\n${markdownTable(
        [
          'orders/s (target / achieved)',
          'probes seen',
          'p50',
          'p90',
          'p99',
          'max',
          'produced → placed p50 / p99',
          'poll period p50 / p99',
          'cores: service / rest of machine',
          'target p99',
        ],
        [
          [
            `${fmt(rate)} / ${result.achievedRatePerSecond}`,
            `${result.probesVisible} of ${probes}`,
            ms(result.latencyMs.p50),
            ms(result.latencyMs.p90),
            ms(result.latencyMs.p99),
            ms(result.latencyMs.max),
            `${fmt(result.producedToPlacedMs.p50)} / ${fmt(result.producedToPlacedMs.p99)} ms`,
            `${result.pollPeriodMs.p50} / ${result.pollPeriodMs.p99} ms`,
            `${result.cores.service} / ${result.cores.rest}`,
            '< 1,000 ms',
          ],
        ],
      )}\n`,
    );
  } finally {
    if (service && service.exitCode === null) {
      const exited = new Promise((resolve) => service!.once('close', resolve));
      service.kill('SIGTERM');
      await exited;
    }
    await admin.deleteTopics({ topics: [topic, `${topic}.dlq`, `${topic}.changes`] }).catch(() => undefined);
    await deleteGroups(admin, [group]);
    await admin.disconnect();
    await unlinkPrefix(redis, config.redis.keyPrefix);
    await redis.quit();
    await clickhouse.close();
    const server = createClickHouse(config.clickhouse, 'default');
    await server.command({ query: `DROP DATABASE IF EXISTS ${config.clickhouse.database}` }).catch(() => undefined);
    await server.close();
  }
}

await main();
