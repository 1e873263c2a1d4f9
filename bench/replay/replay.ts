// `insiders replay` of an export against a raw kafkajs producer sending the same messages, in the
// same run, rounds alternating which goes first, each to a fresh topic (deleted afterwards):
//   - ours: runReplay as the command runs it (read, check, assemble, publish, summary);
//   - raw: the messages built beforehand (toMessage of the same events), sent by a producer made
//     like the command's (createProducer) in batches of the same size and acks (500 messages or
//     512 KiB, acks -1), nothing else.
// Both include connecting and creating the topic. One JSON line per round, then the medians.
// The stack must be up (scripts/stack up).
//
// npx tsx bench/replay/replay.ts [--file data/online-retail.csv.gz] [--repeat 3] [--partitions 6]
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import type { Message } from 'kafkajs';
import { createKafka, createProducer, ensureTopics } from '../../src/infra/kafka.js';
import { silentLogger } from '../../src/log.js';
import { readOnlineRetail } from '../../src/replay/online-retail.js';
import { toMessage } from '../../src/replay/publish.js';
import { runReplay } from '../../src/replay/run.js';
import { benchConfig, emit, note, numberFlag, parseFlags, topicMessages } from '../ingest/lib.js';

const flags = parseFlags(process.argv.slice(2));
const file = flags.get('file') ?? 'data/online-retail.csv.gz';
const repeat = numberFlag(flags, 'repeat', 3);
const partitions = numberFlag(flags, 'partitions', 6);
const BATCH = 500;
const BATCH_BYTES = 512 * 1024;

const config = benchConfig({});
const kafka = createKafka(config.kafka, silentLogger);
const admin = kafka.admin();
await admin.connect();

const messages: Message[] = [];
for await (const item of readOnlineRetail(file, { currency: config.events.currency })) {
  if (item.kind === 'event') messages.push(toMessage(item.event));
}
note(`${messages.length} messages from ${file}`);

async function raw(topic: string): Promise<void> {
  await ensureTopics(admin, [{ topic, numPartitions: partitions }]);
  const producer = createProducer(kafka);
  await producer.connect();
  let batch: Message[] = [];
  let bytes = 0;
  for (const m of messages) {
    const size = Buffer.byteLength(m.value as string);
    if (batch.length > 0 && bytes + size > BATCH_BYTES) {
      await producer.send({ topic, acks: -1, messages: batch });
      batch = [];
      bytes = 0;
    }
    batch.push(m);
    bytes += size;
    if (batch.length >= BATCH) {
      await producer.send({ topic, acks: -1, messages: batch });
      batch = [];
      bytes = 0;
    }
  }
  if (batch.length > 0) await producer.send({ topic, acks: -1, messages: batch });
  await producer.disconnect();
}

const discard = new Writable({ write: (_chunk, _encoding, done) => done() });
async function ours(topic: string): Promise<void> {
  const code = await runReplay(
    { file, topic, partitions, currency: config.events.currency },
    { kafka, stdout: discard, stderr: discard },
  );
  if (code !== 0) throw new Error(`runReplay exit code ${code}`);
}

const runs: Record<'ours' | 'raw', number[]> = { ours: [], raw: [] };
const topics: string[] = [];
try {
  for (let round = 0; round < repeat; round++) {
    const order = round % 2 === 0 ? (['ours', 'raw'] as const) : (['raw', 'ours'] as const);
    for (const who of order) {
      const topic = `bench-replay-${who}-${randomUUID().slice(0, 8)}`;
      topics.push(topic);
      const started = performance.now();
      await (who === 'ours' ? ours(topic) : raw(topic));
      const seconds = (performance.now() - started) / 1000;
      runs[who].push(seconds);
      const inTopic = await topicMessages(admin, topic);
      emit({ round, who, seconds: Number(seconds.toFixed(2)), eventsPerS: Math.round(inTopic / seconds), inTopic });
    }
  }
} finally {
  await admin.deleteTopics({ topics }).catch(() => undefined);
  await admin.disconnect();
}
const median = (v: readonly number[]) => [...v].sort((a, b) => a - b)[v.length >> 1]!;
emit({
  file,
  messages: messages.length,
  oursS: Number(median(runs.ours).toFixed(2)),
  rawS: Number(median(runs.raw).toFixed(2)),
  oursShareOfRaw: Number((median(runs.raw) / median(runs.ours)).toFixed(3)),
});
