// Produces one share of the synthetic orders (synthetic-data.ts) to a topic: the messages whose
// partition (the producer's own murmur2 partitioner, by customer id) is `part` modulo `parts`.
// synthetic.ts starts `parts` of these at once: each generates the whole stream (cheap) and
// encodes and sends only its partitions (the expensive part), and every partition still receives
// its messages in time order. Prints one JSON line: messages and lines sent.
//
// npx tsx bench/ingest/fill-synthetic.ts --topic T --partitions 6 --customers N --orders M --seed S --part 0 --parts 2
import { Partitioners, type Message } from 'kafkajs';
import { createKafka, createProducer } from '../../src/infra/kafka.js';
import { silentLogger } from '../../src/log.js';
import { toMessage } from '../../src/replay/publish.js';
import { benchConfig, numberFlag, parseFlags } from './lib.js';
import { SyntheticOrders } from './synthetic-data.js';

/** Messages per producer.send, and the byte budget of one send (the broker takes 6 MiB). */
const SEND_MESSAGES = 10_000;
const SEND_BYTES = 4 * 1024 * 1024;

const flags = parseFlags(process.argv.slice(2));
const topic = flags.get('topic') ?? '';
const partitions = numberFlag(flags, 'partitions', 6);
const part = numberFlag(flags, 'part', 0);
const parts = numberFlag(flags, 'parts', 1);
const data = new SyntheticOrders({
  customers: numberFlag(flags, 'customers', 1_000_000),
  orders: numberFlag(flags, 'orders', 5_000_000),
  seed: numberFlag(flags, 'seed', 1),
});

// The partition the service's producer would choose: the same partitioner, asked directly.
const partitioner = Partitioners.DefaultPartitioner();
const partitionMetadata = Array.from({ length: partitions }, (_, i) => ({
  partitionId: i,
  leader: 1,
  partitionErrorCode: 0,
  replicas: [1],
  isr: [1],
}));

const producer = createProducer(createKafka(benchConfig({}).kafka, silentLogger));
await producer.connect();
let sent = 0;
let lines = 0;
try {
  let messages: Message[] = [];
  let bytes = 0;
  const flush = async () => {
    if (messages.length === 0) return;
    await producer.send({ topic, acks: -1, messages });
    sent += messages.length;
    messages = [];
    bytes = 0;
  };
  for (const event of data.events()) {
    const message = toMessage(event);
    const partition = partitioner({ topic, partitionMetadata, message });
    if (partition % parts !== part) continue;
    lines += event.lines.length;
    messages.push({ ...message, partition });
    bytes += String(message.value).length;
    if (messages.length >= SEND_MESSAGES || bytes >= SEND_BYTES) await flush();
  }
  await flush();
} finally {
  await producer.disconnect();
}
process.stdout.write(`${JSON.stringify({ sent, lines })}\n`);
