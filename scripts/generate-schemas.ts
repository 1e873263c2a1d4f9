// Writes docs/schema/*.json, the JSON Schema (draft 2020-12, 2-space indent) form of the event contract in
// src/events/schema.ts, for producers that do not use TypeScript. The files describe what a producer
// sends (zod's input form: `reason` may be left out, `eventId` is optional). test/unit/schema-docs.test.ts
// fails when the committed files differ from what this produces. Run: npm run docs:schema
import { mkdir, writeFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { z } from 'zod';
import { SCHEMA_VERSION, eventSchema, orderEventSchema, returnEventSchema } from '../src/events/schema.js';
import { segmentChangeSchema } from '../src/segmentation/change-schema.js';

export interface SchemaFile {
  /** file name inside docs/schema/ */
  readonly name: string;
  /** pretty-printed JSON with a trailing newline, exactly as written to disk */
  readonly content: string;
}

export const schemaDir = new URL('../docs/schema/', import.meta.url);

const documents = [
  { name: 'order-event.json', title: 'Order event', schema: orderEventSchema, description: undefined },
  { name: 'return-event.json', title: 'Return event', schema: returnEventSchema, description: undefined },
  {
    name: 'checkout-event.json',
    title: 'Checkout event',
    schema: eventSchema,
    description: 'Any message value on the orders topic: an order or a return, told apart by "type".',
  },
  {
    name: 'segment-change.json',
    title: 'Segment change',
    schema: segmentChangeSchema,
    description: 'A message value on the segment-changes topic, keyed by customer id.',
  },
] as const;

/**
 * The schema files as they should be on disk now, without writing them, so the test can compare.
 * The JSON goes through the repository's prettier config, so `npm run format` leaves the files as they are.
 */
export async function generateSchemas(dir: URL = schemaDir): Promise<SchemaFile[]> {
  const files: SchemaFile[] = [];
  for (const { name, title, schema, description } of documents) {
    const { $schema, ...body } = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input' });
    const document = {
      $schema,
      // A URN rather than a URL: the files are not served anywhere; the version is the schemaVersion field.
      $id: `urn:insiders:schema:v${SCHEMA_VERSION}:${name.replace(/\.json$/, '')}`,
      title,
      ...(description === undefined ? {} : { description }),
      ...body,
    };
    const filepath = new URL(name, dir).pathname;
    const options = (await resolveConfig(filepath)) ?? {};
    const content = await format(JSON.stringify(document, null, 2), { ...options, filepath, parser: 'json' });
    files.push({ name, content });
  }
  return files;
}

export async function writeSchemas(dir: URL = schemaDir): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const file of await generateSchemas(dir)) {
    const target = new URL(file.name, dir);
    await writeFile(target, file.content, 'utf8');
    written.push(target.pathname);
  }
  return written;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const path of await writeSchemas()) console.log(`wrote ${path}`);
}
