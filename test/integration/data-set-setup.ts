// Reads the bundled data set once per run, as `insiders replay` reads it (SHOP_CURRENCY's default,
// GBP), and hands the events' file to every test file through provide/inject: a test that needs
// the data set on a topic publishes that file's first events (test/support/pipeline.ts) instead
// of parsing the 7 MB CSV again in a child process of its own.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import type { TestProject } from 'vitest/node';
import { readOnlineRetailBatches } from '../../src/replay/online-retail.js';
import { onlineRetailCsv } from '../support/data-set.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** JSON Lines: the data set's checkout events in replay order, one per line */
    dataSetEvents: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'insiders-data-set-'));
  const file = path.join(dir, 'events.jsonl');
  const out = createWriteStream(file);
  for await (const items of readOnlineRetailBatches(onlineRetailCsv, { currency: 'GBP' })) {
    const lines = items.flatMap((item) => (item.kind === 'event' ? [`${JSON.stringify(item.event)}\n`] : []));
    if (lines.length > 0 && !out.write(lines.join(''))) await once(out, 'drain');
  }
  out.end();
  await finished(out);
  project.provide('dataSetEvents', file);
  return () => rm(dir, { recursive: true, force: true });
}
