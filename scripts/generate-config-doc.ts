// Writes the reference table of docs/configuration.md, between its two markers, from the zod schema in
// src/config.ts: each variable, its default as it would be written in the environment, and its
// `.describe()` text. The prose around the markers is written by hand. test/unit/config-doc.test.ts
// fails when the committed table differs from what this produces. Run: npm run docs:config
import { readFile, writeFile } from 'node:fs/promises';
import { isDeepStrictEqual } from 'node:util';
import { pathToFileURL } from 'node:url';
import { format, resolveConfig } from 'prettier';
import type { z } from 'zod';
import { configSchema } from '../src/config.js';
import { isSecretName } from '../src/secrets.js';

export const configDoc = new URL('../docs/configuration.md', import.meta.url);

export const beginMarker = '<!-- generated from src/config.ts by `npm run docs:config`: do not edit by hand -->';
export const endMarker = '<!-- end of the generated table -->';

export interface VariableRow {
  readonly name: string;
  /** as written in the environment, or undefined when the variable has no default */
  readonly shownDefault: string | undefined;
  readonly description: string;
}

/**
 * A default in the form it takes in the environment. Throws unless that form parses back to the
 * schema's default, so a default the renderer cannot show faithfully stops the generator instead of
 * being documented wrong (an output-only default such as a tuple needs `.prefault('MIN..MAX')`).
 */
function shownDefault(name: string, field: z.ZodType): string | undefined {
  const def = field.def as { type: string; defaultValue?: unknown };
  if (def.type === 'optional') return undefined;
  if (def.type !== 'default' && def.type !== 'prefault') {
    throw new Error(`${name}: expected .default(), .prefault() or .optional() outermost, found ${def.type}`);
  }
  const value = def.defaultValue;
  let shown: string;
  if (typeof value === 'string' || typeof value === 'number') shown = String(value);
  else if (typeof value === 'boolean') shown = value ? '1' : '0';
  else if (Array.isArray(value) && value.every((v) => typeof v === 'string')) shown = value.join(',');
  else throw new Error(`${name}: cannot show the default ${JSON.stringify(value)} as an environment value`);
  const parsed = field.safeParse(shown);
  const expected = field.safeParse(undefined);
  if (!parsed.success || !expected.success || !isDeepStrictEqual(parsed.data, expected.data)) {
    throw new Error(`${name}: the shown default ${JSON.stringify(shown)} does not parse to the schema's default`);
  }
  return shown;
}

/** Every variable of the schema, in its order. */
export function variableRows(): VariableRow[] {
  return Object.entries(configSchema.shape).map(([name, field]: [string, z.ZodType]) => {
    const description = field.description;
    if (description === undefined || description.trim() === '') throw new Error(`${name}: no .describe() text`);
    return { name, shownDefault: shownDefault(name, field), description };
  });
}

function tableMarkdown(rows: readonly VariableRow[]): string {
  const cell = (text: string) => text.replaceAll('|', '\\|');
  const lines = ['| variable | default | form |', '| --- | --- | --- |'];
  for (const row of rows) {
    const shown =
      row.shownDefault === undefined ? '(unset)' : row.shownDefault === '' ? '(empty)' : `\`${row.shownDefault}\``;
    const secret = isSecretName(row.name) ? ' (secret)' : '';
    lines.push(`| \`${row.name}\` | ${shown} | ${cell(row.description)}${secret} |`);
  }
  return lines.join('\n');
}

/**
 * docs/configuration.md as it should be: `current` with the text between the markers replaced by
 * the table, formatted with the repository's prettier config so `npm run format` leaves it alone.
 */
export async function generateConfigDoc(current: string): Promise<string> {
  const begin = current.indexOf(beginMarker);
  const end = current.indexOf(endMarker);
  if (begin === -1 || end < begin)
    throw new Error(`docs/configuration.md lacks the markers ${beginMarker} … ${endMarker}`);
  const text = `${current.slice(0, begin + beginMarker.length)}\n\n${tableMarkdown(variableRows())}\n\n${current.slice(end)}`;
  const filepath = configDoc.pathname;
  const options = (await resolveConfig(filepath)) ?? {};
  return format(text, { ...options, filepath, parser: 'markdown' });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const current = await readFile(configDoc, 'utf8');
  await writeFile(configDoc, await generateConfigDoc(current), 'utf8');
  console.log(`wrote ${configDoc.pathname}`);
}
