import { onlineRetailCsv } from '../support/data-set.js';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { KafkaMessage } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeEvent } from '../../src/events/decode.js';
import { topicOffsets } from '../../src/consumers/lag.js';
import { eventSchema, type CheckoutEvent } from '../../src/events/schema.js';
import { readOnlineRetail, type ReplayItem } from '../../src/replay/online-retail.js';
import { runReplay } from '../../src/replay/run.js';
import { usePipeline } from '../support/use-pipeline.js';
import { waitFor } from '../support/wait.js';

const REAL_DATA = onlineRetailCsv;

const fixtureRows = [
  'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country',
  '536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,12/1/2010 8:26,2.55,17850,United Kingdom',
  '536365,22752,"SET 7 BABUSHKA NESTING BOXES, ""RED""",2,12/1/2010 8:26,7.65,17850,United Kingdom',
  '536366,22633,HAND WARMER UNION JACK,6,12/1/2010 8:28,1.85,,United Kingdom',
  'C536379,D,Discount,-1,12/1/2010 9:41,27.5,14527,United Kingdom',
  '536380,22961,JAM MAKING SET PRINTED,24,6/1/2011 9:15,1.45,17850,United Kingdom',
  '536381,A,first,5,6/1/2011 9:20,1.25,12345,France',
  '536381,B,back,-2,6/1/2011 9:20,1.25,12345,France',
  'A563186,B,Adjust bad debt,1,8/12/2011 14:51,-11062.06,,United Kingdom',
];

async function readAll(path: string, options: { openInvoices?: number } = {}): Promise<ReplayItem[]> {
  const items: ReplayItem[] = [];
  for await (const item of readOnlineRetail(path, { currency: 'GBP', ...options })) items.push(item);
  return items;
}

describe('replay: an Online Retail export to Kafka and back', () => {
  // the replay publishes to the pipeline's orders topic (it creates it), read back in its group
  const pipeline = usePipeline();
  const { config } = pipeline;
  const { ordersTopic: topic, consumerGroup: groupId } = config.kafka;
  let dir: string;
  let file: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'insiders-replay-it-'));
    file = join(dir, 'retail.csv');
    await writeFile(file, `${fixtureRows.join('\n')}\n`);
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('publishes one message per event, keyed, with headers, that the consumer accepts', async () => {
    const stdout = new PassThrough();
    const out: string[] = [];
    stdout.on('data', (c: Buffer) => out.push(c.toString()));
    const code = await runReplay(
      { file, topic, partitions: config.kafka.ordersPartitions, currency: config.events.currency },
      { kafka: pipeline.kafka, stdout, stderr: new PassThrough() },
    );
    expect(code).toBe(0);
    expect(out.join('')).toMatch(/events published\s+6\n/);

    const metadata = await pipeline.admin.fetchTopicMetadata({ topics: [topic] });
    expect(metadata.topics[0]?.partitions).toHaveLength(config.kafka.ordersPartitions);

    const expected = (await readAll(file)).flatMap((i) => (i.kind === 'event' ? [i.event] : []));
    expect(expected.map((e) => e.orderId)).toEqual(['536365', '536366', 'C536379', '536380', '536381', '536381-R']);

    // The topic holds exactly one message per event.
    const offsets = await topicOffsets(pipeline.admin, topic);
    expect(offsets.reduce((n, p) => n + Number(p.high) - Number(p.low), 0)).toBe(expected.length);

    // Keyed by partition and offset: a consumer that rejoins its group before committing (a slow
    // machine) is handed the same messages again, which are still one message each.
    const byOffset = new Map<string, { partition: number; message: KafkaMessage }>();
    const consumer = pipeline.kafka.consumer({ groupId });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        eachMessage: ({ partition, message }) => {
          byOffset.set(`${partition}:${message.offset}`, { partition, message });
          return Promise.resolve();
        },
      });
      await waitFor(() => byOffset.size >= expected.length, { what: `${expected.length} replayed events` });
    } finally {
      await consumer.disconnect();
    }
    const received = [...byOffset.values()];
    expect(received).toHaveLength(expected.length);

    const byOrder = new Map(
      received.map((r) => [(JSON.parse(r.message.value?.toString() ?? '{}') as { orderId: string }).orderId, r]),
    );
    for (const event of expected) {
      const got = byOrder.get(event.orderId);
      expect(got, event.orderId).toBeDefined();
      if (got === undefined) continue;
      const { message } = got;
      expect(message.key?.toString()).toBe(event.customerId ?? event.orderId);
      expect(message.headers?.['content-type']?.toString()).toBe('application/json');
      expect(message.headers?.['schema-version']?.toString()).toBe('1');
      const payload = JSON.parse(message.value?.toString() ?? '') as CheckoutEvent;
      expect(payload).toEqual(event);
      expect(eventSchema.safeParse(payload).success).toBe(true);
      const decoded = decodeEvent(message.value, {
        maxBytes: config.events.maxBytes,
        currency: config.events.currency,
        earliestMs: 0,
        maxFutureMs: 0,
        wallClockMs: Date.now(),
      });
      expect(decoded.ok, JSON.stringify(decoded)).toBe(true);
    }
    expect(byOrder.get('536366')?.message.key?.toString()).toBe('536366');
    // one customer's events share a partition, so they are consumed in order
    expect(byOrder.get('536365')?.partition).toBe(byOrder.get('536380')?.partition);
  });
});

describe('replay reader on the whole UCI Online Retail file', () => {
  it('yields only events the contract accepts, and reports the rest', async () => {
    let rows = 0;
    const counts = { orders: 0, returns: 0, guests: 0, rejected: 0 };
    const problems = new Map<string, number>();
    for await (const item of readOnlineRetail(REAL_DATA, { currency: 'GBP' })) {
      if (item.kind === 'problem') {
        rows++;
        problems.set(item.code, (problems.get(item.code) ?? 0) + 1);
        continue;
      }
      rows += item.event.lines.length;
      if (!eventSchema.safeParse(item.event).success) counts.rejected++;
      if (item.event.type === 'order') counts.orders++;
      else counts.returns++;
      if (item.event.customerId === null) counts.guests++;
    }
    expect(rows).toBe(541_909);
    expect(counts).toEqual({ orders: 20_726, returns: 5_172, guests: 3_708, rejected: 0 });
    // A563186 and A563187 "Adjust bad debt" (negative prices); invoice 573585's 1,114 lines fit in one event
    expect(Object.fromEntries(problems)).toEqual({ unit_price: 2 });
  });

  it('has every invoice in consecutive rows except 542806, interrupted by the two rows of C542805', async () => {
    const items = await readAll(REAL_DATA, { openInvoices: 1 });
    const reopened = items.flatMap((i) => (i.kind === 'problem' && i.code === 'reopened' ? [i] : []));
    // the 35 rows of 542806 after C542805: lines 78094–78128
    expect(reopened.map((p) => p.line)).toEqual(Array.from({ length: 35 }, (_, i) => 78094 + i));
    expect(reopened.every((p) => p.reason.startsWith('invoice 542806 '))).toBe(true);
  });
});
