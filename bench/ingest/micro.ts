// Where a consumer's time goes, without Kafka: the stages of OrderConsumer's batch loop timed one
// by one on the same messages (the real data set and a synthetic sample), in CPU time per event,
// plus StateStore.applyBatch against a private Redis (node CPU, Redis CPU and wall time per event).
// The ceilings of the decoding stages, in the same run: JSON.parse alone, and zod's runtime parser
// against the same schema compiled (checked to answer alike, broken events included).
//
// npx tsx bench/ingest/micro.ts [--repeat 5] [--synthetic-customers 10000] [--synthetic-orders 50000]
//                               [--batch 500] [--only real|synthetic] [--file data/online-retail.csv.gz] [--aof]
import type { KafkaMessage } from 'kafkajs';
import type { Redis } from 'ioredis';
import { prepareBatch, type PreparedBatch } from '../../src/consumers/prepare-batch.js';
import { decodeEvent } from '../../src/events/decode.js';
import type { CheckoutEvent } from '../../src/events/schema.js';
import { z } from 'zod';
import { eventSchema } from '../../src/events/schema.js';
import { defaultRules } from '../../src/features/filters.js';
import { loadConfig } from '../../src/config.js';
import { createRedis } from '../../src/infra/redis.js';
import { StateStore } from '../../src/state/state-store.js';
import {
  benchDecodeOptions,
  bundledDataSet,
  commandStats,
  consumedMessage,
  diffCommandStats,
  emit,
  markdownTable,
  note,
  numberFlag,
  parseFlags,
  readRealEvents,
  redisCpuSeconds,
  round,
  startOwnRedis,
  unlinkPrefix,
} from './lib.js';
import { SyntheticOrders } from './synthetic-data.js';

const flags = parseFlags(process.argv.slice(2));
const repeat = numberFlag(flags, 'repeat', 5);
const batchSize = numberFlag(flags, 'batch', 500);
const realFile = flags.get('file') ?? bundledDataSet;

const options = benchDecodeOptions();
const source = { topic: 'micro', partition: 0 };

function asMessages(events: Iterable<CheckoutEvent>): KafkaMessage[] {
  const out: KafkaMessage[] = [];
  for (const e of events) out.push(consumedMessage(e, out.length));
  return out;
}

/** CPU microseconds per item of the best of `repeat` rounds (the least disturbed by other load). */
function cpuPerItem(items: number, fn: () => void): number {
  let best = Infinity;
  for (let r = 0; r < repeat; r++) {
    const t = process.cpuUsage();
    fn();
    const d = process.cpuUsage(t);
    best = Math.min(best, (d.user + d.system) / items);
  }
  return round(best, 2);
}

function batches<T>(xs: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}

/** The contract compiled by zod (what src/events/decode.ts validates with), and its runtime parser. */
const compiledEventSchema = z.compile(eventSchema);

/**
 * The compiled schema gives the runtime parser's answer, for every message and for broken ones:
 * the same acceptance and output, the same first issue when it rejects.
 */
function checkCompiledSchema(messages: readonly KafkaMessage[]): {
  compared: number;
  mutations: number;
  mismatches: string[];
} {
  const mismatches: string[] = [];
  let compared = 0;
  const answer = (r: ReturnType<typeof eventSchema.safeParse>) =>
    JSON.stringify(r.success ? { data: r.data } : { issue: r.error.issues[0] });
  const compare = (value: Buffer, what: string) => {
    compared++;
    const json = JSON.parse(value.toString('utf8')) as unknown;
    const a = answer(eventSchema.safeParse(json));
    const b = answer(compiledEventSchema.safeParse(json));
    if (a !== b && mismatches.length < 10)
      mismatches.push(`${what}: runtime ${a.slice(0, 200)} / compiled ${b.slice(0, 200)}`);
  };
  for (const m of messages) if (m.value !== null) compare(m.value, `offset ${m.offset}`);
  // Broken events: each mutation of a valid one must be rejected the same way.
  const base = JSON.parse(String(messages[0]?.value)) as Record<string, unknown> & { lines: Record<string, unknown>[] };
  const line0 = base.lines[0] ?? {};
  const mutations: [string, (e: typeof base) => unknown][] = [
    ['extra field', (e) => ({ ...e, extra: 1 })],
    ['extra line field', (e) => ({ ...e, lines: [{ ...line0, colour: 'red' }] })],
    ['no lines', (e) => ({ ...e, lines: [] })],
    ['quantity 0', (e) => ({ ...e, lines: [{ ...line0, quantity: 0 }] })],
    ['quantity 1.5', (e) => ({ ...e, lines: [{ ...line0, quantity: 1.5 }] })],
    ['quantity "2"', (e) => ({ ...e, lines: [{ ...line0, quantity: '2' }] })],
    ['unitPrice "2.5555"', (e) => ({ ...e, lines: [{ ...line0, unitPrice: '2.5555' }] })],
    ['unitPrice -1', (e) => ({ ...e, lines: [{ ...line0, unitPrice: -1 }] })],
    ['unitPrice 1e-7', (e) => ({ ...e, lines: [{ ...line0, unitPrice: 1e-7 }] })],
    ['unitPrice 100001', (e) => ({ ...e, lines: [{ ...line0, unitPrice: 100001 }] })],
    ['sku ""', (e) => ({ ...e, lines: [{ ...line0, sku: '' }] })],
    ['occurredAt no offset', (e) => ({ ...e, occurredAt: '2011-01-01T10:00:00' })],
    ['occurredAt 2011-02-30', (e) => ({ ...e, occurredAt: '2011-02-30T10:00:00Z' })],
    ['occurredAt +24:00', (e) => ({ ...e, occurredAt: '2011-02-03T10:00:00+24:00' })],
    ['customerId " x"', (e) => ({ ...e, customerId: ' x' })],
    ['customerId 65 chars', (e) => ({ ...e, customerId: 'x'.repeat(65) })],
    ['schemaVersion 2', (e) => ({ ...e, schemaVersion: 2 })],
    ['currency "gbp"', (e) => ({ ...e, currency: 'gbp' })],
    ['currency USD', (e) => ({ ...e, currency: 'USD' })],
    ['country ""', (e) => ({ ...e, country: '' })],
    ['type "refund"', (e) => ({ ...e, type: 'refund' })],
    ['return without reason', (e) => ({ ...e, type: 'return' })],
    ['return reason "lost"', (e) => ({ ...e, type: 'return', reason: 'lost' })],
    ['order with reason', (e) => ({ ...e, reason: 'return' })],
    ['eventId given', (e) => ({ ...e, eventId: 'abc-1' })],
    ['eventId bad', (e) => ({ ...e, eventId: '-abc' })],
    ['description 257 chars', (e) => ({ ...e, lines: [{ ...line0, description: 'd'.repeat(257) }] })],
    ['lines not array', (e) => ({ ...e, lines: {} })],
    ['null customer', (e) => ({ ...e, customerId: null })],
    ['missing orderId', (e) => ({ ...e, orderId: undefined })],
    ['array', () => [1, 2]],
    ['null', () => null],
  ];
  for (const [what, mutate] of mutations) compare(Buffer.from(JSON.stringify(mutate(base)) ?? 'null'), what);
  return { compared, mutations: mutations.length, mismatches };
}

interface ApplyCost {
  wallUs: number;
  nodeCpuUs: number;
  redisCpuUs: number;
  commands: Record<string, { calls: number; usec: number }>;
}

/** src's StateStore.applyBatch over every prepared batch on a fresh prefix; per event, best round. */
async function applyCost(
  redis: Redis,
  workload: string,
  prepared: readonly PreparedBatch[],
  events: number,
): Promise<ApplyCost> {
  let best: ApplyCost | undefined;
  for (let r = 0; r < Math.min(repeat, 3); r++) {
    const prefix = `micro:${workload}:${r}`;
    const store = await StateStore.open(redis, { keyPrefix: prefix, windowDays: 365, shards: 6 });
    await redis.ping();
    const c0 = await commandStats(redis);
    const redis0 = await redisCpuSeconds(redis);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (const b of prepared) await store.applyBatch(b.changes, b.watermarkCandidateMs);
    const wall = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const redisCpu = (await redisCpuSeconds(redis)) - redis0;
    const commands = diffCommandStats(c0, await commandStats(redis));
    await unlinkPrefix(redis, prefix);
    const cost = {
      wallUs: round((wall * 1000) / events, 1),
      nodeCpuUs: round((cpu.user + cpu.system) / events, 1),
      redisCpuUs: round((redisCpu * 1e6) / events, 1),
      commands,
    };
    if (best === undefined || cost.wallUs < best.wallUs) best = cost;
  }
  if (best === undefined) throw new Error('no rounds');
  return best;
}

async function main(): Promise<void> {
  const own = await startOwnRedis(flags.has('aof'));
  const redis = createRedis(loadConfig({ REDIS_URL: own.url }).redis);
  await redis.connect();
  const rows: string[][] = [];
  try {
    const data = new SyntheticOrders({
      customers: numberFlag(flags, 'synthetic-customers', 10_000),
      orders: numberFlag(flags, 'synthetic-orders', 50_000),
      seed: 1,
    });
    const only = flags.get('only');
    const sets: [string, KafkaMessage[]][] = [];
    if (only === undefined || only === 'real') sets.push(['real', asMessages(await readRealEvents(realFile))]);
    if (only === undefined || only === 'synthetic') sets.push(['synthetic', asMessages(data.events())]);
    for (const [name, messages] of sets) {
      const n = messages.length;
      let lines = 0;
      for (const m of messages) lines += (JSON.parse(String(m.value)) as { lines: unknown[] }).lines.length;
      note(`micro ${name}: ${n} events, ${lines} lines`);
      const check = checkCompiledSchema(messages);
      emit({ kind: 'schema-equivalence', workload: name, ...check });
      const jsons = messages.map((m) => JSON.parse(String(m.value)) as unknown);
      const groups = batches(messages, batchSize);
      const stages: Record<string, number> = {
        'toString + JSON.parse': cpuPerItem(n, () => {
          for (const m of messages) JSON.parse(String(m.value?.toString('utf8')));
        }),
        'eventSchema.safeParse (zod runtime)': cpuPerItem(n, () => {
          for (const j of jsons) eventSchema.safeParse(j);
        }),
        'z.compile(eventSchema).safeParse': cpuPerItem(n, () => {
          for (const j of jsons) compiledEventSchema.safeParse(j);
        }),
        'decodeEvent (src)': cpuPerItem(n, () => {
          for (const m of messages) decodeEvent(m.value, options);
        }),
        'prepareBatch (src)': cpuPerItem(n, () => {
          for (const g of groups) prepareBatch(g, source, options, defaultRules);
        }),
      };
      emit({ kind: 'micro-stages', workload: name, events: n, lines, cpuUsPerEvent: stages });
      for (const [stage, us] of Object.entries(stages)) rows.push([name, stage, String(us), '', '']);

      const prepared = groups.map((g) => prepareBatch(g, source, options, defaultRules));
      const applied = prepared.reduce((s, p) => s + p.changes.length, 0);
      const cost = await applyCost(redis, name, prepared, applied);
      emit({ kind: 'micro-apply', workload: name, store: 'src', events: applied, batch: batchSize, ...cost });
      rows.push([
        name,
        'StateStore.applyBatch (src, per applied event)',
        String(cost.nodeCpuUs),
        String(cost.redisCpuUs),
        String(cost.wallUs),
      ]);
    }
  } finally {
    await redis.quit();
    await own.stop();
  }
  process.stdout.write(
    `\n${markdownTable(['workload', 'stage', 'node CPU µs/event', 'Redis CPU µs/event', 'wall µs/event'], rows)}\n`,
  );
}

await main();
