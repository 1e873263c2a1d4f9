// One benchmark run over a pre-filled topic: the raw Kafka ceiling, the service's consumer, Redis
// memory per customer and the Redis ceilings, all in the same run, then clean-up. real.ts and synthetic.ts fill the topic and call runWorkload.
import { mkdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Admin } from 'kafkajs';
import { Cluster } from 'ioredis';
import { createKafka, ensureTopics } from '../../src/infra/kafka.js';
import { createRedisClient, type RedisClient } from '../../src/infra/redis.js';
import { silentLogger } from '../../src/log.js';
import { scriptsDir } from '../../src/state/scripts.js';
import { stateKeys } from '../../src/state/keys.js';
import {
  benchConfig,
  deleteGroups,
  emit,
  fmt,
  markdownTable,
  memoryProfile,
  note,
  redisCeilings,
  round,
  runWorker,
  startOwnRedis,
  uniqueName,
  unlinkPrefix,
  usedMemory,
  type MemoryProfile,
  type WorkerResult,
} from './lib.js';

export interface Filled {
  /** events (Kafka messages) and their product lines in the topic */
  readonly events: number;
  readonly lines: number;
  readonly orders: number;
  readonly returns: number;
  readonly customers: number;
  readonly fillSeconds: number;
}

export interface WorkloadOptions {
  readonly workload: string;
  readonly partitions: number;
  /** fills the (already created) topic; not part of any measurement */
  readonly fill: (topic: string) => Promise<Filled>;
  /** customer keys MEMORY USAGE looks at: all when there are fewer */
  readonly memorySample: number;
  /**
   * When the service's consumer was stopped by maxSeconds (its hashes hold part of the year),
   * builds complete state for a sample of customers under `prefix` instead, through the same
   * StateStore: memory is then measured there. Returns how many customers it wrote.
   */
  readonly sampleState?: (redis: RedisClient, prefix: string) => Promise<number>;
  /** stop the service's consumer after this long; 0: consume the whole topic */
  readonly maxSeconds: number;
  /** rounds of every consumer, interleaved; the table shows the median round */
  readonly repeat: number;
  readonly skipRaw: boolean;
  readonly skipOurs: boolean;
  readonly skipRedisBenchmark: boolean;
  readonly redisBenchmarkRequests: number;
  readonly timeoutSeconds: number;
  /** run against a private redis-server (plain, or with AOF as production) instead of the stack's */
  readonly ownRedis?: 'plain' | 'aof';
  /** run against the stack's Redis Cluster (REDIS_CLUSTER_NODES in .stack/env) instead */
  readonly redisCluster?: boolean;
  /** write V8 CPU profiles of the consumer processes here */
  readonly cpuProfDir?: string;
}

const scaled = (x: number, per: number) => round(x / per, 1);

function workerLine(workload: string, r: WorkerResult): Record<string, unknown> {
  return { kind: 'consume', workload, ...r };
}

export async function runWorkload(o: WorkloadOptions): Promise<void> {
  const id = uniqueName('bi');
  const topic = `bench.ingest.${o.workload}.${id}`;
  const own = o.ownRedis === undefined ? undefined : await startOwnRedis(o.ownRedis === 'aof');
  // consume.ts inherits the environment: the workers use the same Redis.
  if (own !== undefined) process.env.REDIS_URL = own.url;
  if (o.redisCluster === true) {
    process.env.REDIS_URL = '';
    process.env.REDIS_CLUSTER_NODES = stackClusterNodes();
  }
  const config = benchConfig({});
  emit({
    kind: 'setup',
    workload: o.workload,
    redis:
      o.redisCluster === true
        ? `stack cluster ${process.env.REDIS_CLUSTER_NODES}`
        : own === undefined
          ? `stack ${config.redis.url}`
          : `own ${o.ownRedis}`,
  });
  const kafka = createKafka(config.kafka, silentLogger);
  const admin: Admin = kafka.admin();
  await admin.connect();
  const redis: RedisClient = createRedisClient(config.redis);
  await redis.connect();
  const groups: string[] = [];
  const prefixes: string[] = [];
  const results: { label: string; r: WorkerResult }[] = [];
  let memory: MemoryProfile | undefined;
  let usedDelta: number | undefined;
  let memorySource = '';
  let memoryEmitted = false;
  let ceilings: Record<string, number> | undefined;
  let filled: Filled | undefined;
  if (o.cpuProfDir !== undefined) mkdirSync(o.cpuProfDir, { recursive: true });
  const worker = async (mode: 'ours' | 'raw', label: string) => {
    const group = `${id}.${results.length}.${label.replace(/[^A-Za-z0-9]+/g, '-')}`;
    const prefix = `bench:${id}:${results.length}`;
    groups.push(group);
    prefixes.push(prefix);
    note(`${o.workload}: consuming with ${label}`);
    const r = await runWorker({
      mode,
      topic,
      group,
      prefix,
      expect: filled?.events ?? 0,
      lines: filled?.lines ?? 0,
      timeoutSeconds: o.timeoutSeconds,
      maxSeconds: mode === 'raw' ? 0 : o.maxSeconds,
      ...(o.cpuProfDir === undefined ? {} : { cpuProfDir: o.cpuProfDir }),
    });
    emit(workerLine(o.workload, r));
    results.push({ label, r });
    return { r, prefix };
  };

  try {
    await ensureTopics(admin, [{ topic, numPartitions: o.partitions }]);
    note(`${o.workload}: filling ${topic} (${o.partitions} partitions); not measured`);
    filled = await o.fill(topic);
    emit({ kind: 'fill', workload: o.workload, topic, partitions: o.partitions, ...filled });

    // Rounds interleave the consumers, so a burst of other load on the machine hits all of them;
    // the table shows the median round. Memory is measured after the first round of ours.
    for (let pass = 0; pass < o.repeat; pass++) {
      if (!o.skipRaw) await worker('raw', 'raw kafkajs (ceiling)');
      if (!o.skipOurs) {
        const before = await usedMemory(redis);
        const { r, prefix } = await worker('ours', 'OrderConsumer (src)');
        const after = await usedMemory(redis);
        if (memory === undefined && r.complete) {
          memory = await memoryProfile(redis, stateKeys(prefix, 1).customerPattern, o.memorySample);
          usedDelta = after - before;
          memorySource = 'the service consumer run';
        }
        await unlinkPrefix(redis, prefix);
        if (memory === undefined && !r.complete && o.sampleState !== undefined) {
          note(`${o.workload}: consumer stopped early; building complete state for sampled customers`);
          const samplePrefix = `bench:${id}:sample`;
          prefixes.push(samplePrefix);
          const before2 = await usedMemory(redis);
          const n = await o.sampleState(redis, samplePrefix);
          const after2 = await usedMemory(redis);
          memory = await memoryProfile(redis, stateKeys(samplePrefix, 1).customerPattern, o.memorySample);
          usedDelta = after2 - before2;
          memorySource = `${n} sampled customers, all their events applied by StateStore`;
          await unlinkPrefix(redis, samplePrefix);
        }
        if (memory !== undefined && usedDelta !== undefined && !memoryEmitted) {
          memoryEmitted = true;
          emit({
            kind: 'memory',
            workload: o.workload,
            source: memorySource,
            ...memory,
            usedMemoryDelta: usedDelta,
            usedMemoryPerCustomer: Math.round(usedDelta / Math.max(1, memory.customers)),
          });
        }
      }
    }
    if (!o.skipRedisBenchmark && !(redis instanceof Cluster)) {
      note(`${o.workload}: redis-benchmark ceilings`);
      ceilings = await redisCeilings(redis, config.redis.url, {
        requests: o.redisBenchmarkRequests,
        scriptRequests: Math.min(o.redisBenchmarkRequests, 200_000),
        prefix: `bench:${id}:rb`,
        applyEventsLua: await readFile(`${scriptsDir}apply-events.lua`, 'utf8'),
        skusPerOrder: Math.max(1, Math.round(filled.lines / Math.max(1, filled.events))),
      });
      emit({ kind: 'redis-ceiling', workload: o.workload, requests: o.redisBenchmarkRequests, rps: ceilings });
    }
  } finally {
    note(`${o.workload}: cleaning up topic, groups and keys`);
    for (const prefix of prefixes) await unlinkPrefix(redis, prefix).catch(() => undefined);
    await admin.deleteTopics({ topics: [topic, `${topic}.dlq`] }).catch(() => undefined);
    await deleteGroups(admin, groups);
    await redis.quit();
    await admin.disconnect();
    await own?.stop();
  }

  // ---------------------------------------------------------------- the table
  // With other load on the machine, the median round says what to expect there and the best
  // round what the code does when it has the cores to itself.
  const labels = [...new Set(results.map((x) => x.label))];
  const rounds = (label: string): WorkerResult[] =>
    results
      .filter((x) => x.label === label)
      .map((x) => x.r)
      .sort((a, b) => a.steadyEventsPerSecond - b.steadyEventsPerSecond);
  const median = (label: string): WorkerResult | undefined => {
    const rs = rounds(label);
    return rs[Math.floor((rs.length - 1) / 2)];
  };
  const best = (label: string): WorkerResult | undefined => rounds(label).at(-1);
  const rawLabel = 'raw kafkajs (ceiling)';
  const raw = median(rawLabel);
  const rawBest = best(rawLabel);
  const share = (a: WorkerResult | undefined, b: WorkerResult | undefined) =>
    a === undefined || b === undefined
      ? '–'
      : `${Math.round((100 * a.steadyEventsPerSecond) / b.steadyEventsPerSecond)} %`;
  const rows: string[][] = [];
  for (const label of labels) {
    const r = median(label);
    const top = best(label);
    if (r === undefined || top === undefined) continue;
    rows.push([
      r.complete ? label : `${label} (stopped after ${fmt(r.messages)} events)`,
      String(rounds(label).length),
      fmt(r.eventsPerSecond),
      `${fmt(r.steadyEventsPerSecond)} / ${fmt(top.steadyEventsPerSecond)}`,
      `${fmt(r.steadyLinesPerSecond)} / ${fmt(top.steadyLinesPerSecond)}`,
      `${share(r, raw)} / ${share(top, rawBest)}`,
      `${r.totalSeconds} / ${r.lagZeroSeconds ?? '–'} / ${r.firstBatchSeconds}`,
      `${scaled(r.cpu.node * 1e6, r.messages)} / ${scaled(r.cpu.redis * 1e6, r.messages)} / ${
        r.cpu.kafka === undefined ? '–' : scaled(r.cpu.kafka * 1e6, r.messages)
      }`,
      String(round(r.cpu.others / r.totalSeconds, 2)),
    ]);
  }
  const out: string[] = [
    '',
    `### ${o.workload}: ${fmt(filled?.events)} events (${fmt(filled?.orders)} orders, ${fmt(filled?.returns)} returns), ` +
      `${fmt(filled?.lines)} lines, ${fmt(filled?.customers)} customers, ${o.partitions} partitions`,
    '',
    markdownTable(
      [
        'consumer (one process)',
        'rounds',
        'events/s end-to-end (median)',
        'events/s steady: median / best',
        'lines/s steady: median / best',
        'of raw: median / best',
        's (median): all applied / lag 0 / first batch',
        'CPU µs per event (median): node / redis / kafka',
        "others' load (median), cores",
      ],
      rows,
    ),
  ];
  if (memory !== undefined && usedDelta !== undefined) {
    out.push(
      '',
      markdownTable(
        [`Redis memory per customer (${memorySource})`, 'bytes'],
        [
          [`MEMORY USAGE median (${fmt(memory.sampled)} of ${fmt(memory.customers)} keys)`, fmt(memory.medianBytes)],
          ['MEMORY USAGE mean', fmt(memory.meanBytes)],
          ['MEMORY USAGE p90 / max', `${fmt(memory.p90Bytes)} / ${fmt(memory.maxBytes)}`],
          ['INFO used_memory delta / customers', fmt(usedDelta / Math.max(1, memory.customers))],
          ['hashes in listpack encoding', `${round(memory.listpackShare * 100, 1)} %`],
          [
            'median customer: fields e: / p: / d: / other',
            ['e', 'p', 'd', 'other'].map((k) => memory?.medianCustomer.fields[k] ?? 0).join(' / '),
          ],
        ],
      ),
    );
  }
  if (ceilings !== undefined) {
    out.push(
      '',
      markdownTable(
        ['Redis ceiling (redis-benchmark -P 16)', 'requests/s'],
        Object.entries(ceilings).map(([k, v]) => [k, fmt(v)]),
      ),
    );
  }
  process.stdout.write(`${out.join('\n')}\n`);
  note('done');
}

/** `--cpu-prof [DIR]`: where V8 CPU profiles of the consumer processes go. */
export function profileDir(flag: string | undefined): string {
  return flag === undefined || flag === 'true' ? 'bench/results/profiles' : flag;
}

/** The stack's Redis Cluster nodes (the REDIS_CLUSTER_NODES line `scripts/stack up` writes to .stack/env). */
function stackClusterNodes(): string {
  if (process.env.REDIS_CLUSTER_NODES) return process.env.REDIS_CLUSTER_NODES;
  const line = /^REDIS_CLUSTER_NODES=(.+)$/m.exec(readFileSync(new URL('../../.stack/env', import.meta.url), 'utf8'));
  if (line?.[1] === undefined) throw new Error('no Redis Cluster in .stack/env: run scripts/stack up');
  return line[1];
}
