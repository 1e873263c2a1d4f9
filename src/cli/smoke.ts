// `insiders smoke`: proves the three services answer the way the service uses them — a message
// through a Kafka consumer group, a write and read in Redis, a query in ClickHouse — and prints
// what it saw. Exit code 0 only when all three worked.
import { randomUUID } from 'node:crypto';
import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import { loadConfig } from '../config.js';
import { createLogger } from '../log.js';
import type { CommandOutcome } from './outcome.js';
import type { Config } from '../config.js';
import { createClickHouse } from '../infra/clickhouse.js';
import { createRedis } from '../infra/redis.js';
import type { Logger } from '../log.js';
import { openClients } from '../service/clients.js';

const SMOKE_TOPIC = 'insiders.smoke';
const TIMEOUT_MS = 30_000;

async function kafkaRoundTrip(config: Config, logger: Logger): Promise<string> {
  const clients = await openClients(config, logger, {
    admin: true,
    topics: [{ topic: SMOKE_TOPIC, numPartitions: 1 }],
    producer: true,
  });
  const { kafka, admin, producer } = clients;
  const token = randomUUID();
  const groupId = `insiders-smoke-${token}`;
  const consumer = kafka.consumer({ groupId });
  try {
    await producer.send({ topic: SMOKE_TOPIC, messages: [{ key: 'smoke', value: token }] });
    await consumer.connect();
    await consumer.subscribe({ topic: SMOKE_TOPIC, fromBeginning: true });
    const started = Date.now();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no message back from ${SMOKE_TOPIC} within ${TIMEOUT_MS} ms`)),
        TIMEOUT_MS,
      );
      void consumer.run({
        eachMessage: ({ message }) => {
          if (message.value?.toString() === token) {
            clearTimeout(timer);
            resolve();
          }
          return Promise.resolve();
        },
      });
    });
    return `message produced and consumed through a consumer group in ${Date.now() - started} ms`;
  } finally {
    await consumer.disconnect();
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await clients.close();
  }
}

async function redisRoundTrip(config: Config): Promise<string> {
  const redis = createRedis(config.redis);
  try {
    await redis.connect();
    const key = `${config.redis.keyPrefix}:smoke`;
    await redis.set(key, 'ok', 'EX', 60);
    const value = await redis.get(key);
    if (value !== 'ok') throw new Error(`read back ${String(value)} instead of ok`);
    const info = await redis.info('server');
    return `write and read ok (redis ${/redis_version:(\S+)/.exec(info)?.[1] ?? '?'})`;
  } finally {
    redis.disconnect();
  }
}

async function clickhouseRoundTrip(config: Config): Promise<string> {
  const clickhouse = createClickHouse(config.clickhouse, 'default');
  try {
    const result = await clickhouse.query({ query: 'SELECT version() AS version', format: 'JSONEachRow' });
    const [row] = await result.json<{ version: string }>();
    return `query ok (clickhouse ${row?.version ?? '?'})`;
  } finally {
    await clickhouse.close();
  }
}

export async function runSmoke(config: Config, logger: Logger, out: Writable): Promise<number> {
  const checks: [string, () => Promise<string>][] = [
    ['kafka', () => kafkaRoundTrip(config, logger)],
    ['redis', () => redisRoundTrip(config)],
    ['clickhouse', () => clickhouseRoundTrip(config)],
  ];
  let failed = 0;
  for (const [name, check] of checks) {
    try {
      out.write(`${name.padEnd(11)} ok    ${await check()}\n`);
    } catch (err) {
      failed++;
      out.write(`${name.padEnd(11)} FAIL  ${err instanceof Error ? err.message : String(err)}\n`);
    }
  }
  return failed === 0 ? 0 : 1;
}

export function registerSmoke(program: Command, outcome: CommandOutcome): void {
  program
    .command('smoke')
    .description('round-trip a message through Kafka, a write through Redis and a query through ClickHouse')
    .action(async () => {
      const config = loadConfig(process.env);
      outcome.exitCode = await runSmoke(config, createLogger(config.log), process.stdout);
    });
}
