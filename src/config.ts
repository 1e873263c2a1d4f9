// The service's configuration: read once from the environment at start-up, validated by one zod
// schema. Nothing else in the code base reads process.env. A bad value stops start-up with a
// ConfigError naming the variable, the value (secrets redacted) and the expected form.
import { accessSync, constants, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { z } from 'zod';
import { ConfigError } from './errors.js';
import { INSIDERS_RULES, type InsidersRuleName } from './model/segments.js';
import { REDACTED, isSecretName, redactUrl } from './secrets.js';

const hostPort = /^[^\s:,]+:\d{1,5}$/;

const csvList = (what: string) =>
  z
    .string()
    .transform((s) => s.split(',').map((x) => x.trim()))
    .pipe(z.array(z.string().regex(hostPort, `each ${what} as host:port`)).min(1));

/** A Redis Cluster node as ioredis takes it. */
export interface RedisNode {
  readonly host: string;
  readonly port: number;
}

const redisNodes = csvList('node')
  .transform((nodes) =>
    nodes.map((n): RedisNode => ({
      host: n.slice(0, n.lastIndexOf(':')),
      port: Number(n.slice(n.lastIndexOf(':') + 1)),
    })),
  )
  .refine((nodes) => nodes.every((n) => n.port >= 1 && n.port <= 65535), 'each node as host:port, port 1-65535');

const topic = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,249}$/, 'a Kafka topic name: letters, digits and . _ - (at most 249)');

const url = (protocols: readonly string[]) =>
  z.string().refine(
    (s) => {
      try {
        return protocols.includes(new URL(s).protocol);
      } catch {
        return false;
      }
    },
    { message: `a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}` },
  );

const flag = z.enum(['0', '1'], { message: '0 or 1' }).transform((s) => s === '1');

/** A path the service can read at start-up (a CA bundle, a certificate, a private key). */
const readableFile = z.string().refine(
  (p) => {
    try {
      accessSync(p, constants.R_OK);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'the path of a readable file' },
);

const integer = (min: number, max: number) =>
  z.coerce
    .number({ message: `an integer from ${min} to ${max}` })
    .int(`an integer from ${min} to ${max}`)
    .min(min, `an integer from ${min} to ${max}`)
    .max(max, `an integer from ${min} to ${max}`);

const saslMechanisms = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;

const insidersRuleNames = Object.keys(INSIDERS_RULES) as [InsidersRuleName, ...InsidersRuleName[]];

/**
 * Every environment variable the service reads, its default and its form (`.describe()`, in
 * markdown): docs/configuration.md's reference is generated from it (npm run docs:config).
 */
export const configSchema = z.object({
  KAFKA_BROKERS: csvList('broker')
    .default(['127.0.0.1:9092'])
    .describe('comma-separated `host:port` list of the Kafka brokers'),
  KAFKA_CLIENT_ID: z.string().min(1).default('insiders').describe('non-empty string: the client id the brokers see'),
  KAFKA_SASL_MECHANISM: z
    .string()
    .transform((s) => s.toLowerCase())
    .pipe(z.enum(saslMechanisms, { message: 'PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512' }))
    .optional()
    .describe('`PLAIN`, `SCRAM-SHA-256` or `SCRAM-SHA-512` (any case); unset: no SASL'),
  KAFKA_SASL_USERNAME: z.string().optional().describe('string; required with `KAFKA_SASL_MECHANISM`'),
  KAFKA_SASL_PASSWORD: z.string().optional().describe('string; required with `KAFKA_SASL_MECHANISM`'),
  KAFKA_TLS: flag.default(false).describe('`1` to connect to the brokers over TLS'),
  KAFKA_TLS_CA_FILE: readableFile
    .optional()
    .describe("PEM file of the CA(s) to trust; only with `KAFKA_TLS=1`; unset: Node's CAs"),
  KAFKA_TLS_CERT_FILE: readableFile.optional().describe('PEM client certificate, with `KAFKA_TLS_KEY_FILE`'),
  KAFKA_TLS_KEY_FILE: readableFile.optional().describe('PEM private key of the client certificate'),
  KAFKA_TLS_SERVERNAME: z.string().optional().describe("name the brokers' certificates must carry; unset: the host"),
  KAFKA_TLS_VERIFY: flag.default(true).describe('`0` accepts any broker certificate (tests only)'),
  ORDERS_TOPIC: topic.default('insiders.orders').describe('Kafka topic name: checkout events in'),
  DEAD_LETTER_TOPIC: topic
    .default('insiders.orders.dlq')
    .describe('Kafka topic name: rejected messages with their reason'),
  CONSUMER_GROUP: z.string().min(1).default('insiders-state').describe('consumer group of the state consumers'),
  ORDERS_PARTITIONS: integer(1, 1024).default(6).describe('partitions of the orders topic when it is created (1–1024)'),
  STATE_SHARDS: integer(1, 16384)
    .optional()
    .describe(
      "shards of the Redis state, fixed for a state's life (1–16384); unset: the existing state's, else `ORDERS_PARTITIONS`",
    ),
  KAFKA_FETCH_BYTES: integer(64 * 1024, 64 * 1024 * 1024)
    .default(4 * 1024 * 1024)
    .describe('bytes a fetch takes per partition (64 KiB–64 MiB)'),
  // kafkajs retries a failed request this many times, waiting 200 ms, then about twice as long each
  // time (capped at 30 s): 8 rides out about 50 s of a broker away. A consumer's group work retries
  // at most 5 times (kafkajs' own), then the consumer crashes and restarts itself.
  KAFKA_RETRIES: integer(0, 100)
    .default(8)
    .describe(
      'retries of a failed Kafka request, 200 ms apart, then twice as long each time (0–100); a consumer: 5 at most',
    ),
  // A consumer that stops heartbeating (a killed process) keeps its partitions this long, until the
  // group coordinator drops it; the broker accepts 6 s to 300 s by default.
  KAFKA_SESSION_TIMEOUT_MS: integer(6000, 300_000)
    .default(30_000)
    .describe("ms a consumer that stopped heartbeating keeps its partitions (6000–300000, within the broker's limits)"),
  // A partition with messages pending and no offset committed for this long fails readiness.
  CONSUMER_STALL_SECONDS: integer(10, 86_400)
    .default(300)
    .describe('a partition with messages pending and no offset committed this long fails `/readyz` (10–86400)'),
  EVENT_MAX_BYTES: integer(1024, 8 * 1024 * 1024)
    .default(1024 * 1024)
    .describe('larger messages are dead-lettered (1 KiB–8 MiB)'),
  SHOP_CURRENCY: z
    .string()
    .regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as GBP')
    .default('GBP')
    .describe('ISO 4217 code; events in another currency are dead-lettered'),
  WINDOW_DAYS: integer(1, 3650).default(365).describe('rolling window of the features, in UTC days (1–3650)'),
  CLOCK: z
    .enum(['watermark', 'wall'])
    .default('watermark')
    .describe('`watermark` (latest event time seen) or `wall` (the wall clock)'),
  SEGMENT_CHANGES_TOPIC: topic
    .default('insiders.segment-changes')
    .describe("Kafka topic name: customers' segment changes out"),
  REFIT_INTERVAL_MS: integer(1000, 86_400_000).default(300_000).describe('time between refits, in ms (1000–86400000)'),
  SWEEP_INTERVAL_MS: integer(1000, 86_400_000).default(60_000).describe('time between sweeps, in ms (1000–86400000)'),
  // Between sweeps, a cheap look at the earliest due time (one ZRANGE per shard) starts a sweep as
  // soon as someone is due: a time-driven change then waits about this long, not a whole period.
  DUE_CHECK_INTERVAL_MS: integer(100, 86_400_000)
    .optional()
    .describe(
      'time between looks for customers come due, in ms (100–86400000); a sweep starts when one is due. Unset: a twelfth of `SWEEP_INTERVAL_MS`, at least 1000',
    ),
  // A refit or a shard's sweep renews its lease between batches; a holder that died frees it after this.
  LEASE_TTL_MS: integer(5000, 3_600_000)
    .default(60_000)
    .describe('ms a refit or sweep lease lasts unrenewed: how long a crashed holder blocks the next (5000–3600000)'),
  REFIT_SAMPLE_SIZE: integer(100, 10_000_000).default(200_000).describe('customers sampled for a refit (100–10000000)'),
  MODEL_K: integer(2, 50)
    .optional()
    .describe('a fixed number of segments (2–50); unset: chosen by policy in `MODEL_K_RANGE`'),
  MODEL_K_RANGE: z
    .string()
    .regex(/^\d+\.\.\d+$/, 'MIN..MAX, e.g. 2..10')
    .transform((s) => s.split('..').map(Number) as [number, number])
    .refine(([lo, hi]) => lo >= 2 && hi >= lo && hi <= 50, 'MIN..MAX with 2 <= MIN <= MAX <= 50')
    .prefault('2..10')
    .describe('`MIN..MAX` k is chosen in (Insiders policy, then silhouette), 2 ≤ MIN ≤ MAX ≤ 50'),
  MODEL_SCALER: z.enum(['minmax', 'robust']).default('minmax').describe('`minmax` or `robust` feature scaling'),
  INSIDERS_SHARE_BAND: z
    .string()
    .regex(/^\d+(\.\d+)?\.\.\d+(\.\d+)?$/, 'MIN..MAX percent of segmented customers, e.g. 5..20')
    .transform((s) => s.split('..').map((p) => Number(p) / 100) as [number, number])
    .refine(([lo, hi]) => lo >= 0 && hi >= lo && hi <= 1, 'MIN..MAX percent with 0 <= MIN <= MAX <= 100')
    .prefault('5..20')
    .describe(
      '`MIN..MAX` % of segmented customers the Insiders should be; k is chosen to fit it ([model](model.md#the-insiders-policy))',
    ),
  INSIDERS_RULE: z
    .enum(insidersRuleNames, { message: insidersRuleNames.join(', ') })
    .default('revenue')
    .describe('which segment is the Insiders: `revenue` (highest revenue, then most recent), `products` or `recency`'),
  REDIS_URL: url(['redis:', 'rediss:'])
    .default('redis://127.0.0.1:6379')
    .describe('`redis://` or `rediss://` (TLS) URL, may carry `user:password@`; excludes `REDIS_CLUSTER_NODES`'),
  // Seed nodes of a Redis Cluster; the client learns the others from them. Excludes REDIS_URL.
  REDIS_CLUSTER_NODES: redisNodes
    .optional()
    .describe('Redis Cluster seed nodes, `host:port` list; excludes `REDIS_URL`'),
  REDIS_CLUSTER_TLS: flag
    .optional()
    .describe('`1`: TLS to every node of the Redis Cluster; only with `REDIS_CLUSTER_NODES`'),
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_.-]*$/, 'letters, digits and : _ . - only')
    .default('insiders')
    .describe('letters, digits and `: _ . -`'),
  // Credentials win over any user:password in REDIS_URL. TLS is on with a rediss:// URL, or with
  // REDIS_CLUSTER_TLS=1 for a cluster; credentials and TLS settings apply to every cluster node.
  REDIS_USERNAME: z
    .string()
    .optional()
    .describe("ACL user; wins over a user in `REDIS_URL`; unset: the URL's, else `default`"),
  REDIS_PASSWORD: z
    .string()
    .optional()
    .describe("string; wins over a password in `REDIS_URL`; unset: the URL's, else none"),
  REDIS_TLS_CA_FILE: readableFile
    .optional()
    .describe("PEM file of the CA(s) to trust; only with TLS on; unset: Node's CAs"),
  REDIS_TLS_CERT_FILE: readableFile.optional().describe('PEM client certificate, with `REDIS_TLS_KEY_FILE`'),
  REDIS_TLS_KEY_FILE: readableFile.optional().describe('PEM private key of the client certificate'),
  REDIS_TLS_SERVERNAME: z.string().optional().describe("name the server's certificate must carry; unset: the host"),
  REDIS_TLS_VERIFY: flag.default(true).describe('`0` accepts any server certificate (tests only)'),
  CLICKHOUSE_URL: url(['http:', 'https:'])
    .default('http://127.0.0.1:8123')
    .describe('`http://` or `https://` (TLS) URL, without credentials'),
  CLICKHOUSE_USER: z.string().default('default').describe('string'),
  CLICKHOUSE_PASSWORD: z.string().default('').describe('string'),
  // With an https:// URL: the CA that signed the server's certificate (else Node's bundled CAs).
  CLICKHOUSE_TLS_CA_FILE: readableFile
    .optional()
    .describe("PEM file of the CA(s) to trust; only with `https://`; unset: Node's CAs"),
  CLICKHOUSE_TLS_CERT_FILE: readableFile.optional().describe('PEM client certificate, with the key and the CA file'),
  CLICKHOUSE_TLS_KEY_FILE: readableFile.optional().describe('PEM private key of the client certificate'),
  CLICKHOUSE_DATABASE: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an identifier: letters, digits and _')
    .default('insiders')
    .describe('identifier (letters, digits, `_`)'),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info')
    .describe('`fatal`, `error`, `warn`, `info`, `debug`, `trace`, `silent`'),
  LOG_PRETTY: z.enum(['0', '1']).default('0').describe('`1` for human-readable logs'),
  HTTP_PORT: integer(0, 65535).default(8080).describe('integer 0–65535: port of the HTTP API (0: any free port)'),
  HTTP_ADMIN_TOKEN: z
    .string()
    .min(16, 'at least 16 characters')
    .optional()
    .describe('≥ 16 characters: Bearer token of `POST /refit`; unset: refused'),
});

export type RawConfig = z.infer<typeof configSchema>;

/** PEM files for a TLS connection: a CA bundle to trust, and a client certificate with its key. */
export interface TlsFiles {
  /** undefined: Node's bundled CAs */
  readonly caFile: string | undefined;
  readonly certFile: string | undefined;
  readonly keyFile: string | undefined;
}

export interface TlsSettings extends TlsFiles {
  /** the name the server's certificate must carry, when it differs from the host connected to */
  readonly servername: string | undefined;
  /** false accepts any certificate: for tests only, never in production */
  readonly verify: boolean;
}

export type SaslMechanism = (typeof saslMechanisms)[number];

export interface Config {
  readonly kafka: {
    readonly brokers: readonly string[];
    readonly clientId: string;
    readonly ordersTopic: string;
    readonly deadLetterTopic: string;
    readonly consumerGroup: string;
    readonly ordersPartitions: number;
    /** bytes fetched per partition and fetch (raised to fit one event of EVENT_MAX_BYTES) */
    readonly fetchBytesPerPartition: number;
    /** seconds a partition may have messages pending without an offset committed before /readyz fails */
    readonly stallSeconds: number;
    /** times kafkajs retries a failed request before giving up (a consumer then crashes and restarts) */
    readonly retries: number;
    /** ms a consumer that stopped heartbeating keeps its partitions */
    readonly sessionTimeoutMs: number;
    /** undefined: no authentication */
    readonly sasl:
      { readonly mechanism: SaslMechanism; readonly username: string; readonly password: string } | undefined;
    /** undefined: plain TCP */
    readonly tls: TlsSettings | undefined;
  };
  readonly events: {
    /** messages larger than this go to the dead-letter topic */
    readonly maxBytes: number;
    /** the shop's accounting currency; events in another currency are dead-lettered */
    readonly currency: string;
  };
  readonly state: {
    /** the rolling window features are computed over, in whole UTC days */
    readonly windowDays: number;
    /** what "now" is: the latest event time seen (replays give what live traffic would) or the wall clock */
    readonly clock: 'watermark' | 'wall';
    /**
     * shards of the Redis state (hash slots), customers placed as the orders topic's partitioner
     * does; undefined: the existing state's, or ORDERS_PARTITIONS for a new state
     */
    readonly shards: number | undefined;
  };
  readonly redis: {
    /** without credentials: they are in username and password; not used when `cluster` is set */
    readonly url: string;
    /** set: the service talks to this Redis Cluster instead of the Redis at `url` */
    readonly cluster: { readonly nodes: readonly RedisNode[] } | undefined;
    readonly keyPrefix: string;
    /** undefined: the `default` user (with the password, if any) */
    readonly username: string | undefined;
    readonly password: string | undefined;
    /** set exactly when TLS is on: a rediss:// URL, or REDIS_CLUSTER_TLS=1 with a cluster */
    readonly tls: TlsSettings | undefined;
  };
  readonly clickhouse: {
    readonly url: string;
    readonly user: string;
    readonly password: string;
    readonly database: string;
    /** undefined: plain HTTP, or HTTPS trusting Node's bundled CAs */
    readonly tls: TlsFiles | undefined;
  };
  readonly model: {
    readonly changesTopic: string;
    readonly refitIntervalMs: number;
    readonly sweepIntervalMs: number;
    /** ms between looks at the earliest due time (a sweep starts when one is due) */
    readonly dueCheckIntervalMs: number;
    /** ms a refit or sweep lease lasts unrenewed */
    readonly leaseTtlMs: number;
    /** customers sampled for a refit */
    readonly refitSampleSize: number;
    /** a fixed k, or undefined to choose k by silhouette in kRange */
    readonly k: number | undefined;
    readonly kRange: readonly [number, number];
    readonly scaler: 'minmax' | 'robust';
    /** the target band of the Insiders' share of segmented customers, 0..1, inclusive */
    readonly insidersShareBand: readonly [number, number];
    /** the rule that picks the Insiders: the segment ranked first by INSIDERS_RULES[insidersRule] */
    readonly insidersRule: InsidersRuleName;
  };
  readonly log: { readonly level: RawConfig['LOG_LEVEL']; readonly pretty: boolean };
  readonly http: {
    readonly port: number;
    /** the Bearer token POST /refit requires; undefined: the endpoint refuses every request */
    readonly adminToken: string | undefined;
  };
}

/**
 * Parses the configuration from an environment (process.env at the entry points, a plain object in
 * tests). Empty strings count as unset, so `FOO=` in a .env file falls back to the default.
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): Config {
  const present: Record<string, string> = {};
  for (const key of Object.keys(configSchema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== '') present[key] = value;
  }
  const fail = (variable: string, expected: string): never => {
    throw new ConfigError(variable, shownValue(variable, present[variable]), expected);
  };
  const parsed = configSchema.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return fail(String(issue?.path[0] ?? 'unknown'), issue?.message ?? 'invalid value');
  }
  const c = parsed.data;
  // REDIS_URL has a default; only one set in the environment conflicts with a cluster.
  if (c.REDIS_CLUSTER_NODES !== undefined && present.REDIS_URL !== undefined) {
    return fail(
      'REDIS_CLUSTER_NODES',
      'unset while REDIS_URL is set: one Redis (REDIS_URL) or a Redis Cluster (REDIS_CLUSTER_NODES), not both',
    );
  }
  const conflict = combinationProblem(c);
  if (conflict) return fail(...conflict);
  const redisUrl = new URL(c.REDIS_URL);
  const decoded = (part: string): string | undefined => {
    try {
      return decodeURIComponent(part) || undefined;
    } catch {
      return fail('REDIS_URL', 'a URL with its user and password percent-encoded (%40 for @)');
    }
  };
  const redisUser = c.REDIS_USERNAME ?? decoded(redisUrl.username);
  const redisPassword = c.REDIS_PASSWORD ?? decoded(redisUrl.password);
  redisUrl.username = '';
  redisUrl.password = '';
  return {
    kafka: {
      brokers: c.KAFKA_BROKERS,
      clientId: c.KAFKA_CLIENT_ID,
      ordersTopic: c.ORDERS_TOPIC,
      deadLetterTopic: c.DEAD_LETTER_TOPIC,
      consumerGroup: c.CONSUMER_GROUP,
      ordersPartitions: c.ORDERS_PARTITIONS,
      fetchBytesPerPartition: c.KAFKA_FETCH_BYTES,
      stallSeconds: c.CONSUMER_STALL_SECONDS,
      retries: c.KAFKA_RETRIES,
      sessionTimeoutMs: c.KAFKA_SESSION_TIMEOUT_MS,
      sasl:
        c.KAFKA_SASL_MECHANISM === undefined
          ? undefined
          : {
              mechanism: c.KAFKA_SASL_MECHANISM,
              username: c.KAFKA_SASL_USERNAME ?? '',
              password: c.KAFKA_SASL_PASSWORD ?? '',
            },
      tls: c.KAFKA_TLS
        ? {
            caFile: c.KAFKA_TLS_CA_FILE,
            certFile: c.KAFKA_TLS_CERT_FILE,
            keyFile: c.KAFKA_TLS_KEY_FILE,
            servername: c.KAFKA_TLS_SERVERNAME,
            verify: c.KAFKA_TLS_VERIFY,
          }
        : undefined,
    },
    events: { maxBytes: c.EVENT_MAX_BYTES, currency: c.SHOP_CURRENCY },
    state: { windowDays: c.WINDOW_DAYS, clock: c.CLOCK, shards: c.STATE_SHARDS },
    redis: {
      url: redisUrl.href,
      cluster: c.REDIS_CLUSTER_NODES && { nodes: c.REDIS_CLUSTER_NODES },
      keyPrefix: c.REDIS_KEY_PREFIX,
      username: redisUser,
      password: redisPassword,
      tls: redisTls(c)
        ? {
            caFile: c.REDIS_TLS_CA_FILE,
            certFile: c.REDIS_TLS_CERT_FILE,
            keyFile: c.REDIS_TLS_KEY_FILE,
            servername: c.REDIS_TLS_SERVERNAME,
            verify: c.REDIS_TLS_VERIFY,
          }
        : undefined,
    },
    clickhouse: {
      url: c.CLICKHOUSE_URL,
      user: c.CLICKHOUSE_USER,
      password: c.CLICKHOUSE_PASSWORD,
      database: c.CLICKHOUSE_DATABASE,
      tls:
        c.CLICKHOUSE_TLS_CA_FILE === undefined
          ? undefined
          : {
              caFile: c.CLICKHOUSE_TLS_CA_FILE,
              certFile: c.CLICKHOUSE_TLS_CERT_FILE,
              keyFile: c.CLICKHOUSE_TLS_KEY_FILE,
            },
    },
    model: {
      changesTopic: c.SEGMENT_CHANGES_TOPIC,
      refitIntervalMs: c.REFIT_INTERVAL_MS,
      sweepIntervalMs: c.SWEEP_INTERVAL_MS,
      dueCheckIntervalMs: c.DUE_CHECK_INTERVAL_MS ?? Math.max(1000, Math.round(c.SWEEP_INTERVAL_MS / 12)),
      leaseTtlMs: c.LEASE_TTL_MS,
      refitSampleSize: c.REFIT_SAMPLE_SIZE,
      k: c.MODEL_K,
      kRange: c.MODEL_K_RANGE,
      scaler: c.MODEL_SCALER,
      insidersShareBand: c.INSIDERS_SHARE_BAND,
      insidersRule: c.INSIDERS_RULE,
    },
    log: { level: c.LOG_LEVEL, pretty: c.LOG_PRETTY === '1' },
    http: { port: c.HTTP_PORT, adminToken: c.HTTP_ADMIN_TOKEN },
  };
}

/** A value as an error may show it: secrets as [redacted], URLs without their password. */
function shownValue(variable: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  return isSecretName(variable) ? REDACTED : redactUrl(value);
}

/**
 * Settings that are each well-formed but do not go together: the variable to blame and what it
 * needs. Checked after the schema, so every value here already has its type.
 */
function combinationProblem(c: RawConfig): [variable: string, expected: string] | undefined {
  const redisTlsOn = redisTls(c);
  const clickhouseUrl = new URL(c.CLICKHOUSE_URL);
  const rules: [variable: string, wrong: boolean, expected: string][] = [
    ...(['REDIS_TLS_CA_FILE', 'REDIS_TLS_CERT_FILE', 'REDIS_TLS_KEY_FILE', 'REDIS_TLS_SERVERNAME'] as const).map(
      (v): [string, boolean, string] => [
        v,
        c[v] !== undefined && !redisTlsOn,
        'unset unless REDIS_URL is rediss:// or REDIS_CLUSTER_TLS=1',
      ],
    ),
    [
      'REDIS_CLUSTER_TLS',
      c.REDIS_CLUSTER_TLS !== undefined && c.REDIS_CLUSTER_NODES === undefined,
      'unset unless REDIS_CLUSTER_NODES is set (TLS to one Redis: a rediss:// REDIS_URL)',
    ],
    pairRule('REDIS_TLS_CERT_FILE', c.REDIS_TLS_CERT_FILE, 'REDIS_TLS_KEY_FILE', c.REDIS_TLS_KEY_FILE),
    pairRule('REDIS_TLS_KEY_FILE', c.REDIS_TLS_KEY_FILE, 'REDIS_TLS_CERT_FILE', c.REDIS_TLS_CERT_FILE),
    [
      'CLICKHOUSE_URL',
      clickhouseUrl.username !== '' || clickhouseUrl.password !== '',
      'a URL without credentials (set CLICKHOUSE_USER and CLICKHOUSE_PASSWORD)',
    ],
    ...(['CLICKHOUSE_TLS_CA_FILE', 'CLICKHOUSE_TLS_CERT_FILE', 'CLICKHOUSE_TLS_KEY_FILE'] as const).map(
      (v): [string, boolean, string] => [
        v,
        c[v] !== undefined && clickhouseUrl.protocol !== 'https:',
        'unset unless CLICKHOUSE_URL is https://',
      ],
    ),
    [
      'CLICKHOUSE_TLS_CA_FILE',
      c.CLICKHOUSE_TLS_CA_FILE === undefined && c.CLICKHOUSE_TLS_CERT_FILE !== undefined,
      'the CA file, needed with a client certificate',
    ],
    pairRule(
      'CLICKHOUSE_TLS_CERT_FILE',
      c.CLICKHOUSE_TLS_CERT_FILE,
      'CLICKHOUSE_TLS_KEY_FILE',
      c.CLICKHOUSE_TLS_KEY_FILE,
    ),
    pairRule(
      'CLICKHOUSE_TLS_KEY_FILE',
      c.CLICKHOUSE_TLS_KEY_FILE,
      'CLICKHOUSE_TLS_CERT_FILE',
      c.CLICKHOUSE_TLS_CERT_FILE,
    ),
    [
      'KAFKA_SASL_MECHANISM',
      c.KAFKA_SASL_MECHANISM === undefined &&
        (c.KAFKA_SASL_USERNAME !== undefined || c.KAFKA_SASL_PASSWORD !== undefined),
      'PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 when KAFKA_SASL_USERNAME or KAFKA_SASL_PASSWORD is set',
    ],
    [
      'KAFKA_SASL_USERNAME',
      c.KAFKA_SASL_MECHANISM !== undefined && c.KAFKA_SASL_USERNAME === undefined,
      'a user name when KAFKA_SASL_MECHANISM is set',
    ],
    [
      'KAFKA_SASL_PASSWORD',
      c.KAFKA_SASL_MECHANISM !== undefined && c.KAFKA_SASL_PASSWORD === undefined,
      'a password when KAFKA_SASL_MECHANISM is set',
    ],
    ...(['KAFKA_TLS_CA_FILE', 'KAFKA_TLS_CERT_FILE', 'KAFKA_TLS_KEY_FILE', 'KAFKA_TLS_SERVERNAME'] as const).map(
      (v): [string, boolean, string] => [v, c[v] !== undefined && !c.KAFKA_TLS, 'unset unless KAFKA_TLS=1'],
    ),
    pairRule('KAFKA_TLS_CERT_FILE', c.KAFKA_TLS_CERT_FILE, 'KAFKA_TLS_KEY_FILE', c.KAFKA_TLS_KEY_FILE),
    pairRule('KAFKA_TLS_KEY_FILE', c.KAFKA_TLS_KEY_FILE, 'KAFKA_TLS_CERT_FILE', c.KAFKA_TLS_CERT_FILE),
  ];
  const broken = rules.find(([, wrong]) => wrong);
  return broken && [broken[0], broken[2]];
}

/** TLS to Redis: a cluster's says REDIS_CLUSTER_TLS, one Redis's the scheme of its URL. */
function redisTls(c: RawConfig): boolean {
  return c.REDIS_CLUSTER_NODES === undefined
    ? new URL(c.REDIS_URL).protocol === 'rediss:'
    : c.REDIS_CLUSTER_TLS === true;
}

/** A client certificate and its private key come together: blames the one given alone. */
function pairRule(
  variable: string,
  value: string | undefined,
  partner: string,
  partnerValue: string | undefined,
): [string, boolean, string] {
  return [variable, value !== undefined && partnerValue === undefined, `set together with ${partner}`];
}

/**
 * The variables of the optional .env file: ENV_FILE names it (relative to `cwd`), else `.env` in
 * `cwd` is read if it exists. A file named by ENV_FILE that cannot be read stops start-up.
 */
export function readEnvFile(env: Readonly<Record<string, string | undefined>>, cwd: string): Record<string, string> {
  const named = env.ENV_FILE === '' ? undefined : env.ENV_FILE;
  const file = path.resolve(cwd, named ?? '.env');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (named === undefined && (err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new ConfigError('ENV_FILE', named ?? '.env', 'the path of a readable file of NAME=value lines');
  }
  const variables: Record<string, string> = {};
  for (const [name, value] of Object.entries(parseEnv(text))) if (value !== undefined) variables[name] = value;
  return variables;
}

/**
 * Adds to `env` the .env file's variables that `env` does not already set: the environment wins
 * over the file. The entry point calls it once, on process.env, before any command reads its config.
 */
export function applyEnvFile(env: Record<string, string | undefined>, cwd: string): void {
  for (const [name, value] of Object.entries(readEnvFile(env, cwd))) if (env[name] === undefined) env[name] = value;
}
