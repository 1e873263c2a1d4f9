// `insiders run` in a process of its own for the tests: its environment from a Config, the HTTP
// port it picked (HTTP_PORT=0) read from its "http listening" log line, and a clean stop; for the
// fault tests, which kill and restart it, its parsed logs and the state it leaves, read back for
// comparison with another run.
import { inject } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import type { Config } from '../../src/config.js';
import { createClickHouse } from '../../src/infra/clickhouse.js';
import { masters, type RedisClient } from '../../src/infra/redis.js';
import { keysOf } from './state.js';
import { exited, spawnCli } from './cli.js';
import { waitFor } from './wait.js';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';

/** The Redis a child process should use: `config`'s single Redis, or its cluster's seed nodes. */
export function redisEnv(config: Config): Record<string, string> {
  const cluster = config.redis.cluster;
  return cluster === undefined
    ? { REDIS_URL: config.redis.url }
    : { REDIS_URL: '', REDIS_CLUSTER_NODES: cluster.nodes.map((n) => `${n.host}:${n.port}`).join(',') };
}

/** Every setting `config` was made from that the service reads, for a child process. */
export function serviceEnv(config: Config, extra: Record<string, string> = {}): Record<string, string> {
  const stack = inject('stackEnv');
  return {
    ...Object.fromEntries(Object.entries(stack).filter((e): e is [string, string] => e[1] !== undefined)),
    KAFKA_BROKERS: config.kafka.brokers.join(','),
    ORDERS_TOPIC: config.kafka.ordersTopic,
    DEAD_LETTER_TOPIC: config.kafka.deadLetterTopic,
    SEGMENT_CHANGES_TOPIC: config.model.changesTopic,
    CONSUMER_GROUP: config.kafka.consumerGroup,
    ORDERS_PARTITIONS: String(config.kafka.ordersPartitions),
    KAFKA_RETRIES: String(config.kafka.retries),
    KAFKA_SESSION_TIMEOUT_MS: String(config.kafka.sessionTimeoutMs),
    ...redisEnv(config),
    REDIS_KEY_PREFIX: config.redis.keyPrefix,
    CLICKHOUSE_URL: config.clickhouse.url,
    CLICKHOUSE_DATABASE: config.clickhouse.database,
    REFIT_INTERVAL_MS: String(config.model.refitIntervalMs),
    SWEEP_INTERVAL_MS: String(config.model.sweepIntervalMs),
    LEASE_TTL_MS: String(config.model.leaseTtlMs),
    ...(config.model.k === undefined ? {} : { MODEL_K: String(config.model.k) }),
    HTTP_PORT: '0',
    HTTP_ADMIN_TOKEN: ADMIN_TOKEN,
    LOG_LEVEL: 'info',
    ...extra,
  };
}

export interface ServiceProcess {
  readonly child: ChildProcess & { output: () => string };
  /** http://127.0.0.1:<port> */
  readonly base: string;
  /** POST /refit with the admin token */
  refit(): Promise<Response>;
}

/** Starts `insiders run <args>` with serviceEnv(config) and resolves once its HTTP API listens. */
export async function startServiceProcess(config: Config, args: string[] = []): Promise<ServiceProcess> {
  const child = spawnCli(['run', ...args], serviceEnv(config));
  const port = await waitFor(
    () => {
      if (child.exitCode !== null) throw new Error(`insiders run exited early:\n${child.output()}`);
      for (const line of child.output().split('\n')) {
        if (!line.includes('"http listening"')) continue;
        return (JSON.parse(line) as { port: number }).port;
      }
      return undefined;
    },
    { timeoutMs: 60_000, intervalMs: 100, what: 'insiders run to listen' },
  ).catch((err: unknown) => {
    child.kill('SIGKILL');
    throw new Error(`${String(err)}\n${child.output()}`);
  });
  const base = `http://127.0.0.1:${port}`;
  const refit = () => fetch(`${base}/refit`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  return { child, base, refit };
}

/** SIGTERM, then the exit code (or the signal, when it did not exit by itself). */
export async function stopServiceProcess(service: ServiceProcess): Promise<number | NodeJS.Signals> {
  service.child.kill('SIGTERM');
  return exited(service.child);
}

/** A service process the fault tests watch through its logs and kill. */
export interface ServiceChild {
  readonly pid: number;
  /** the JSON log lines so far, parsed (lines that are not JSON are skipped) */
  logs(): Record<string, unknown>[];
  output(): string;
  /** Waits for a log line whose `msg` is `msg` (and which `match` accepts). */
  waitForLog(
    msg: string,
    options?: { timeoutMs?: number; match?: (line: Record<string, unknown>) => boolean },
  ): Promise<void>;
  /** Messages of the orders topic this process has handled so far ('batch applied' lines). */
  messagesHandled(): number;
  exited(): Promise<number | NodeJS.Signals>;
  kill(signal: NodeJS.Signals): void;
}

export function spawnService(env: Record<string, string>, command: string[] = ['run']): ServiceChild {
  const child = spawnCli(command, env);
  const exit = new Promise<number | NodeJS.Signals>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 0)),
  );
  const parsed: Record<string, unknown>[] = [];
  let partial = '';
  child.stderr!.on('data', (d: Buffer) => {
    const lines = (partial + d.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      try {
        parsed.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // not a log line
      }
    }
  });
  return {
    pid: child.pid!,
    logs: () => parsed,
    output: () => child.output(),
    async waitForLog(msg, options = {}) {
      await waitFor(() => parsed.some((l) => l.msg === msg && (options.match?.(l) ?? true)), {
        timeoutMs: options.timeoutMs ?? 120_000,
        intervalMs: 20,
        what: `the service to log "${msg}"`,
      }).catch((err: unknown) => {
        throw new Error(`${(err as Error).message}\n${child.output().slice(-4000)}`);
      });
    },
    messagesHandled: () =>
      parsed.reduce((n, l) => n + (l.msg === 'batch applied' && typeof l.messages === 'number' ? l.messages : 0), 0),
    exited: () => exit,
    kill: (signal) => child.kill(signal),
  };
}

/**
 * Every Redis key of a prefix with its whole content (hash fields sorted), keyed without the
 * prefix, except the leases and their fencing counters, and the outbox entry counters: a lease
 * holds a random token, the fencing counter counts acquisitions, which every restart adds to, and an
 * outbox counter counts the calls that recorded changes, which depends on how a killed pass's
 * customers were batched when placed again. None of them is state. (The outboxes themselves are
 * compared: both are empty once every change is published.)
 */
export async function redisState(
  redis: RedisClient,
  config: Pick<Config, 'redis' | 'state' | 'kafka'>,
): Promise<Map<string, string>> {
  const prefix = config.redis.keyPrefix;
  const keys = keysOf(config);
  const leases = new Set([keys.refitLock, keys.fence, keys.storedFence]);
  for (let s = 0; s < keys.shards; s++) leases.add(keys.shard(s).lease).add(keys.shard(s).outboxSeq);
  const out = new Map<string, string>();
  for (const node of masters(redis)) {
    let cursor = '0';
    do {
      const [next, found] = await node.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 5000);
      cursor = next;
      for (const key of found) {
        if (leases.has(key)) continue;
        const type = await node.type(key);
        const value =
          type === 'hash'
            ? Object.entries(await node.hgetall(key)).sort()
            : type === 'zset'
              ? await node.zrange(key, '0', '-1', 'WITHSCORES')
              : await node.get(key);
        out.set(key.slice(prefix.length), JSON.stringify(value));
      }
    } while (cursor !== '0');
  }
  return out;
}

/**
 * What differs between two dumps, key by key (at most `max` keys): for hashes, the fields whose
 * values differ, as `field: expected -> actual`; otherwise both values.
 */
export function differingKeys(expected: Map<string, string>, actual: Map<string, string>, max = 5): string[] {
  const keys = [...new Set([...expected.keys(), ...actual.keys()])].filter((k) => expected.get(k) !== actual.get(k));
  return keys.slice(0, max).map((k) => {
    const [e, a] = [expected.get(k), actual.get(k)];
    const asFields = (v: string | undefined) => {
      const parsed: unknown = v === undefined ? undefined : JSON.parse(v);
      return Array.isArray(parsed) ? new Map(parsed as [string, string][]) : undefined;
    };
    const [ef, af] = [asFields(e), asFields(a)];
    if (ef === undefined || af === undefined) return `${k}: ${e ?? '(absent)'} -> ${a ?? '(absent)'}`;
    const fields = [...new Set([...ef.keys(), ...af.keys()])].filter((f) => ef.get(f) !== af.get(f));
    return `${k}: ${fields.map((f) => `${f}: ${ef.get(f) ?? '(absent)'} -> ${af.get(f) ?? '(absent)'}`).join(', ')}`;
  });
}

export interface ClickHouseViews {
  /** current_customers, by customer id, without the write time and row version (wall clock) */
  readonly customers: Map<string, string>;
  /** segment_changes_dedup, by change id */
  readonly changes: Map<string, string>;
  /** rows of segment_changes_dedup (a duplicated change would show as rows > changes.size) */
  readonly changeRows: number;
}

export async function clickhouseViews(config: Config['clickhouse']): Promise<ClickHouseViews> {
  const ch = createClickHouse(config);
  try {
    const rows = async (query: string) =>
      (await ch.query({ query, format: 'JSONEachRow' })).json<Record<string, unknown>>();
    const customers = new Map<string, string>();
    for (const row of await rows('SELECT * FROM current_customers ORDER BY customer_id')) {
      const { customer_id, updated_at: _at, version: _v, ...rest } = row;
      customers.set(String(customer_id), JSON.stringify(rest));
    }
    const changes = new Map<string, string>();
    const changeRows = await rows('SELECT * FROM segment_changes_dedup ORDER BY change_id');
    for (const row of changeRows) changes.set(String(row.change_id), JSON.stringify(row));
    return { customers, changes, changeRows: changeRows.length };
  } finally {
    await ch.close();
  }
}
