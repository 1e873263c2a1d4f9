// Every relative link of the project's documents resolves: the file or folder exists, and a
// #fragment names a heading of the target as GitHub slugs it (github-slugger, the slugger GitHub's
// renderer follows; a repeated heading gets -1, -2, ...). Links inside code are not links.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import GithubSlugger from 'github-slugger';
import { Lexer, type Token, type Tokens } from 'marked';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

const documents = [
  'README.md',
  ...readdirSync(path.join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
  'bench/README.md',
  'test/README.md',
  'metabase/README.md',
  'data/README.md',
];

/** Every token of a markdown text, depth first (list items, table cells, emphasis, ...). */
function* walk(tokens: readonly Token[]): Generator<Token> {
  for (const token of tokens) {
    yield token;
    const t = token as Token & {
      tokens?: Token[];
      items?: Tokens.ListItem[];
      header?: Tokens.TableCell[];
      rows?: Tokens.TableCell[][];
    };
    if (t.tokens) yield* walk(t.tokens);
    if (t.items) yield* walk(t.items);
    if (t.header) for (const cell of t.header) yield* walk(cell.tokens);
    if (t.rows) for (const row of t.rows) for (const cell of row) yield* walk(cell.tokens);
  }
}

/** A heading's text as rendered (code spans keep their content, links their text, emphasis drops). */
function plainText(tokens: readonly Token[]): string {
  return tokens
    .map((t) => {
      const nested = (t as { tokens?: Token[] }).tokens;
      if (nested && t.type !== 'codespan') return plainText(nested);
      return t.type === 'codespan' || t.type === 'text' || t.type === 'escape' ? (t as Tokens.Text).text : '';
    })
    .join('');
}

const parsed = new Map<string, readonly Token[]>();
function tokensOf(file: string): readonly Token[] {
  let tokens = parsed.get(file);
  if (!tokens) {
    tokens = new Lexer({ gfm: true }).lex(readFileSync(path.join(root, file), 'utf8'));
    parsed.set(file, tokens);
  }
  return tokens;
}

/** The #fragments a markdown file's headings give on GitHub. */
function anchorsOf(file: string): Set<string> {
  const slugger = new GithubSlugger();
  const anchors = new Set<string>();
  for (const token of walk(tokensOf(file))) {
    if (token.type === 'heading') anchors.add(slugger.slug(plainText((token as Tokens.Heading).tokens)));
  }
  return anchors;
}

/** The relative links of a document that do not resolve, each with what is wrong. */
function brokenLinks(file: string): string[] {
  const broken: string[] = [];
  for (const token of walk(tokensOf(file))) {
    if (token.type !== 'link' && token.type !== 'image') continue;
    const href = (token as Tokens.Link).href;
    if (/^[a-z][a-z0-9+.-]*:/i.test(href)) continue; // http:, https:, mailto:
    const hash = href.indexOf('#');
    const target = decodeURIComponent(hash === -1 ? href : href.slice(0, hash));
    const fragment = hash === -1 ? undefined : decodeURIComponent(href.slice(hash + 1));
    const resolved = target === '' ? file : path.posix.normalize(path.posix.join(path.posix.dirname(file), target));
    if (resolved.startsWith('..') || !existsSync(path.join(root, resolved))) {
      broken.push(`${href}: no file ${resolved}`);
      continue;
    }
    if (fragment === undefined) continue;
    if (!resolved.endsWith('.md') || statSync(path.join(root, resolved)).isDirectory()) {
      broken.push(`${href}: a #fragment on ${resolved}, which is not a markdown file`);
    } else if (!anchorsOf(resolved).has(fragment)) {
      broken.push(`${href}: no heading of ${resolved} gives #${fragment}`);
    }
  }
  return broken;
}

describe('links between the documents', () => {
  it.each(documents)('every relative link of %s resolves, #anchors included', (file) => {
    expect(brokenLinks(file)).toEqual([]);
  });

  it('slugs headings as GitHub does', () => {
    // bench/README.md's heading with a code span and an arrow, as GitHub renders its anchor
    expect(anchorsOf('bench/README.md')).toContain(
      'latency-order-produced--new-segment-visible-in-clickhouse-benchlatency',
    );
    expect(anchorsOf('docs/operations.md')).toContain('with-docker');
  });

  it('finds a link that does not resolve', () => {
    const tokens = new Lexer({ gfm: true }).lex('[a](README.md#no-such-heading) `[b](nowhere.md)` [c](nowhere.md)');
    parsed.set('probe.md', tokens);
    expect(brokenLinks('probe.md')).toEqual([
      'README.md#no-such-heading: no heading of README.md gives #no-such-heading',
      'nowhere.md: no file nowhere.md',
    ]);
  });
});
