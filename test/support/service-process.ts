// The service in a process of its own (`insiders run`, from source) for the fault tests, which
// kill and restart it; and the state it leaves, read back for comparison with another run.
import type { Redis } from 'ioredis';
import type { Config } from '../../src/config.js';
import { createClickHouse } from '../../src/infra/clickhouse.js';
import { stateKeys } from '../../src/state/keys.js';
import { spawnCli } from './cli.js';
import { waitFor } from './wait.js';

/** The environment that makes a child process see `config` (what integrationConfig resolved). */
export function serviceEnv(config: Config, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    KAFKA_BROKERS: config.kafka.brokers.join(','),
    ORDERS_TOPIC: config.kafka.ordersTopic,
    DEAD_LETTER_TOPIC: config.kafka.deadLetterTopic,
    CONSUMER_GROUP: config.kafka.consumerGroup,
    ORDERS_PARTITIONS: String(config.kafka.ordersPartitions),
    SEGMENT_CHANGES_TOPIC: config.model.changesTopic,
    REFIT_INTERVAL_MS: String(config.model.refitIntervalMs),
    SWEEP_INTERVAL_MS: String(config.model.sweepIntervalMs),
    ...(config.model.k === undefined ? {} : { MODEL_K: String(config.model.k) }),
    REDIS_URL: config.redis.url,
    REDIS_KEY_PREFIX: config.redis.keyPrefix,
    CLICKHOUSE_URL: config.clickhouse.url,
    CLICKHOUSE_DATABASE: config.clickhouse.database,
    // Ports of their own, so that several services (and other people's) can run at once.
    HTTP_PORT: '0',
    LOG_LEVEL: 'debug',
    ...overrides,
  };
}

export interface ServiceProcess {
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

export function spawnService(env: Record<string, string>, command: string[] = ['run']): ServiceProcess {
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
 * prefix, except the leases and their fencing counters: a lease holds a random token, and the
 * fencing counter counts acquisitions, which every restart adds to. Neither is state.
 */
export async function redisState(redis: Redis, prefix: string): Promise<Map<string, string>> {
  const keys = stateKeys(prefix);
  const leases = new Set([keys.refitLock, keys.sweepLock, keys.fence, keys.storedFence]);
  const out = new Map<string, string>();
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 5000);
    cursor = next;
    for (const key of found) {
      if (leases.has(key)) continue;
      const type = await redis.type(key);
      const value = type === 'hash' ? Object.entries(await redis.hgetall(key)).sort() : await redis.get(key);
      out.set(key.slice(prefix.length), JSON.stringify(value));
    }
  } while (cursor !== '0');
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
