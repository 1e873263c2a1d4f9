// One consumer process of the ingest benchmark, started by real.ts / synthetic.ts on a pre-filled
// topic. Consumes until every message of the topic has been handled, then prints one JSON line
// (WorkerResult). Modes:
//   ours  the service's OrderConsumer and StateStore, unchanged (the headline number)
//   raw   a kafkajs consumer group with the same fetch settings whose eachBatch only iterates the
//         messages, resolves and commits: the Kafka ceiling for one process
//
// npx tsx bench/ingest/consume.ts --mode ours --topic T --group G --prefix P --expect N --lines L
//                                 [--max-seconds S] [--timeout S]
import type { EachBatchPayload, Kafka } from 'kafkajs';
import type { Redis } from 'ioredis';
import { consumerLag } from '../../src/consumers/lag.js';
import { fetchSettings, OrderConsumer } from '../../src/consumers/order-consumer.js';
import { defaultRules } from '../../src/features/filters.js';
import { createKafka } from '../../src/infra/kafka.js';
import { createRedis } from '../../src/infra/redis.js';
import { silentLogger } from '../../src/log.js';
import { StateStore } from '../../src/state/state-store.js';
import {
  benchConfig,
  commandStats,
  diffCommandStats,
  kafkaBrokerPid,
  machineCpuSeconds,
  numberFlag,
  parseFlags,
  processCpuSeconds,
  redisCpuSeconds,
  round,
  type WorkerResult,
} from './lib.js';

const flags = parseFlags(process.argv.slice(2));
const mode = flags.get('mode') ?? 'ours';
const topic = flags.get('topic') ?? '';
const group = flags.get('group') ?? '';
const prefix = flags.get('prefix') ?? '';
const expect = numberFlag(flags, 'expect', 0);
const totalLines = numberFlag(flags, 'lines', 0);
const timeoutMs = numberFlag(flags, 'timeout', 600) * 1000;
/** stop after this long even if the topic is not consumed yet (0: no limit); rates cover what was done */
const maxMs = numberFlag(flags, 'max-seconds', 0) * 1000;
if (!topic || !group || !prefix || expect <= 0) throw new Error('--topic, --group, --prefix and --expect are required');

const config = benchConfig({
  ORDERS_TOPIC: topic,
  DEAD_LETTER_TOPIC: `${topic}.dlq`,
  CONSUMER_GROUP: group,
  REDIS_KEY_PREFIX: prefix,
});

// The raw ceiling fetches as OrderConsumer does.
const own = fetchSettings(config);
const fetch = {
  maxBytesPerPartition: own.maxBytesPerPartition,
  maxBytes: own.maxBytes,
  minBytes: 1,
  maxWaitTimeInMs: 5000,
};
const concurrency = own.partitionsConcurrently;
const variant =
  mode === 'ours'
    ? 'src'
    : `concurrency=${concurrency} maxBytesPerPartition=${fetch.maxBytesPerPartition} maxBytes=${fetch.maxBytes}` +
      ` minBytes=${fetch.minBytes} maxWait=${fetch.maxWaitTimeInMs}`;
if (mode !== 'ours' && mode !== 'raw') throw new Error(`--mode ${mode}: expected ours or raw`);

/** Progress shared by both modes: messages handled, and when the first and last batch came. */
const progress = { messages: 0, batches: 0, firstBatchAt: 0, doneAt: 0 };

function markBatch(messages: number): void {
  if (progress.batches === 0) progress.firstBatchAt = performance.now();
  progress.batches++;
  progress.messages += messages;
}

interface Running {
  /** messages handled so far */
  handled(): number;
  counts(): Record<string, number>;
  close(): Promise<void>;
}

async function startOurs(kafka: Kafka, redis: Redis): Promise<Running> {
  const store = await StateStore.open(redis, {
    keyPrefix: prefix,
    windowDays: config.state.windowDays,
    shards: config.state.shards,
  });
  // Only observes: records when the first batch reached Redis; the call itself is unchanged.
  const applyBatch = store.applyBatch.bind(store);
  store.applyBatch = (changes, watermark) => {
    if (progress.batches++ === 0) progress.firstBatchAt = performance.now();
    return applyBatch(changes, watermark);
  };
  const consumer = new OrderConsumer({ kafka, store, config, rules: defaultRules, logger: silentLogger });
  await consumer.start();
  return {
    handled: () => consumer.totals.valid + consumer.totals.deadLettered,
    counts: () => ({ ...consumer.totals }),
    close: () => consumer.close(),
  };
}

async function startRaw(kafka: Kafka): Promise<Running> {
  const consumer = kafka.consumer({ groupId: group, ...fetch, sessionTimeout: 30_000, heartbeatInterval: 3_000 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let bytes = 0;
  await consumer.run({
    autoCommit: true,
    autoCommitInterval: 1000,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: concurrency,
    eachBatch: async (payload: EachBatchPayload) => {
      const { batch } = payload;
      if (batch.messages.length === 0) return;
      for (const m of batch.messages) bytes += m.value?.length ?? 0;
      const last = batch.messages[batch.messages.length - 1];
      if (last !== undefined) payload.resolveOffset(last.offset);
      await payload.commitOffsetsIfNecessary();
      await payload.heartbeat();
      markBatch(batch.messages.length);
    },
  });
  return { handled: () => progress.messages, counts: () => ({ bytes }), close: () => consumer.disconnect() };
}

async function main(): Promise<void> {
  const kafka = createKafka(config.kafka, silentLogger);
  const admin = kafka.admin();
  await admin.connect();
  const redis = createRedis(config.redis);
  await redis.connect();
  const brokerPid = kafkaBrokerPid();

  const cpu0 = process.cpuUsage();
  const redisCpu0 = await redisCpuSeconds(redis);
  const kafkaCpu0 = brokerPid === undefined ? undefined : processCpuSeconds(brokerPid);
  const commands0 = await commandStats(redis);
  const machine0 = machineCpuSeconds();
  const started = performance.now();

  const running = mode === 'raw' ? await startRaw(kafka) : await startOurs(kafka, redis);

  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      const now = performance.now();
      if (running.handled() >= expect || (maxMs > 0 && now - started > maxMs && progress.batches > 0)) {
        progress.doneAt = now;
        clearInterval(timer);
        resolve();
      } else if (now - started > timeoutMs) {
        clearInterval(timer);
        reject(new Error(`timed out after ${timeoutMs / 1000} s with ${running.handled()} of ${expect} messages`));
      }
    }, 5);
  });
  const cpu = process.cpuUsage(cpu0);
  const machine = machineCpuSeconds() - machine0;
  const redisCpu = (await redisCpuSeconds(redis)) - redisCpu0;
  const kafkaCpu1 = brokerPid === undefined ? undefined : processCpuSeconds(brokerPid);
  const commands = diffCommandStats(commands0, await commandStats(redis));

  const handled = Math.min(expect, running.handled());
  const complete = handled >= expect;
  // Offsets are committed at most once a second (autoCommitInterval): lag 0 comes a little later.
  while (complete && (await consumerLag(admin, group, topic)) > 0) {
    if (performance.now() - started > timeoutMs) throw new Error('lag did not reach 0');
    await new Promise((r) => setTimeout(r, 100));
  }
  const lagZeroAt = complete ? performance.now() : NaN;
  const counts = running.counts();
  await running.close();
  await redis.quit();
  await admin.disconnect();

  const total = (progress.doneAt - started) / 1000;
  const nodeCpu = (cpu.user + cpu.system) / 1e6;
  const kafkaCpu = kafkaCpu0 === undefined || kafkaCpu1 === undefined ? undefined : kafkaCpu1 - kafkaCpu0;
  const steady = (progress.doneAt - progress.firstBatchAt) / 1000;
  const result: WorkerResult = {
    mode,
    variant,
    complete,
    messages: handled,
    lines: Math.round((totalLines * handled) / expect),
    totalSeconds: round(total, 3),
    lagZeroSeconds: complete ? round((lagZeroAt - started) / 1000, 3) : null,
    firstBatchSeconds: round((progress.firstBatchAt - started) / 1000, 3),
    steadySeconds: round(steady, 3),
    eventsPerSecond: Math.round(handled / total),
    steadyEventsPerSecond: Math.round(handled / steady),
    linesPerSecond: Math.round((totalLines * handled) / expect / total),
    steadyLinesPerSecond: Math.round((totalLines * handled) / expect / steady),
    batches: progress.batches,
    meanBatchMessages: Math.round(handled / Math.max(1, progress.batches)),
    cpu: {
      node: round(nodeCpu, 2),
      redis: round(redisCpu, 2),
      kafka: kafkaCpu === undefined ? undefined : round(kafkaCpu, 2),
      machine: round(machine, 2),
      others: round(machine - nodeCpu - redisCpu - (kafkaCpu ?? 0), 2),
    },
    counts,
    redisCommands: commands,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

await main();
