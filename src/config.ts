// The service's configuration: read once from the environment at start-up, validated by one zod
// schema. Nothing else in the code base reads process.env. A bad value stops start-up with a
// ConfigError naming the variable, the value and the expected form.
import { z } from 'zod';
import { ConfigError } from './errors.js';

const hostPort = /^[^\s:,]+:\d{1,5}$/;

const csvList = (what: string) =>
  z
    .string()
    .transform((s) => s.split(',').map((x) => x.trim()))
    .pipe(z.array(z.string().regex(hostPort, `each ${what} as host:port`)).min(1));

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

const integer = (min: number, max: number) =>
  z.coerce
    .number({ message: `an integer from ${min} to ${max}` })
    .int(`an integer from ${min} to ${max}`)
    .min(min, `an integer from ${min} to ${max}`)
    .max(max, `an integer from ${min} to ${max}`);

/**
 * Every environment variable the service reads, its default and its form. README.md has the same
 * table for operators; keep the two in step.
 */
export const configSchema = z.object({
  KAFKA_BROKERS: csvList('broker').default(['127.0.0.1:9092']),
  KAFKA_CLIENT_ID: z.string().min(1).default('insiders'),
  ORDERS_TOPIC: topic.default('insiders.orders'),
  DEAD_LETTER_TOPIC: topic.default('insiders.orders.dlq'),
  CONSUMER_GROUP: z.string().min(1).default('insiders-state'),
  ORDERS_PARTITIONS: integer(1, 1024).default(6),
  EVENT_MAX_BYTES: integer(1024, 8 * 1024 * 1024).default(1024 * 1024),
  SHOP_CURRENCY: z
    .string()
    .regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as GBP')
    .default('GBP'),
  WINDOW_DAYS: integer(1, 3650).default(365),
  CLOCK: z.enum(['watermark', 'wall']).default('watermark'),
  SEGMENT_CHANGES_TOPIC: topic.default('insiders.segment-changes'),
  REFIT_INTERVAL_MS: integer(1000, 86_400_000).default(300_000),
  SWEEP_INTERVAL_MS: integer(1000, 86_400_000).default(60_000),
  REFIT_SAMPLE_SIZE: integer(100, 10_000_000).default(200_000),
  MODEL_K: integer(2, 50).optional(),
  MODEL_K_RANGE: z
    .string()
    .regex(/^\d+\.\.\d+$/, 'MIN..MAX, e.g. 2..10')
    .transform((s) => s.split('..').map(Number) as [number, number])
    .refine(([lo, hi]) => lo >= 2 && hi >= lo && hi <= 50, 'MIN..MAX with 2 <= MIN <= MAX <= 50')
    .default([2, 10]),
  MODEL_SCALER: z.enum(['minmax', 'robust']).default('minmax'),
  REDIS_URL: url(['redis:', 'rediss:']).default('redis://127.0.0.1:6379'),
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_.-]*$/, 'letters, digits and : _ . - only')
    .default('insiders'),
  CLICKHOUSE_URL: url(['http:', 'https:']).default('http://127.0.0.1:8123'),
  CLICKHOUSE_USER: z.string().default('default'),
  CLICKHOUSE_PASSWORD: z.string().default(''),
  CLICKHOUSE_DATABASE: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an identifier: letters, digits and _')
    .default('insiders'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_PRETTY: z.enum(['0', '1']).default('0'),
  HTTP_PORT: integer(0, 65535).default(8080),
  HTTP_ADMIN_TOKEN: z.string().min(16, 'at least 16 characters').optional(),
});

export type RawConfig = z.infer<typeof configSchema>;

export interface Config {
  readonly kafka: {
    readonly brokers: readonly string[];
    readonly clientId: string;
    readonly ordersTopic: string;
    readonly deadLetterTopic: string;
    readonly consumerGroup: string;
    readonly ordersPartitions: number;
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
  };
  readonly redis: { readonly url: string; readonly keyPrefix: string };
  readonly clickhouse: {
    readonly url: string;
    readonly user: string;
    readonly password: string;
    readonly database: string;
  };
  readonly model: {
    readonly changesTopic: string;
    readonly refitIntervalMs: number;
    readonly sweepIntervalMs: number;
    /** customers sampled for a refit */
    readonly refitSampleSize: number;
    /** a fixed k, or undefined to choose k by silhouette in kRange */
    readonly k: number | undefined;
    readonly kRange: readonly [number, number];
    readonly scaler: 'minmax' | 'robust';
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
  const parsed = configSchema.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const variable = String(issue?.path[0] ?? 'unknown');
    // A secret is never echoed, not even a wrong one.
    const shown = variable === 'HTTP_ADMIN_TOKEN' ? '[redacted]' : present[variable];
    throw new ConfigError(variable, shown, issue?.message ?? 'invalid value');
  }
  const c = parsed.data;
  return {
    kafka: {
      brokers: c.KAFKA_BROKERS,
      clientId: c.KAFKA_CLIENT_ID,
      ordersTopic: c.ORDERS_TOPIC,
      deadLetterTopic: c.DEAD_LETTER_TOPIC,
      consumerGroup: c.CONSUMER_GROUP,
      ordersPartitions: c.ORDERS_PARTITIONS,
    },
    events: { maxBytes: c.EVENT_MAX_BYTES, currency: c.SHOP_CURRENCY },
    state: { windowDays: c.WINDOW_DAYS, clock: c.CLOCK },
    redis: { url: c.REDIS_URL, keyPrefix: c.REDIS_KEY_PREFIX },
    clickhouse: {
      url: c.CLICKHOUSE_URL,
      user: c.CLICKHOUSE_USER,
      password: c.CLICKHOUSE_PASSWORD,
      database: c.CLICKHOUSE_DATABASE,
    },
    model: {
      changesTopic: c.SEGMENT_CHANGES_TOPIC,
      refitIntervalMs: c.REFIT_INTERVAL_MS,
      sweepIntervalMs: c.SWEEP_INTERVAL_MS,
      refitSampleSize: c.REFIT_SAMPLE_SIZE,
      k: c.MODEL_K,
      kRange: c.MODEL_K_RANGE,
      scaler: c.MODEL_SCALER,
    },
    log: { level: c.LOG_LEVEL, pretty: c.LOG_PRETTY === '1' },
    http: { port: c.HTTP_PORT, adminToken: c.HTTP_ADMIN_TOKEN },
  };
}
