// The dashboard's questions as Metabase cards: one card per SQL file in metabase/questions (one
// per column for a "scalar" question with several), named, described and visualized from the
// file's header, placed on the dashboard's grid in file order. Pure apart from reading the files.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InsidersError } from '../errors.js';

/** metabase/questions, reached the same way from src/metabase (tests) and dist/metabase (the built CLI). */
export const questionsDir = fileURLToPath(new URL('../../metabase/questions/', import.meta.url));

export type Display = 'scalar' | 'line' | 'bar' | 'table';

/** A `{{name}}` variable of a native query, as Metabase stores it in `template-tags`. */
export interface TemplateTag {
  readonly id: string;
  readonly name: string;
  readonly 'display-name': string;
  readonly type: 'text';
  readonly required: boolean;
}

export interface CardSpec {
  /** the card's name in Metabase: how a later run finds it again */
  readonly name: string;
  readonly description: string;
  readonly display: Display;
  readonly sql: string;
  readonly templateTags: Readonly<Record<string, TemplateTag>>;
  readonly visualizationSettings: Readonly<Record<string, unknown>>;
  /** where it sits on the dashboard (a 24-column grid) */
  readonly layout: { readonly row: number; readonly col: number; readonly sizeX: number; readonly sizeY: number };
  readonly file: string;
}

/** "03_insiders_over_time.sql" -> "Insiders over time" */
export function titleOf(file: string): string {
  const stem = path.basename(file, '.sql').replace(/^\d+_/, '').replaceAll('_', ' ');
  return stem.charAt(0).toUpperCase() + stem.slice(1);
}

/** A stable UUID-shaped id (Metabase keys template tags by one), so a re-run sends the same. */
function stableId(...parts: string[]): string {
  const h = createHash('sha256').update(parts.join('\0')).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

interface Header {
  readonly question: string;
  readonly display: Display;
  /** the text in parentheses after the visualization, if any */
  readonly detail: string;
  readonly requiredTags: ReadonlySet<string>;
}

function parseHeader(file: string, sql: string): Header {
  const lines = sql.split(/\r?\n/);
  const comments: string[] = [];
  for (const line of lines) {
    if (!/^\s*--/.test(line)) break;
    comments.push(line.replace(/^\s*--\s?/, ''));
  }
  const qAt = comments.findIndex((c) => c.startsWith('Question: '));
  const vAt = comments.findIndex((c) => c.startsWith('Visualization: '));
  if (qAt < 0 || vAt < 0) {
    throw new InsidersError(
      'CONFIG_INVALID',
      `${file}: the header needs a "-- Question:" and a "-- Visualization:" line`,
    );
  }
  // The question may go on over several comment lines, up to the next "Key: " line.
  const question = [comments[qAt]!.slice('Question: '.length)];
  for (let i = qAt + 1; i < comments.length && !/^[A-Z][A-Za-z ]*[:{]/.test(comments[i]!); i++) {
    question.push(comments[i]!);
  }
  const v = /^Visualization: (scalar|line|bar|table)\b\s*(?:\((.*)\))?/.exec(comments[vAt]!);
  if (!v) throw new InsidersError('CONFIG_INVALID', `${file}: Visualization must be scalar, line, bar or table`);
  const requiredTags = new Set<string>();
  for (const c of comments) {
    const t = /^Template tag \{\{(\w+)\}\}:.*\brequired\b/.exec(c);
    if (t?.[1] !== undefined) requiredTags.add(t[1]);
  }
  return { question: question.join(' ').trim(), display: v[1] as Display, detail: v[2] ?? '', requiredTags };
}

/** "x: day, y: customers, series: movement, stacked; k and trained_on on a second axis" -> graph settings */
function graphSettings(display: 'line' | 'bar', detail: string): Record<string, unknown> {
  const [main = '', ...notes] = detail.split(';').map((s) => s.trim());
  const fields = new Map<string, string>();
  let stacked = false;
  for (const part of main.split(',').map((s) => s.trim())) {
    const m = /^(x|y|series): (\w+)$/.exec(part);
    if (m?.[1] !== undefined && m[2] !== undefined) fields.set(m[1], m[2]);
    else if (part === 'stacked') stacked = true;
  }
  const dimensions = [fields.get('x'), fields.get('series')].filter((d): d is string => d !== undefined);
  const metrics = [fields.get('y')].filter((d): d is string => d !== undefined);
  const seriesSettings: Record<string, unknown> = {};
  for (const note of notes) {
    const second = /^(.+) on a second axis$/.exec(note);
    if (!second?.[1]) continue;
    for (const column of second[1].split(/\s+and\s+|,\s*/)) {
      metrics.push(column);
      seriesSettings[column] = { axis: 'right' };
    }
  }
  return {
    'graph.dimensions': dimensions,
    'graph.metrics': metrics,
    ...(Object.keys(seriesSettings).length > 0 ? { series_settings: seriesSettings } : {}),
    ...(display === 'bar' && stacked ? { 'stackable.stack_type': 'stacked' } : {}),
  };
}

/** The cards of one question file, without their layout. */
export function cardsOfFile(file: string, sql: string): Omit<CardSpec, 'layout'>[] {
  const header = parseHeader(file, sql);
  const title = titleOf(file);
  const templateTags: Record<string, TemplateTag> = {};
  for (const m of sql.matchAll(/\{\{(\w+)\}\}/g)) {
    const name = m[1]!;
    // the header's own mention of the tag is a comment, not a variable: tags come from anywhere
    templateTags[name] = {
      id: stableId(file, name),
      name,
      'display-name': titleOf(name),
      type: 'text',
      required: header.requiredTags.has(name),
    };
  }
  const base = { description: header.question, sql, templateTags, file };
  if (header.display === 'scalar') {
    const columns = /card per column: ([\w, ]+)/
      .exec(header.detail)?.[1]
      ?.split(',')
      .map((c) => c.trim());
    if (columns === undefined || columns.length <= 1) {
      return [{ ...base, name: title, display: 'scalar', visualizationSettings: {} }];
    }
    return columns.map((column) => ({
      ...base,
      name: `${title}: ${column.replaceAll('_', ' ')}`,
      display: 'scalar' as const,
      visualizationSettings: { 'scalar.field': column },
    }));
  }
  if (header.display === 'table') return [{ ...base, name: title, display: 'table', visualizationSettings: {} }];
  return [
    {
      ...base,
      name: title,
      display: header.display,
      visualizationSettings: graphSettings(header.display, header.detail),
    },
  ];
}

/**
 * Places cards on the 24-column grid in order: numbers three across (8 x 3), charts two across
 * (12 x 6), tables full width (24 x 8).
 */
export function layOut(cards: readonly Omit<CardSpec, 'layout'>[]): CardSpec[] {
  const placed: CardSpec[] = [];
  let row = 0;
  let col = 0;
  let rowHeight = 0;
  for (const card of cards) {
    const [sizeX, sizeY] = card.display === 'scalar' ? [8, 3] : card.display === 'table' ? [24, 8] : [12, 6];
    if (col + sizeX > 24) {
      row += rowHeight;
      col = 0;
      rowHeight = 0;
    }
    placed.push({ ...card, layout: { row, col, sizeX, sizeY } });
    col += sizeX;
    rowHeight = Math.max(rowHeight, sizeY);
  }
  return placed;
}

/** Every question of `dir` as cards, in file order, laid out. */
export async function loadCardSpecs(dir: string = questionsDir): Promise<CardSpec[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  const cards: Omit<CardSpec, 'layout'>[] = [];
  for (const file of files) cards.push(...cardsOfFile(file, await readFile(path.join(dir, file), 'utf8')));
  return layOut(cards);
}
