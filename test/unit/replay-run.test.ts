import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { Kafka, ProducerRecord } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InsidersError } from '../../src/errors.js';
import { runReplay, type ReplayRequest } from '../../src/replay/run.js';
import { formatSummary, ReplayStats } from '../../src/replay/stats.js';

const UCI = 'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country';
let dir: string;
let file: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'insiders-replay-run-'));
  file = join(dir, 'retail.csv');
  // lines 2–4: three events (an order, a guest order, a cancellation); lines 5–29: 25 bad quantities
  const bad = Array.from({ length: 25 }, (_, i) => `5364${i},X,bad,zero,12/1/2010 9:00,1,17850,United Kingdom`);
  const rows = [
    UCI,
    '536365,85123A,HEART,6,12/1/2010 8:26,2.55,17850,United Kingdom',
    '536366,22633,HAND WARMER,6,12/1/2010 8:28,1.85,,United Kingdom',
    'C536379,D,Discount,-1,12/1/2010 9:41,27.5,14527,United Kingdom',
    ...bad,
  ];
  await writeFile(file, `${rows.join('\n')}\n`);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function fakeKafka(send: (record: ProducerRecord) => Promise<unknown> = () => Promise.resolve([])) {
  const calls: string[] = [];
  const sends: ProducerRecord[] = [];
  const kafka = {
    admin: () => ({
      connect: () => (calls.push('admin.connect'), Promise.resolve()),
      listTopics: () => Promise.resolve(['some-other-topic']),
      createTopics: (o: { topics: { topic: string; numPartitions: number }[] }) => (
        calls.push(`createTopics ${o.topics[0]?.topic} ${o.topics[0]?.numPartitions}`),
        Promise.resolve(true)
      ),
      fetchTopicMetadata: ({ topics }: { topics: string[] }) =>
        Promise.resolve({ topics: topics.map((name) => ({ name, partitions: [{ partitionId: 0, leader: 1 }] })) }),
      disconnect: () => (calls.push('admin.disconnect'), Promise.resolve()),
    }),
    producer: () => ({
      connect: () => (calls.push('producer.connect'), Promise.resolve()),
      send: (record: ProducerRecord) => (sends.push(record), send(record)),
      disconnect: () => (calls.push('producer.disconnect'), Promise.resolve()),
    }),
  } as unknown as Kafka;
  return { kafka, calls, sends };
}

function capture() {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c.toString()));
  return { stream, text: () => chunks.join('') };
}

const request = (overrides: Partial<ReplayRequest> = {}): ReplayRequest => ({
  file,
  topic: 'orders',
  partitions: 6,
  currency: 'GBP',
  ...overrides,
});

describe('runReplay', () => {
  it('publishes the events, prints the first 20 problems and a summary, exits 0', async () => {
    const { kafka, calls, sends } = fakeKafka();
    const out = capture();
    const err = capture();
    const code = await runReplay(request(), { kafka, stdout: out.stream, stderr: err.stream });
    expect(code).toBe(0);
    expect(calls).toEqual([
      'admin.connect',
      'createTopics orders 6',
      'admin.disconnect',
      'producer.connect',
      'producer.disconnect',
    ]);
    expect(sends.flatMap((s) => s.messages.map((m) => m.key))).toEqual(['17850', '536366', '14527']);

    const problemLines = err
      .text()
      .split('\n')
      .filter((l) => l.startsWith('line '));
    expect(problemLines).toHaveLength(20);
    expect(problemLines[0]).toBe('line 5: quantity "zero" is not a whole number');
    expect(problemLines[19]).toMatch(/^line 24: /);
    expect(err.text()).toContain('(further problems are only counted)');

    const summary = out.text().split('\n').slice(1).join('\n');
    expect(summary).toBe(
      [
        'rows read         28',
        'events published   3',
        '  orders           2',
        '  returns          1',
        '  guest events     1',
        'problems          25',
        '  quantity        25  invalid quantity',
        '',
      ].join('\n'),
    );
    expect(out.text()).toMatch(/^replay of .*retail\.csv to orders: done after/);
  });

  it('stops at --limit and says so', async () => {
    const { kafka, sends } = fakeKafka();
    const out = capture();
    expect(await runReplay(request({ limit: 2 }), { kafka, stdout: out.stream, stderr: capture().stream })).toBe(0);
    expect(sends.flatMap((s) => s.messages)).toHaveLength(2);
    expect(out.text()).toContain('stopped at --limit 2');
  });

  it('exits 1 when Kafka fails, after a summary of what was published', async () => {
    const { kafka, calls } = fakeKafka(() => Promise.reject(new Error('broker down')));
    const out = capture();
    const err = capture();
    expect(await runReplay(request(), { kafka, stdout: out.stream, stderr: err.stream })).toBe(1);
    expect(err.text()).toContain('insiders replay: broker down');
    expect(out.text()).toContain('Kafka failed');
    expect(out.text()).toMatch(/events published\s+0\n/);
    expect(calls).toContain('producer.disconnect');
  });

  it('refuses a missing file before touching Kafka', async () => {
    const { kafka, calls } = fakeKafka();
    const run = runReplay(request({ file: join(dir, 'absent.csv') }), {
      kafka,
      stdout: capture().stream,
      stderr: capture().stream,
    });
    await expect(run).rejects.toBeInstanceOf(InsidersError);
    await expect(run).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(calls).toEqual([]);
  });
});

describe('formatSummary', () => {
  it('lists problems by reason, most frequent first', () => {
    const stats = new ReplayStats();
    stats.countRead({ kind: 'problem', line: 2, code: 'unit_price', reason: 'x' });
    for (let i = 0; i < 3; i++) stats.countRead({ kind: 'problem', line: 3 + i, code: 'too_many_lines', reason: 'x' });
    expect(formatSummary(stats, { file: 'f.csv', topic: 't', seconds: 2 })).toBe(
      [
        'replay of f.csv to t: done after 2.0 s (0 events/s)',
        'rows read         4',
        'events published  0',
        '  orders          0',
        '  returns         0',
        '  guest events    0',
        'problems          4',
        '  too_many_lines  3  over the 5000 lines one event may carry',
        '  unit_price      1  invalid unit price',
      ].join('\n'),
    );
  });
});
