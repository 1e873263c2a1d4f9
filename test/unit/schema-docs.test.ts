// Keeps the event documentation honest: docs/schema/*.json must be what the generator produces from
// src/events/schema.ts now, and every example payload in docs/events.md must be an accepted event.
import { readFile, readdir } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { segmentChangeSchema } from '../../src/segmentation/change-schema.js';
import { generateSchemas, schemaDir } from '../../scripts/generate-schemas.js';
import { loadConfig } from '../../src/config.js';
import type { DeadLetterReason } from '../../src/consumers/dead-letter.js';
import type { AcceptedEvent } from '../../src/events/decode.js';
import { decodeEvent } from '../../src/events/decode.js';
import { eventSchema, orderEventSchema, returnEventSchema } from '../../src/events/schema.js';

const eventsDoc = new URL('../../docs/events.md', import.meta.url);

/** The contents of the ```json fences of a markdown text, in order. */
function jsonBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```json[ \t]*\r?\n([\s\S]*?)^```[ \t]*$/gm)].map((m) => m[1] ?? '');
}

async function readOrMissing(url: URL): Promise<string> {
  try {
    return await readFile(url, 'utf8');
  } catch {
    return '(missing)';
  }
}

describe('docs/schema/*.json', () => {
  it('match what the generator produces from src/events/schema.ts', async () => {
    const files = await generateSchemas();
    expect(files.map((f) => f.name).sort()).toEqual([
      'checkout-event.json',
      'order-event.json',
      'return-event.json',
      'segment-change.json',
    ]);
    for (const file of files) {
      const onDisk = await readOrMissing(new URL(file.name, schemaDir));
      expect(onDisk, `docs/schema/${file.name} is out of date: run npm run docs:schema`).toBe(file.content);
    }
    const present = (await readdir(schemaDir)).filter((name) => name.endsWith('.json')).sort();
    expect(present, 'docs/schema holds a file the generator does not write: run npm run docs:schema').toEqual(
      files.map((f) => f.name).sort(),
    );
  });

  it('are draft 2020-12 documents with an id and a title, in the producer (input) form', async () => {
    const files = await generateSchemas();
    const parsed = new Map(files.map((f) => [f.name, JSON.parse(f.content) as Record<string, unknown>]));
    for (const [name, doc] of parsed) {
      expect(doc.$schema, name).toBe('https://json-schema.org/draft/2020-12/schema');
      expect(doc.$id, name).toMatch(/^urn:insiders:schema:v1:/);
      expect(typeof doc.title, name).toBe('string');
    }
    const ret = parsed.get('return-event.json') as { required: string[]; properties: Record<string, unknown> };
    expect(ret.required).not.toContain('reason');
    expect(ret.required).not.toContain('eventId');
    expect(ret.properties.reason).toMatchObject({ default: 'return', enum: ['return', 'cancellation'] });
    expect(parsed.get('order-event.json')).toMatchObject({ additionalProperties: false });
    expect((parsed.get('checkout-event.json') as { oneOf: unknown[] }).oneOf).toHaveLength(2);
  });
});

describe('docs/events.md', () => {
  const config = loadConfig({});
  const options = {
    maxBytes: config.events.maxBytes,
    currency: config.events.currency,
    earliestMs: Date.parse('2000-01-01T00:00:00Z'),
    maxFutureMs: 86_400_000,
    wallClockMs: Date.parse('2024-06-01T00:00:00Z'),
  };

  it('has example payloads that the schema and the decoder accept', async () => {
    const blocks = jsonBlocks(await readFile(eventsDoc, 'utf8'));
    expect(blocks.length).toBeGreaterThanOrEqual(4);
    const events: AcceptedEvent[] = [];
    const reasons = new Set<string>();
    for (const [i, block] of blocks.entries()) {
      const parsed = eventSchema.safeParse(JSON.parse(block));
      expect(parsed.error?.issues, `example ${i + 1} in docs/events.md`).toBeUndefined();
      if (parsed.data?.type === 'return') reasons.add(parsed.data.reason);
      const decoded = decodeEvent(Buffer.from(block, 'utf8'), options);
      expect(decoded.ok ? 'accepted' : decoded.rejection, `example ${i + 1} in docs/events.md`).toBe('accepted');
      if (decoded.ok) events.push(decoded.event);
    }
    // an order, a guest order, a return and a cancellation
    expect(events.some((e) => e.kind === 'order' && e.customerId !== null)).toBe(true);
    expect(events.some((e) => e.kind === 'order' && e.customerId === null)).toBe(true);
    expect([...reasons].sort()).toEqual(['cancellation', 'return']);
  });

  it('links every generated schema file', async () => {
    const doc = await readFile(eventsDoc, 'utf8');
    for (const file of await generateSchemas()) {
      if (file.name !== 'segment-change.json') expect(doc).toContain(`](schema/${file.name})`);
    }
  });

  it('names the topics, the size limit and every rejection reason', async () => {
    const doc = await readFile(eventsDoc, 'utf8');
    // A Record over DeadLetterReason stops compiling when a reason is added, until it is listed here.
    const reasons: Record<DeadLetterReason, true> = {
      too_large: true,
      bad_json: true,
      unknown_type: true,
      schema: true,
      bad_date: true,
      wrong_currency: true,
      conflict: true,
      internal: true,
    };
    for (const reason of Object.keys(reasons)) expect(doc).toContain(`| \`${reason}\``);
    expect(doc).toContain(`\`${config.kafka.ordersTopic}\``);
    expect(doc).toContain(`\`${config.kafka.deadLetterTopic}\``);
    expect(doc).toContain(String(config.events.maxBytes));
  });

  it('gives the line limits of the JSON Schema files', async () => {
    const doc = await readFile(eventsDoc, 'utf8');
    const files = new Map((await generateSchemas()).map((f) => [f.name, JSON.parse(f.content) as unknown]));
    const maxLines = (name: string) =>
      (files.get(name) as { properties: { lines: { minItems: number; maxItems: number } } }).properties.lines;
    const orderRow = /^\| `lines` +\| yes +\| array of lines \| 1 to (\d+) lines/m.exec(doc);
    const returnRow = /^\| `lines` +\| yes +\| array +\| the lines returned or cancelled, 1 to (\d+),/m.exec(doc);
    expect(maxLines('order-event.json')).toMatchObject({ minItems: 1, maxItems: Number(orderRow?.[1]) });
    expect(maxLines('return-event.json')).toMatchObject({ minItems: 1, maxItems: Number(returnRow?.[1]) });
  });

  it('rejects the numbers it says are checked as written, and accepts the trailing zeros it allows', async () => {
    const doc = await readFile(eventsDoc, 'utf8');
    const bullet = /^- JSON numbers are checked as they are written[\s\S]*?(?=^- )/m.exec(doc)?.[0] ?? '';
    const [rejectedPart, acceptedPart] = bullet.split('Trailing zeros are fine');
    const numbers = (text: string | undefined) =>
      [...(text ?? '').matchAll(/`([-0-9.eE]+)`/g)].map((m) => m[1]!).filter((t) => t !== '0');
    // each as a unit price: every one of them is read by a float parser as a price the contract allows
    const withPrice = (n: string) =>
      Buffer.from(
        '{"type":"order","schemaVersion":1,"orderId":"1","customerId":"c","occurredAt":"2010-12-01T08:26:00Z",' +
          `"currency":"GBP","country":"UK","lines":[{"sku":"85123A","quantity":6,"unitPrice":${n}}]}`,
      );
    expect(numbers(rejectedPart)).toEqual(['2.55e0', '1e-400', '2.5500000000000000001', '6.0000000000000001']);
    for (const n of numbers(rejectedPart)) {
      expect(JSON.parse(n)).toSatisfy((v: number) => Number.isFinite(v));
      const decoded = decodeEvent(withPrice(n), options);
      expect(decoded.ok ? 'accepted' : decoded.rejection.reason, n).toBe('schema');
    }
    expect(numbers(acceptedPart)).toEqual(['2.5500', '6.0']);
    for (const n of numbers(acceptedPart)) expect(decodeEvent(withPrice(n), options).ok, n).toBe(true);
  });

  it('keeps the per-type schemas in the union the decoder uses', () => {
    expect(eventSchema.options).toEqual([orderEventSchema, returnEventSchema]);
  });
});

describe('docs/segment-changes.md', () => {
  const doc = new URL('../../docs/segment-changes.md', import.meta.url);

  it('links the change schema and shows only examples that follow it', async () => {
    const text = await readFile(doc, 'utf8');
    expect(text).toContain('](schema/segment-change.json)');
    const examples = [...text.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => JSON.parse(m[1]!) as unknown);
    expect(examples.length).toBeGreaterThanOrEqual(2);
    for (const example of examples) expect(segmentChangeSchema.safeParse(example).success).toBe(true);
  });
});
