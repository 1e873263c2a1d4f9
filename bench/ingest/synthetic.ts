// Ingest benchmark, workload (b): synthetic orders — by default 1,000,000 customers and 5,000,000
// orders over one year (see synthetic-data.ts), produced into a fresh 6-partition topic in large
// batches by two processes (not measured), then consumed by the raw kafkajs ceiling and by the
// service's consumer; Redis memory of a sample of 10,000 customer hashes.
//
// The service's consumer is stopped after --max-seconds (default 300) so that a run stays near 10
// minutes on a 2-core machine; its rates then cover what it consumed (the table says how much).
// Memory is then measured on complete state for 10,000 sampled customers, built from all their
// events by the same StateStore (a customer's hash depends on its own events only). --max-seconds 0
// consumes the whole topic and measures memory on the consumer's own keys.
//
// npx tsx bench/ingest/synthetic.ts [--customers 1000000] [--orders 5000000] [--seed 1] [--partitions 6]
//        [--max-seconds 300] [--repeat 1] [--own-redis [aof]] [--cpu-prof [DIR]]
//        [--skip-raw] [--skip-ours] [--skip-redis-benchmark] [--fill-processes 2] [--redis-cluster]
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { KafkaMessage } from 'kafkajs';
import type { RedisClient } from '../../src/infra/redis.js';
import { prepareBatch } from '../../src/consumers/prepare-batch.js';
import { defaultRules } from '../../src/features/filters.js';
import { StateStore } from '../../src/state/state-store.js';
import { benchDecodeOptions, consumedMessage, note, numberFlag, parseFlags, repoRoot } from './lib.js';
import { SyntheticOrders } from './synthetic-data.js';
import { profileDir, runWorkload, type Filled } from './workload.js';

const flags = parseFlags(process.argv.slice(2));
const customers = numberFlag(flags, 'customers', 1_000_000);
const orders = numberFlag(flags, 'orders', 5_000_000);
const seed = numberFlag(flags, 'seed', 1);
const partitions = numberFlag(flags, 'partitions', 6);
const fillProcesses = numberFlag(flags, 'fill-processes', 2);
const memorySample = numberFlag(flags, 'memory-sample', 10_000);

function fillShare(topic: string, part: number): Promise<{ sent: number; lines: number }> {
  const script = fileURLToPath(new URL('./fill-synthetic.ts', import.meta.url));
  const args = [
    ...['--import', 'tsx', script, '--topic', topic, '--partitions', String(partitions)],
    ...['--customers', String(customers), '--orders', String(orders), '--seed', String(seed)],
    ...['--part', String(part), '--parts', String(fillProcesses)],
  ];
  const child = spawn(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => (out += chunk));
  return new Promise((resolve, reject) =>
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`fill-synthetic.ts part ${part} exited with ${code}`));
      else resolve(JSON.parse(out.trim().split('\n').pop() ?? '{}') as { sent: number; lines: number });
    }),
  );
}

async function fill(topic: string): Promise<Filled> {
  const started = performance.now();
  const shares = await Promise.all(Array.from({ length: fillProcesses }, (_, part) => fillShare(topic, part)));
  const sent = shares.reduce((s, x) => s + x.sent, 0);
  const lines = shares.reduce((s, x) => s + x.lines, 0);
  note(`synthetic: ${sent} orders produced`);
  return {
    events: sent,
    lines,
    orders: sent,
    returns: 0,
    customers,
    fillSeconds: Math.round(performance.now() - started) / 1000,
  };
}

/** Complete state for every (customers / memorySample)-th customer: all their orders, in time order. */
async function sampleState(redis: RedisClient, prefix: string): Promise<number> {
  const data = new SyntheticOrders({ customers, orders, seed });
  const step = Math.max(1, Math.floor(customers / memorySample));
  const only = new Set<number>();
  for (let i = 0; i < customers && only.size < memorySample; i += step) only.add(i);
  const store = await StateStore.open(redis, { keyPrefix: prefix, windowDays: 365, shards: 6 });
  const options = benchDecodeOptions();
  let batch: KafkaMessage[] = [];
  const flush = async () => {
    const prepared = prepareBatch(batch, { topic: 'sample', partition: 0 }, options, defaultRules);
    await store.applyBatch(prepared.changes, prepared.watermarkCandidateMs);
    batch = [];
  };
  for (const event of data.events(only)) {
    batch.push(consumedMessage(event, batch.length));
    if (batch.length >= 1000) await flush();
  }
  if (batch.length > 0) await flush();
  return only.size;
}

await runWorkload({
  workload: 'synthetic',
  partitions,
  fill,
  memorySample,
  sampleState,
  maxSeconds: numberFlag(flags, 'max-seconds', 300),
  repeat: numberFlag(flags, 'repeat', 1),
  skipRaw: flags.has('skip-raw'),
  skipOurs: flags.has('skip-ours'),
  skipRedisBenchmark: flags.has('skip-redis-benchmark'),
  redisBenchmarkRequests: numberFlag(flags, 'rb-requests', 1_000_000),
  timeoutSeconds: numberFlag(flags, 'timeout', 900),
  redisCluster: flags.has('redis-cluster'),
  ...(flags.has('own-redis') ? { ownRedis: flags.get('own-redis') === 'aof' ? 'aof' : 'plain' } : {}),
  ...(flags.has('cpu-prof') ? { cpuProfDir: profileDir(flags.get('cpu-prof')) } : {}),
});
