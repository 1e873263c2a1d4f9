// What publishing segment changes costs the service's process: the change sink's own kafkajs send
// (KafkaChangeSink: one message per change, keyed, JSON, two headers, acks=all), in sends of 200
// changes as one set-segments.lua call records them, against the same changes turned into JSON
// only, and sent without headers. CPU of this process per change, alternating the three, --rounds
// times; the broker is the stack's (its CPU is not counted). After a refit that moves every
// customer, each change costs this once: the floor of the post-refit placement on the node side.
//
// npx tsx bench/model/change-publish.ts [--changes 200000] [--rounds 3] [--send 200]
import { createKafka, createProducer, ensureTopics } from '../../src/infra/kafka.js';
import { silentLogger } from '../../src/log.js';
import { changeMessage, KafkaChangeSink } from '../../src/segmentation/change-publisher.js';
import type { SegmentChange } from '../../src/segmentation/changes.js';
import { benchConfig, emit, note, numberFlag, parseFlags, round, uniqueName } from '../ingest/lib.js';

const flags = parseFlags(process.argv.slice(2));
const total = numberFlag(flags, 'changes', 200_000);
const rounds = numberFlag(flags, 'rounds', 3);
const perSend = numberFlag(flags, 'send', 200);

const config = benchConfig({});
const topic = uniqueName('benchchanges');
const kafka = createKafka(config.kafka, silentLogger);
const admin = kafka.admin();
await admin.connect();
await ensureTopics(admin, [{ topic, numPartitions: 6, replicationFactor: 1 }]);
const producer = createProducer(kafka);
await producer.connect();
const sink = new KafkaChangeSink(producer, topic);

const changes: SegmentChange[] = Array.from({ length: total }, (_, i) => ({
  changeId: `1${String(i).padStart(6, '0')}:3`,
  customerId: `1${String(i).padStart(6, '0')}`,
  seq: 3,
  fromSegment: i % 5,
  toSegment: (i + 1) % 5,
  fromName: 'Loyal regulars',
  toName: 'Insiders',
  insiders: i % 5 === 4 ? 'entered' : 'unchanged',
  modelVersion: 7,
  reason: 'refit',
  atMs: 1_323_000_000_000 + i,
}));

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

const variants: Record<string, (batch: SegmentChange[]) => Promise<unknown>> = {
  'json only': (batch) => Promise.resolve(batch.map((c) => JSON.stringify(changeMessage(c)))),
  'kafkajs send, as the change sink': (batch) => sink.publish(batch),
  'kafkajs send, no headers': (batch) =>
    producer.send({
      topic,
      acks: -1,
      messages: batch.map((c) => ({ key: c.customerId, value: JSON.stringify(changeMessage(c)) })),
    }),
};

try {
  note(`${total} changes a round, ${perSend} a send, ${rounds} rounds, Node ${process.version}`);
  for (let r = 1; r <= rounds; r++) {
    for (const [variant, run] of Object.entries(variants)) {
      const cpu0 = cpuMs();
      const t0 = performance.now();
      for (let from = 0; from < total; from += perSend) await run(changes.slice(from, from + perSend));
      const wallMs = performance.now() - t0;
      const cpu = cpuMs() - cpu0;
      emit({
        kind: 'change-publish',
        round: r,
        variant,
        changes: total,
        wallS: round(wallMs / 1000, 2),
        cpuS: round(cpu / 1000, 2),
        cpuUsPerChange: round((cpu * 1000) / total, 2),
      });
    }
  }
} finally {
  await producer.disconnect();
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.disconnect();
}
