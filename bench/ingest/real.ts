// Ingest benchmark, workload (a): the full UCI Online Retail data set, replayed into a fresh topic
// the way `insiders replay` does it (same reader, same publisher, same batch sizes), then consumed
// by the raw kafkajs ceiling and by the service's consumer; memory of every customer hash.
//
// npx tsx bench/ingest/real.ts [--file data/online-retail.csv.gz] [--partitions 6] [--cpu-prof DIR]
//                              [--repeat 1] [--own-redis [aof]] [--skip-raw] [--skip-ours]
//                              [--skip-redis-benchmark] [--rb-requests 1000000] [--max-seconds 0]
import type { CheckoutEvent } from '../../src/events/schema.js';
import { createKafka, createProducer } from '../../src/infra/kafka.js';
import { silentLogger } from '../../src/log.js';
import { readOnlineRetail } from '../../src/replay/online-retail.js';
import { publishEvents } from '../../src/replay/publish.js';
import { benchConfig, bundledDataSet, numberFlag, parseFlags } from './lib.js';
import { profileDir, runWorkload, type Filled } from './workload.js';

const flags = parseFlags(process.argv.slice(2));
const file = flags.get('file') ?? bundledDataSet;

async function* eventsOf(path: string): AsyncGenerator<CheckoutEvent> {
  for await (const item of readOnlineRetail(path, { currency: 'GBP' })) if (item.kind === 'event') yield item.event;
}

async function fill(topic: string): Promise<Filled> {
  const started = performance.now();
  const kafka = createKafka(benchConfig({}).kafka, silentLogger);
  const producer = createProducer(kafka);
  await producer.connect();
  const customers = new Set<string>();
  let lines = 0;
  let orders = 0;
  let returns = 0;
  try {
    await publishEvents(eventsOf(file), producer, {
      topic,
      onPublished: (events) => {
        for (const e of events) {
          lines += e.lines.length;
          if (e.type === 'order') orders++;
          else returns++;
          if (e.customerId !== null) customers.add(e.customerId);
        }
      },
    });
  } finally {
    await producer.disconnect();
  }
  return {
    events: orders + returns,
    lines,
    orders,
    returns,
    customers: customers.size,
    fillSeconds: Math.round(performance.now() - started) / 1000,
  };
}

await runWorkload({
  workload: 'real',
  partitions: numberFlag(flags, 'partitions', 6),
  fill,
  memorySample: numberFlag(flags, 'memory-sample', 1_000_000),
  maxSeconds: numberFlag(flags, 'max-seconds', 0),
  repeat: numberFlag(flags, 'repeat', 1),
  skipRaw: flags.has('skip-raw'),
  skipOurs: flags.has('skip-ours'),
  skipRedisBenchmark: flags.has('skip-redis-benchmark'),
  redisBenchmarkRequests: numberFlag(flags, 'rb-requests', 1_000_000),
  timeoutSeconds: numberFlag(flags, 'timeout', 300),
  ...(flags.has('own-redis') ? { ownRedis: flags.get('own-redis') === 'aof' ? 'aof' : 'plain' } : {}),
  ...(flags.has('cpu-prof') ? { cpuProfDir: profileDir(flags.get('cpu-prof')) } : {}),
});
