// The clients a command works with, opened in one place: Kafka (admin, producer, topics), Redis with
// the state store over it (its layout checked), ClickHouse with its schema migrated first and the
// sink that batches rows into it (or, to read only, as it stands). The service and the CLI commands
// ask for what they need.
//
// Contract: close() closes what was opened, each client once, buffered work first: the sink's rows,
// then the producer, the admin, ClickHouse, and Redis last. A step that fails is logged and the
// next one still runs. It is memoised: any number of callers may await it. Should opening fail
// part-way, what was already open is closed before the error goes on, so a command never leaves a
// connection behind.
import type { ClickHouseClient } from '@clickhouse/client';
import type { Admin, ITopicConfig, Kafka, Producer } from 'kafkajs';
import type { Config } from '../config.js';
import { createClickHouse } from '../infra/clickhouse.js';
import { createKafka, createProducer, ensureTopics } from '../infra/kafka.js';
import { createRedisClient, type RedisClient } from '../infra/redis.js';
import type { Logger } from '../log.js';
import { ClickHouseSink } from '../sinks/clickhouse-sink.js';
import { migrate } from '../sinks/migrate.js';
import { StateStore, storeOptions } from '../state/state-store.js';
import { once, runSteps } from './shutdown.js';

export interface ClientsWanted {
  /** Redis and the state store over it */
  readonly state?: true;
  /** a second Redis connection, for pub/sub (a subscribed connection takes no other command) */
  readonly subscriber?: true;
  /** a connected Kafka admin, kept open (readiness, consumer lag) */
  readonly admin?: true;
  /** topics created when missing (with a short-lived admin when none is kept) */
  readonly topics?: readonly ITopicConfig[];
  /** a connected Kafka producer */
  readonly producer?: true;
  /** the schema migrated, then a client on the database and the batching sink over it */
  readonly clickhouse?: true;
  /** a client on the database as it stands, to read: no migration and no sink */
  readonly clickhouseReader?: true;
}

type With<W, K extends keyof ClientsWanted, T> = W extends { readonly [key in K]: true } ? T : unknown;

export type Clients<W extends ClientsWanted> = {
  readonly kafka: Kafka;
  /** closes every client opened (see the contract above); memoised, never rejects */
  close(): Promise<void>;
} & With<W, 'state', { readonly redis: RedisClient; readonly store: StateStore }> &
  With<W, 'subscriber', { readonly subscriber: RedisClient }> &
  With<W, 'admin', { readonly admin: Admin }> &
  With<W, 'producer', { readonly producer: Producer }> &
  With<W, 'clickhouseReader', { readonly clickhouse: ClickHouseClient }> &
  With<
    W,
    'clickhouse',
    {
      readonly clickhouse: ClickHouseClient;
      readonly results: ClickHouseSink;
      /** migrations this start applied (none when the schema was current) */
      readonly migrationsApplied: readonly string[];
    }
  >;

/**
 * QUIT once the commands sent before it are answered; a client that is not connected (start-up
 * failed, or Redis went away) is dropped at once: its QUIT would wait in the offline queue for a
 * connection that may never come.
 */
async function closeRedis(client: RedisClient): Promise<void> {
  if (client.status === 'ready') await client.quit();
  else client.disconnect();
}

/** The service's topics: orders, their dead letters, and the change topic. */
export function serviceTopics(config: Config): ITopicConfig[] {
  return [
    { topic: config.kafka.ordersTopic, numPartitions: config.kafka.ordersPartitions },
    { topic: config.kafka.deadLetterTopic, numPartitions: 1 },
    { topic: config.model.changesTopic, numPartitions: config.kafka.ordersPartitions },
  ];
}

/**
 * Opens what `wanted` asks for. `logger` is handed to the clients; the lines of the opening and
 * closing themselves go to `log` (the caller's own, by default a "clients" child of `logger`).
 */
export async function openClients<W extends ClientsWanted>(
  config: Config,
  logger: Logger,
  wanted: W,
  log: Logger = logger.child({ component: 'clients' }),
): Promise<Clients<W>> {
  const kafka = createKafka(config.kafka, logger);
  // closing steps of what is open so far, in the order they run
  const steps: { name: string; order: number; run: () => Promise<unknown> }[] = [];
  const onClose = (name: string, order: number, run: () => Promise<unknown>) => {
    steps.push({ name, order, run });
    steps.sort((a, b) => a.order - b.order);
  };
  const close = once(() =>
    runSteps(
      steps.map(({ name, run }) => [name, run] as const),
      log,
    ),
  );

  const opened: Record<string, unknown> = { kafka, close };
  try {
    if (wanted.state || wanted.subscriber) {
      const redis = createRedisClient(config.redis);
      onClose('redis', 50, () => closeRedis(redis));
      const subscriber = wanted.subscriber ? createRedisClient(config.redis) : undefined;
      if (subscriber) onClose('redis subscriber', 51, () => closeRedis(subscriber));
      await Promise.all([redis.connect(), subscriber?.connect()]);
      opened.redis = redis;
      opened.subscriber = subscriber;
      if (wanted.state) opened.store = await StateStore.open(redis, storeOptions(config));
    }
    if (wanted.admin || wanted.topics) {
      const admin = kafka.admin();
      onClose('kafka admin', 30, () => admin.disconnect());
      await admin.connect();
      if (wanted.topics) await ensureTopics(admin, wanted.topics);
      if (wanted.admin) opened.admin = admin;
      else await admin.disconnect();
    }
    if (wanted.clickhouse || wanted.clickhouseReader) {
      if (wanted.clickhouse) {
        const server = createClickHouse(config.clickhouse, 'default');
        const migrated = await migrate(server, config.clickhouse.database).finally(() => server.close());
        if (migrated.applied.length > 0) log.info({ applied: migrated.applied }, 'clickhouse migrations applied');
        opened.migrationsApplied = migrated.applied;
      }
      const clickhouse = createClickHouse(config.clickhouse);
      onClose('clickhouse', 40, () => clickhouse.close());
      opened.clickhouse = clickhouse;
      if (wanted.clickhouse) {
        const results = new ClickHouseSink(clickhouse, logger);
        onClose('clickhouse sink', 10, () => results.close());
        opened.results = results;
      }
    }
    if (wanted.producer) {
      const producer = createProducer(kafka);
      onClose('kafka producer', 20, () => producer.disconnect());
      await producer.connect();
      opened.producer = producer;
    }
  } catch (err) {
    await close();
    throw err;
  }
  return opened as Clients<W>;
}
