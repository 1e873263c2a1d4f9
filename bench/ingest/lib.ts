// Shared pieces of the ingest benchmark: configuration, unique names, clean-up, CPU accounting,
// the Redis ceiling (redis-benchmark), Redis memory per customer, the consumer worker runner and
// the output (JSON lines on stdout, a markdown table at the end). Not a test: nothing here asserts.
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Admin, KafkaMessage } from 'kafkajs';
import { Cluster, type Redis } from 'ioredis';
import { masters, type RedisClient } from '../../src/infra/redis.js';
import { loadConfig, type Config } from '../../src/config.js';
import { topicOffsets } from '../../src/consumers/lag.js';
import { EARLIEST_EVENT_MS, MAX_FUTURE_MS, type DecodeOptions } from '../../src/events/decode.js';
import type { CheckoutEvent } from '../../src/events/schema.js';
import { readOnlineRetail } from '../../src/replay/online-retail.js';
import { toMessage } from '../../src/replay/publish.js';
import { stateKeys } from '../../src/state/keys.js';

const run = promisify(execFile);

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** The bundled UCI Online Retail export (data/README.md), the default input of the real-data runs. */
export const bundledDataSet = path.join(repoRoot, 'data', 'online-retail.csv.gz');

/** A name no other run uses; the bench owns (and removes) every topic, group and key prefix it names. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}

/** The stack's connection settings: the environment, else `.stack/env`, else the defaults. */
export function stackEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  try {
    for (const line of readFileSync(new URL('../../.stack/env', import.meta.url), 'utf8').split('\n')) {
      const m = /^export ([A-Z_]+)=(.*)$/.exec(line.trim());
      if (m?.[1] !== undefined) env[m[1]] = m[2] ?? '';
    }
  } catch {
    // no .stack/env: defaults or the environment
  }
  // REDIS_URL may be set empty (with REDIS_CLUSTER_NODES: the stack's Redis Cluster instead)
  for (const key of ['KAFKA_BROKERS', 'REDIS_URL', 'REDIS_CLUSTER_NODES']) {
    const value = process.env[key];
    if (value !== undefined) env[key] = value;
  }
  return env;
}

export function benchConfig(overrides: Record<string, string>): Config {
  return loadConfig({ ...stackEnv(), LOG_LEVEL: 'warn', ...overrides });
}

/** One JSON line on stdout: every measured number is printed this way. */
export function emit(record: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(record)}\n`);
}

export function note(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

/** Command-line flags as `--name value` or `--name=value` pairs (and bare `--flag` as "true"). */
export function parseFlags(argv: readonly string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (!arg.startsWith('--')) throw new Error(`unexpected argument ${arg}`);
    const eq = arg.indexOf('=');
    if (eq > 0) {
      flags.set(arg.slice(2, eq), arg.slice(eq + 1));
      continue;
    }
    const next = argv[i + 1];
    if (next === undefined || next.startsWith('--')) flags.set(arg.slice(2), 'true');
    else {
      flags.set(arg.slice(2), next);
      i++;
    }
  }
  return flags;
}

/** The value after `--name` on the command line, else `fallback`: the model and report benches' flags. */
export function flag(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && process.argv[at + 1] !== undefined ? process.argv[at + 1]! : fallback;
}

export function numberFlag(flags: Map<string, string>, name: string, fallback: number): number {
  const v = flags.get(name);
  if (v === undefined) return fallback;
  const n = Number(v.replace(/_/g, ''));
  if (!Number.isFinite(n)) throw new Error(`--${name}: expected a number, got ${v}`);
  return n;
}

/** Messages in the topic (high - low watermark over all partitions). */
export async function topicMessages(admin: Admin, topic: string): Promise<number> {
  let n = 0;
  for (const p of await topicOffsets(admin, topic)) n += Number(p.high) - Number(p.low);
  return n;
}

/** UNLINKs every key under the prefix, found by SCAN; returns how many. */
export async function unlinkPrefix(redis: RedisClient, prefix: string): Promise<number> {
  let removed = 0;
  for (const node of masters(redis)) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 10_000);
      cursor = next;
      if (keys.length === 0) continue;
      if (node === redis) {
        removed += await node.unlink(...keys);
      } else {
        // a cluster node's keys span many slots: one UNLINK each
        const p = node.pipeline();
        for (const key of keys) p.unlink(key);
        for (const [, n] of (await p.exec()) ?? []) removed += Number(n);
      }
    } while (cursor !== '0');
  }
  return removed;
}

export async function deleteGroups(admin: Admin, groups: readonly string[]): Promise<void> {
  await admin.deleteGroups([...groups]).catch(() => undefined);
}

// ------------------------------------------------------------------------------------ CPU

/** CPU seconds (user + system) a process has used, from /proc; undefined where unreadable. */
export function processCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[11], fields[12]: utime, stime in clock ticks (field 14 and 15 of stat(5))
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** CPU seconds the whole machine has been busy (all cores, /proc/stat): others' load shows here. */
export function machineCpuSeconds(): number {
  const [, ...ticks] = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/);
  const t = ticks.map(Number);
  const idle = (t[3] ?? 0) + (t[4] ?? 0);
  return (t.slice(0, 8).reduce((s, v) => s + v, 0) - idle) / 100;
}

export function kafkaBrokerPid(): number | undefined {
  try {
    return Number(readFileSync(new URL('../../.stack/kafka/pid', import.meta.url), 'utf8').trim());
  } catch {
    return undefined;
  }
}

/** Redis server CPU seconds so far (INFO cpu), summed over a cluster's masters. */
export async function redisCpuSeconds(redis: RedisClient): Promise<number> {
  let seconds = 0;
  for (const node of masters(redis)) {
    const info = await node.info('cpu');
    const get = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
    seconds += get('used_cpu_user') + get('used_cpu_sys');
  }
  return seconds;
}

/** calls and microseconds per command (INFO commandstats); diff two to see what a run cost Redis. */
export async function commandStats(redis: RedisClient): Promise<Map<string, { calls: number; usec: number }>> {
  const stats = new Map<string, { calls: number; usec: number }>();
  for (const node of masters(redis)) {
    for (const m of (await node.info('commandstats')).matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm)) {
      const seen = stats.get(m[1] ?? '') ?? { calls: 0, usec: 0 };
      stats.set(m[1] ?? '', { calls: seen.calls + Number(m[2]), usec: seen.usec + Number(m[3]) });
    }
  }
  return stats;
}

export function diffCommandStats(
  before: Map<string, { calls: number; usec: number }>,
  after: Map<string, { calls: number; usec: number }>,
): Record<string, { calls: number; usec: number }> {
  const out: Record<string, { calls: number; usec: number }> = {};
  for (const [name, a] of after) {
    const b = before.get(name) ?? { calls: 0, usec: 0 };
    if (a.calls > b.calls) out[name] = { calls: a.calls - b.calls, usec: a.usec - b.usec };
  }
  return out;
}

// ------------------------------------------------------------------------------------ own Redis

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

/**
 * A private redis-server (the same binary as the stack's) on a free loopback port, so that INFO
 * memory, INFO cpu and commandstats count this bench alone. `aof`: appendonly yes, appendfsync
 * everysec, as docker-compose.yml runs production. Stopped by its PID.
 */
export async function startOwnRedis(aof: boolean): Promise<{ url: string; stop: () => Promise<void> }> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-redis-'));
  const child = spawn(
    'redis-server',
    [
      ...['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', ''],
      ...(aof ? ['--appendonly', 'yes', '--appendfsync', 'everysec'] : ['--appendonly', 'no']),
    ],
    { stdio: 'ignore' },
  );
  const url = `redis://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      await run('redis-cli', ['-p', String(port), 'ping']);
      break;
    } catch (err) {
      if (i > 50) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    url,
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// ------------------------------------------------------------------------------------ Redis ceiling

/** Runs `redis-benchmark -q ...` and parses its "NAME: N requests per second" lines. */
export async function redisBenchmark(redisUrl: string, args: readonly string[]): Promise<Record<string, number>> {
  const url = new URL(redisUrl);
  const { stdout } = await run('redis-benchmark', ['-h', url.hostname, '-p', url.port || '6379', '-q', ...args], {
    maxBuffer: 16 * 1024 * 1024,
    timeout: 300_000,
  });
  const rps: Record<string, number> = {};
  // -q prints progress with \r; the final value follows the last \r of each line.
  for (const raw of stdout.split('\n')) {
    const line = raw.slice(raw.lastIndexOf('\r') + 1);
    const m = /^(.+?): ([\d.]+) requests per second/.exec(line.trim());
    if (m?.[1] !== undefined) rps[m[1]] = Number(m[2]);
  }
  return rps;
}

/**
 * The Redis ceilings: plain SET and HSET (-P 16, 1M requests), EVALSHA of a trivial script, and
 * EVALSHA of src's apply-events.lua with an order of the workload's mean size on random customers,
 * one event per call: what Redis alone can apply (src's batched calls pay the per-call cost once per
 * 200 events, so they do somewhat better). redis-benchmark's
 * default keys ("key:__rand_int__", "myhash") are removed afterwards when they did not exist before.
 */
export async function redisCeilings(
  redis: Redis,
  redisUrl: string,
  options: {
    requests: number;
    /** requests for the script tests (a Lua script runs ~30x slower than SET) */
    scriptRequests: number;
    prefix: string;
    /** src's apply-events.lua, given one event per call here */
    applyEventsLua: string;
    skusPerOrder: number;
  },
): Promise<Record<string, number>> {
  const existed = await redis.exists('key:__rand_int__', 'myhash');
  const out: Record<string, number> = {};
  Object.assign(out, await redisBenchmark(redisUrl, ['-P', '16', '-n', String(options.requests), '-t', 'set,hset']));
  const n = String(options.scriptRequests);
  const trivial = await redis.script('LOAD', "return redis.call('SET', KEYS[1], ARGV[1])");
  const trivialRps = await redisBenchmark(redisUrl, [
    ...['-P', '16', '-n', n, '-r', '1000000'],
    ...['evalsha', String(trivial), '1', `${options.prefix}:t:__rand_int__`, 'x'],
  ]);
  out['EVALSHA trivial (SET)'] = Object.values(trivialRps)[0] ?? NaN;
  const skus = Array.from({ length: options.skusPerOrder }, (_, i) => `2${String(i).padStart(4, '0')}`);
  const sha = String(await redis.script('LOAD', options.applyEventsLua));
  // The call StateStore.applyBatch makes (see apply-events.lua's header), with one event: random
  // customers among 1M of one shard and random 24-digit digests, so each call applies a new order
  // (at 2011-01-01) to a mostly fresh hash.
  const keys = stateKeys(options.prefix, 1).shard(0);
  const event = [
    ...['evalsha', sha, '4', keys.guestStats, keys.guestSeen, keys.due, keys.customer('__rand_int__')],
    ...['365', String(keys.customer('').length)],
    ...['o', '__rand_int____rand_int__', '1293840000000', String(skus.length), '12', '30600'],
    ...[String(skus.length), ...skus],
  ];
  const rps = await redisBenchmark(redisUrl, ['-P', '16', '-n', n, '-r', '1000000', ...event]);
  out[`EVALSHA apply-events (src), one event per call (${options.skusPerOrder} skus)`] = Object.values(rps)[0] ?? NaN;
  if (existed === 0) await redis.unlink('key:__rand_int__', 'myhash');
  await unlinkPrefix(redis, options.prefix);
  return out;
}

// ------------------------------------------------------------------------------------ memory

export interface MemoryProfile {
  readonly customers: number;
  readonly sampled: number;
  readonly medianBytes: number;
  readonly meanBytes: number;
  readonly p90Bytes: number;
  readonly maxBytes: number;
  /** share of sampled customer hashes still in the compact listpack encoding */
  readonly listpackShare: number;
  /** median fields per customer hash, and their split by kind (e: events, p: products, d: days) */
  readonly medianFields: number;
  readonly meanFieldsByKind: Record<string, number>;
  /** the customer at the median bytes: its fields by kind */
  readonly medianCustomer: { bytes: number; fields: Record<string, number>; encoding: string };
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

/** Every customer key under the prefix (SCAN). */
export async function customerKeys(redis: RedisClient, pattern: string): Promise<string[]> {
  const keys: string[] = [];
  for (const node of masters(redis)) {
    let cursor = '0';
    do {
      const [next, page] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 10_000);
      cursor = next;
      keys.push(...page);
    } while (cursor !== '0');
  }
  return keys;
}

/**
 * MEMORY USAGE (SAMPLES 0: every field counted) of every customer key, or of a deterministic
 * sample of `sample` keys, with field counts by kind.
 */
export async function memoryProfile(redis: RedisClient, pattern: string, sample: number): Promise<MemoryProfile> {
  const all = await customerKeys(redis, pattern);
  all.sort();
  const step = all.length <= sample ? 1 : all.length / sample;
  const keys: string[] = [];
  for (let i = 0; i < all.length && keys.length < sample; i++) {
    const key = all[Math.floor(i * step)];
    if (key === undefined) break;
    keys.push(key);
  }
  const rows: { bytes: number; fields: Record<string, number>; encoding: string }[] = [];
  for (let i = 0; i < keys.length; i += 500) {
    const page = keys.slice(i, i + 500);
    // one key at a time on a cluster (a pipeline there must stay within one slot)
    const replies: [Error | null, unknown][] = [];
    for (const run of redis instanceof Cluster ? page.map((key) => [key]) : [page]) {
      const p = redis.pipeline();
      for (const key of run) {
        p.call('MEMORY', 'USAGE', key, 'SAMPLES', '0');
        p.object('ENCODING', key);
        p.hkeys(key);
      }
      replies.push(...((await p.exec()) ?? []));
    }
    for (let j = 0; j < page.length; j++) {
      const bytes = Number(replies[j * 3]?.[1]);
      const encoding = String(replies[j * 3 + 1]?.[1]);
      const fields: Record<string, number> = { e: 0, p: 0, d: 0, other: 0 };
      for (const f of (replies[j * 3 + 2]?.[1] as string[] | undefined) ?? []) {
        const kind = f[1] === ':' && (f[0] === 'e' || f[0] === 'p' || f[0] === 'd') ? f[0] : 'other';
        fields[kind] = (fields[kind] ?? 0) + 1;
      }
      rows.push({ bytes, fields, encoding });
    }
  }
  rows.sort((a, b) => a.bytes - b.bytes);
  const bytes = rows.map((r) => r.bytes);
  const fieldCounts = rows.map((r) => Object.values(r.fields).reduce((s, v) => s + v, 0)).sort((a, b) => a - b);
  const meanFieldsByKind: Record<string, number> = {};
  for (const r of rows)
    for (const [k, v] of Object.entries(r.fields)) meanFieldsByKind[k] = (meanFieldsByKind[k] ?? 0) + v;
  for (const k of Object.keys(meanFieldsByKind))
    meanFieldsByKind[k] = round((meanFieldsByKind[k] ?? 0) / rows.length, 1);
  return {
    customers: all.length,
    sampled: rows.length,
    medianBytes: quantile(bytes, 0.5),
    meanBytes: Math.round(bytes.reduce((s, b) => s + b, 0) / Math.max(1, bytes.length)),
    p90Bytes: quantile(bytes, 0.9),
    maxBytes: bytes[bytes.length - 1] ?? NaN,
    listpackShare: round(rows.filter((r) => r.encoding === 'listpack').length / Math.max(1, rows.length), 4),
    medianFields: quantile(fieldCounts, 0.5),
    meanFieldsByKind,
    medianCustomer: rows[Math.floor(rows.length / 2)] ?? { bytes: NaN, fields: {}, encoding: '' },
  };
}

export async function usedMemory(redis: RedisClient): Promise<number> {
  let bytes = 0;
  for (const node of masters(redis)) bytes += Number(/^used_memory:(\d+)/m.exec(await node.info('memory'))?.[1] ?? NaN);
  return bytes;
}

export function round(x: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

// ------------------------------------------------------------------------------------ worker

/** What consume.ts prints as its final JSON line. */
export interface WorkerResult {
  readonly mode: string;
  readonly variant: string;
  /** false when --max-seconds stopped the consumer before the end of the topic */
  readonly complete: boolean;
  /** messages handled (all of the topic when complete) and their lines */
  readonly messages: number;
  readonly lines: number;
  /** consumer.start() (or connect) until every message of the topic was applied / read */
  readonly totalSeconds: number;
  /** start until the group's committed offsets reached the end of every partition (null: not complete) */
  readonly lagZeroSeconds: number | null;
  /** start until the first batch reached the handler: group join + first fetch */
  readonly firstBatchSeconds: number;
  /** first batch until the last: the steady-state interval */
  readonly steadySeconds: number;
  readonly eventsPerSecond: number;
  readonly steadyEventsPerSecond: number;
  readonly linesPerSecond: number;
  readonly steadyLinesPerSecond: number;
  readonly batches: number;
  readonly meanBatchMessages: number;
  /** CPU seconds over the measured interval; `others`: the rest of the machine (other users' load) */
  readonly cpu: {
    readonly node: number;
    readonly redis: number;
    readonly kafka: number | undefined;
    readonly machine: number;
    readonly others: number;
  };
  readonly counts?: Record<string, number>;
  readonly redisCommands?: Record<string, { calls: number; usec: number }>;
}

export interface WorkerOptions {
  readonly mode: 'ours' | 'raw';
  readonly topic: string;
  readonly group: string;
  readonly prefix: string;
  readonly expect: number;
  readonly lines: number;
  readonly timeoutSeconds: number;
  /** stop after this long (0: consume the whole topic) */
  readonly maxSeconds?: number;
  /** write a V8 CPU profile of the worker into this directory */
  readonly cpuProfDir?: string;
}

/** Runs bench/ingest/consume.ts in its own process (one consumer process) and returns its result. */
export async function runWorker(options: WorkerOptions): Promise<WorkerResult> {
  const script = fileURLToPath(new URL('./consume.ts', import.meta.url));
  const args = [
    '--import',
    'tsx',
    ...(options.cpuProfDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', options.cpuProfDir]),
    script,
    ...['--mode', options.mode, '--topic', options.topic, '--group', options.group, '--prefix', options.prefix],
    ...['--expect', String(options.expect), '--lines', String(options.lines)],
    ...['--timeout', String(options.timeoutSeconds), '--max-seconds', String(options.maxSeconds ?? 0)],
  ];
  const child = spawn(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => (out += chunk));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const last = out.trim().split('\n').pop() ?? '';
  if (code !== 0) throw new Error(`consume.ts ${options.mode} exited with ${code}: ${out.slice(-2000)}`);
  return JSON.parse(last) as WorkerResult;
}

// ------------------------------------------------------------------------------------ events

/** The decode settings of the benchmarks that decode without a consumer (the service's defaults). */
export function benchDecodeOptions(): DecodeOptions {
  return {
    maxBytes: 1024 * 1024,
    currency: 'GBP',
    earliestMs: EARLIEST_EVENT_MS,
    maxFutureMs: MAX_FUTURE_MS,
    wallClockMs: Date.now(),
  };
}

/** An event as a consumer receives it from Kafka: the replayer's key and value, at `offset`. */
export function consumedMessage(event: CheckoutEvent, offset: number): KafkaMessage {
  const m = toMessage(event);
  return {
    key: Buffer.from(String(m.key)),
    value: Buffer.from(String(m.value)),
    timestamp: '0',
    attributes: 0,
    offset: String(offset),
    headers: {},
  };
}

/** Every event of an Online Retail export, as `insiders replay` publishes them. */
export async function readRealEvents(file: string): Promise<CheckoutEvent[]> {
  const events: CheckoutEvent[] = [];
  for await (const item of readOnlineRetail(file, { currency: 'GBP' }))
    if (item.kind === 'event') events.push(item.event);
  return events;
}

// ------------------------------------------------------------------------------------ table

export function fmt(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return '–';
  return Math.round(n).toLocaleString('en-GB');
}

export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
