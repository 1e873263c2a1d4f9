// Kafka client factory: kafkajs with its log lines routed into pino, and SASL and TLS from the config.
import { Kafka, Partitioners, logLevel, type Admin, type ITopicConfig, type LogEntry, type Producer, type RetryOptions, type SASLOptions } from 'kafkajs';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import { tlsConnectionOptions } from './tls.js';

const levels: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/**
 * Broker answers kafkajs logs at error level although it retries them itself and they pass on a
 * healthy cluster: a group's coordinator or a partition's leader still being elected, as on a
 * fresh broker's first consumer group. kafkajs puts the broker's message in the entry's `error`.
 * Should the retries run out, the consumer's own crash line is still an error.
 */
const retriedConditions: ReadonlySet<string> = new Set([
  'The group coordinator is not available',
  "The coordinator is loading and hence can't process requests for this group",
  'This is not the correct coordinator for this group',
  'There is no leader for this topic-partition as we are in the middle of a leadership election',
]);

/** The pino level of a kafkajs log entry: kafkajs' own, less for conditions it retries. */
export function kafkaLogLevel(level: logLevel, entry: LogEntry['log']): 'error' | 'warn' | 'info' | 'debug' {
  const error: unknown = entry.error;
  if (typeof error === 'string' && retriedConditions.has(error)) return 'debug';
  return levels[level] ?? 'info';
}

/** The first wait before a retry; kafkajs doubles it (randomised by a fifth) up to 30 s. */
const INITIAL_RETRY_MS = 200;

export function createKafka(config: Config['kafka'], logger: Logger): Kafka {
  const log = logger.child({ component: 'kafkajs' });
  return new Kafka({
    clientId: config.clientId,
    brokers: [...config.brokers],
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log: entry }: LogEntry) => {
        const { message, ...context } = entry;
        log[kafkaLogLevel(level, entry)](context, message);
      },
    retry: { initialRetryTime: INITIAL_RETRY_MS, retries: config.retries },
    ...(config.tls && { ssl: tlsConnectionOptions(config.tls) }),
    ...(config.sasl && { sasl: saslOptions(config.sasl) }),
  });
}

/** kafkajs' own retries for a consumer's group work, whatever the client's. */
const CONSUMER_RETRIES = 5;

/**
 * A consumer's retry settings: kafkajs' five, fewer when KAFKA_RETRIES asks for fewer, so that a
 * broker away ends in the consumer's crash and restart as soon as the setting says.
 */
export function consumerRetry(config: Pick<Config['kafka'], 'retries'>): RetryOptions {
  return { initialRetryTime: INITIAL_RETRY_MS, retries: Math.min(CONSUMER_RETRIES, config.retries) };
}

function saslOptions(sasl: NonNullable<Config['kafka']['sasl']>): SASLOptions {
  // kafkajs types each mechanism's options apart; the three take the same user name and password.
  const { username, password } = sasl;
  switch (sasl.mechanism) {
    case 'plain':
      return { mechanism: 'plain', username, password };
    case 'scram-sha-256':
      return { mechanism: 'scram-sha-256', username, password };
    case 'scram-sha-512':
      return { mechanism: 'scram-sha-512', username, password };
  }
}

/**
 * A producer that partitions by key the way Java clients do (murmur2), so an event keyed by
 * customer id lands on the same partition whichever client published it. One request in flight
 * keeps a partition's messages in order across retries. Not Kafka-idempotent: duplicates a retry
 * may cause are harmless, since every event is applied once by its eventId.
 */
export function createProducer(kafka: Kafka): Producer {
  return kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    idempotent: false,
    maxInFlightRequests: 1,
  });
}

/**
 * Broker answers to a metadata request for a topic just created that mean "not yet": the broker
 * serving the request has not learnt of the topic, or its partitions' leaders are being elected.
 */
const topicNotReadyYet: ReadonlySet<string> = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE']);

/** How long a new topic may take to have a leader for every partition before ensureTopics fails. */
const TOPIC_LEADERS_TIMEOUT_MS = 30_000;
const TOPIC_LEADERS_POLL_MS = 100;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Creates the topics that do not exist yet, and returns once each of their partitions has a
 * leader; existing ones are left as they are (partition count included). Asking first keeps the
 * broker's "already exists" answers out of the logs.
 *
 * Why not kafkajs' own `waitForLeaders`: it retries only LEADER_NOT_AVAILABLE, but a broker whose
 * metadata cache has not caught up with the controller answers UNKNOWN_TOPIC_OR_PARTITION for a
 * moment after the creation, and kafkajs gives that up as a failure.
 */
export async function ensureTopics(
  admin: Pick<Admin, 'listTopics' | 'createTopics' | 'fetchTopicMetadata'>,
  topics: readonly ITopicConfig[],
  options: { timeoutMs?: number; pollMs?: number } = {},
): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((t) => !existing.has(t.topic));
  if (missing.length === 0) return;
  // kafkajs waits for leaders unless told not to (waitForLeaders defaults to true)
  await admin.createTopics({ topics: missing, waitForLeaders: false });
  const names = missing.map((t) => t.topic);
  const deadline = Date.now() + (options.timeoutMs ?? TOPIC_LEADERS_TIMEOUT_MS);
  for (;;) {
    let lastAnswer: string;
    try {
      const { topics: found } = await admin.fetchTopicMetadata({ topics: names });
      const leaderless = found.filter((t) => t.partitions.length === 0 || t.partitions.some((p) => p.leader < 0));
      if (leaderless.length === 0) return;
      lastAnswer = `no leader yet for ${leaderless.map((t) => t.name).join(', ')}`;
    } catch (error) {
      const type = (error as { type?: unknown }).type;
      if (typeof type !== 'string' || !topicNotReadyYet.has(type)) throw error;
      lastAnswer = type;
    }
    if (Date.now() >= deadline)
      throw new Error(`topics ${names.join(', ')} were created but have no leader for every partition yet (${lastAnswer})`);
    await sleep(options.pollMs ?? TOPIC_LEADERS_POLL_MS);
  }
}
