// Keeps the configuration reference honest: docs/configuration.md's table must be what the generator
// produces from the zod schema in src/config.ts now.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { configDoc, generateConfigDoc, variableRows } from '../../scripts/generate-config-doc.js';
import { configSchema, loadConfig } from '../../src/config.js';

describe('docs/configuration.md', () => {
  it('has the table the generator produces from src/config.ts', async () => {
    const onDisk = await readFile(configDoc, 'utf8');
    expect(onDisk, 'docs/configuration.md is out of date: run npm run docs:config').toBe(
      await generateConfigDoc(onDisk),
    );
  });

  it('lists every variable of the schema, and ENV_FILE', async () => {
    const doc = await readFile(configDoc, 'utf8');
    const listed = new Set([...doc.matchAll(/^\| `([A-Z_]+)` +\|/gm)].map((m) => m[1]));
    expect([...Object.keys(configSchema.shape), 'ENV_FILE'].filter((v) => !listed.has(v))).toEqual([]);
  });

  it('shows each default in a form that loads as the default', () => {
    const rows = variableRows();
    const shown = Object.fromEntries(
      rows.flatMap((r) => (r.shownDefault === undefined ? [] : [[r.name, r.shownDefault]])),
    );
    expect(loadConfig(shown)).toEqual(loadConfig({}));
    expect(shown).toMatchObject({ MODEL_K_RANGE: '2..10', INSIDERS_SHARE_BAND: '5..20', KAFKA_TLS: '0' });
    expect(rows.find((r) => r.name === 'STATE_SHARDS')?.shownDefault).toBeUndefined();
  });
});
