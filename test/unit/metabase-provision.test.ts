// Metabase provisioning, without a Metabase: no Metabase runs on the development machine, so this
// UNIT test drives provisionMetabase through a FAKE HTTP client that stands in for Metabase's REST
// API. The fake keeps cards, databases and dashboards in memory and answers with the request and
// response shapes of Metabase's documented endpoints (/api/session/properties, /api/setup,
// /api/session, /api/database, /api/card, /api/search, /api/dashboard with dashcards). It checks
// the provisioning logic — what is sent, and that a second run updates instead of duplicating —
// not Metabase itself. The questions are the real files of metabase/questions.
import { describe, expect, it } from 'vitest';
import { InsidersError } from '../../src/errors.js';
import { provisionMetabase, type MetabaseHttp, type ProvisionOptions } from '../../src/metabase/provision.js';
import { cardsOfFile, layOut, loadCardSpecs, titleOf, type CardSpec } from '../../src/metabase/questions.js';

interface FakeCard {
  id: number;
  name: string;
  archived: boolean;
  display: string;
  description: string;
  visualization_settings: Record<string, unknown>;
  dataset_query: {
    type: string;
    database: number;
    native: { query: string; 'template-tags': Record<string, { name: string; required: boolean }> };
  };
}
interface FakeDashcard {
  id: number;
  card_id: number | null;
  row: number;
  col: number;
  size_x: number;
  size_y: number;
  parameter_mappings: { parameter_id: string; card_id: number; target: unknown }[];
}

/** A FAKE Metabase: in-memory state behind the endpoints provisioning uses. */
function fakeMetabase(admin = { email: 'admin@example.com', password: 'Insiders-2026!' }) {
  const state = {
    setupToken: 'c2f6e0b4-5d1f-4a57-9a4e-7d3f3b1c9e21' as string | null,
    sessions: new Set<string>(),
    databases: [] as { id: number; name: string; engine: string; details: Record<string, unknown> }[],
    cards: [] as FakeCard[],
    dashboards: [] as {
      id: number;
      name: string;
      archived: boolean;
      parameters: unknown[];
      dashcards: FakeDashcard[];
    }[],
    nextId: 1,
    nextDashcardId: 100,
    requests: [] as string[],
  };
  const unauthenticated = { status: 401, body: 'Unauthenticated' };
  const http: MetabaseHttp = (method, path, body, session) => {
    state.requests.push(`${method} ${path}`);
    const b = body as Record<string, unknown>;
    const answer = (status: number, value: unknown) => Promise.resolve({ status, body: structuredClone(value) });
    if (method === 'GET' && path === '/api/session/properties') {
      return answer(200, {
        'setup-token': state.setupToken,
        'has-user-setup': state.setupToken === null,
        version: { tag: 'v0.56.9' },
      });
    }
    if (method === 'POST' && path === '/api/setup') {
      if (state.setupToken === null || b.token !== state.setupToken) {
        return answer(403, { errors: { token: 'Token does not match the setup token.' } });
      }
      const user = b.user as { email: string; password: string };
      admin = { email: user.email, password: user.password };
      state.setupToken = null;
      const id = `session-${state.sessions.size + 1}`;
      state.sessions.add(id);
      return answer(200, { id });
    }
    if (method === 'POST' && path === '/api/session') {
      if (b.username !== admin.email || b.password !== admin.password) {
        return answer(401, { errors: { password: 'did not match stored password' } });
      }
      const id = `session-${state.sessions.size + 1}`;
      state.sessions.add(id);
      return answer(200, { id });
    }
    if (session === undefined || !state.sessions.has(session)) return Promise.resolve(unauthenticated);

    const idIn = (prefix: string) => Number(path.slice(prefix.length));
    if (method === 'GET' && path === '/api/database') {
      return answer(200, { data: state.databases, total: state.databases.length });
    }
    if (method === 'POST' && path === '/api/database') {
      const db = {
        id: state.nextId++,
        name: b.name as string,
        engine: b.engine as string,
        details: b.details as Record<string, unknown>,
      };
      state.databases.push(db);
      return answer(200, { ...db, details: { ...db.details, password: '**MetabasePass**' } });
    }
    if (method === 'PUT' && path.startsWith('/api/database/')) {
      const db = state.databases.find((d) => d.id === idIn('/api/database/'));
      if (!db) return answer(404, 'Not found.');
      Object.assign(db, { name: b.name, engine: b.engine, details: b.details });
      return answer(200, db);
    }
    if (method === 'GET' && path === '/api/card?f=all') return answer(200, state.cards);
    if (method === 'POST' && path === '/api/card') {
      const card = { ...(b as unknown as FakeCard), id: state.nextId++, archived: false };
      state.cards.push(card);
      return answer(200, card);
    }
    if (method === 'PUT' && path.startsWith('/api/card/')) {
      const card = state.cards.find((c) => c.id === idIn('/api/card/'));
      if (!card) return answer(404, 'Not found.');
      Object.assign(card, b);
      return answer(200, card);
    }
    if (method === 'GET' && path.startsWith('/api/search?models=dashboard&q=')) {
      const q = decodeURIComponent(path.slice('/api/search?models=dashboard&q='.length)).toLowerCase();
      const data = state.dashboards
        .filter((d) => d.name.toLowerCase().includes(q))
        .map((d) => ({ id: d.id, name: d.name, model: 'dashboard', archived: d.archived }));
      return answer(200, { data, total: data.length });
    }
    if (method === 'POST' && path === '/api/dashboard') {
      const d = { id: state.nextId++, name: b.name as string, archived: false, parameters: [], dashcards: [] };
      state.dashboards.push(d);
      return answer(200, d);
    }
    if (path.startsWith('/api/dashboard/')) {
      const d = state.dashboards.find((x) => x.id === idIn('/api/dashboard/'));
      if (!d) return answer(404, 'Not found.');
      if (method === 'GET') return answer(200, d);
      if (method === 'PUT') {
        // Metabase: dashcards with a negative id are created, those left out are deleted.
        const sent = (b.dashcards as FakeDashcard[] | undefined) ?? d.dashcards;
        d.dashcards = sent.map((c) => ({ ...c, id: c.id < 0 ? state.nextDashcardId++ : c.id }));
        if (b.parameters !== undefined) d.parameters = b.parameters as unknown[];
        return answer(200, d);
      }
    }
    return answer(404, `no such endpoint in the fake: ${method} ${path}`);
  };
  return { http, state };
}

const clickhouse = {
  host: 'clickhouse',
  port: 8123,
  user: 'default',
  password: '',
  database: 'insiders',
  ssl: false,
};

async function options(): Promise<ProvisionOptions> {
  return { user: 'admin@example.com', password: 'Insiders-2026!', clickhouse, cards: await loadCardSpecs() };
}

describe('metabase questions as cards (real files)', () => {
  it('one card per question, one per column for the scalar one, laid out without overlap', async () => {
    const cards = await loadCardSpecs();
    expect(cards.map((c) => c.name)).toEqual([
      'Insiders now: insiders',
      'Insiders now: share of customers',
      'Insiders now: share of revenue',
      'Who are the insiders',
      'Insiders over time',
      'Entries exits by reason',
      'Segment profiles',
      'Segment sizes over time',
      'Model quality',
      'What it takes',
      'Customer lookup',
    ]);
    const byName = new Map(cards.map((c) => [c.name, c]));
    expect(byName.get('Insiders now: share of revenue')).toMatchObject({
      display: 'scalar',
      visualizationSettings: { 'scalar.field': 'share_of_revenue' },
    });
    expect(byName.get('Insiders over time')?.visualizationSettings).toEqual({
      'graph.dimensions': ['day'],
      'graph.metrics': ['insiders'],
    });
    expect(byName.get('Entries exits by reason')?.visualizationSettings).toEqual({
      'graph.dimensions': ['day', 'movement'],
      'graph.metrics': ['customers'],
      'stackable.stack_type': 'stacked',
    });
    expect(byName.get('Model quality')?.visualizationSettings).toEqual({
      'graph.dimensions': ['fitted_at'],
      'graph.metrics': ['silhouette', 'k', 'trained_on'],
      series_settings: { k: { axis: 'right' }, trained_on: { axis: 'right' } },
    });
    expect(byName.get('Segment profiles')?.description).toMatch(
      /^What characterises each segment .* does each bring\?/,
    );
    const lookup = byName.get('Customer lookup')!;
    expect(Object.values(lookup.templateTags)).toEqual([
      expect.objectContaining({ name: 'customer_id', type: 'text', required: true, 'display-name': 'Customer id' }),
    ]);
    for (const c of cards) {
      if (c.name !== 'Customer lookup') expect(c.templateTags, c.name).toEqual({});
    }
    // inside the 24-column grid, no two cards on the same cell
    const cells = new Set<string>();
    for (const { layout: l, name } of cards) {
      expect(l.col + l.sizeX, name).toBeLessThanOrEqual(24);
      for (let r = l.row; r < l.row + l.sizeY; r++) {
        for (let c = l.col; c < l.col + l.sizeX; c++) {
          expect(cells.has(`${r},${c}`), `${name} overlaps at ${r},${c}`).toBe(false);
          cells.add(`${r},${c}`);
        }
      }
    }
  });

  it('titles come from file names; a header without Visualization is refused', () => {
    expect(titleOf('03_insiders_over_time.sql')).toBe('Insiders over time');
    expect(() => cardsOfFile('x.sql', '-- Question: what?\nSELECT 1')).toThrow(/Visualization/);
    const [single] = layOut(cardsOfFile('10_total.sql', '-- Question: How many?\n-- Visualization: scalar\nSELECT 1'));
    expect(single).toMatchObject({ name: 'Total', display: 'scalar', layout: { row: 0, col: 0, sizeX: 8, sizeY: 3 } });
  });
});

describe('provisionMetabase against a FAKE Metabase (unit test; no real Metabase involved)', () => {
  it('sets up a fresh instance: admin, ClickHouse connection, every card, the dashboard with its filter', async () => {
    const { http, state } = fakeMetabase();
    const o = await options();
    const report = await provisionMetabase(http, o);

    expect(report.setUp).toBe(true);
    expect(state.requests.slice(0, 2)).toEqual(['GET /api/session/properties', 'POST /api/setup']);
    expect(state.databases).toEqual([
      {
        id: report.database.id,
        name: 'Insiders (ClickHouse)',
        engine: 'clickhouse',
        details: { host: 'clickhouse', port: 8123, user: 'default', password: '', dbname: 'insiders', ssl: false },
      },
    ]);
    expect(state.cards).toHaveLength(o.cards.length);
    for (const card of state.cards) {
      expect(card.dataset_query.type).toBe('native');
      expect(card.dataset_query.database).toBe(report.database.id);
      expect(card.dataset_query.native.query).toMatch(/^-- Question: /);
    }
    expect(report.cards.every((c) => c.action === 'created')).toBe(true);

    const [dashboard] = state.dashboards;
    expect(dashboard).toMatchObject({ name: 'Insiders', parameters: [{ id: 'customer_id', type: 'string/=' }] });
    expect(dashboard!.dashcards.map((d) => d.card_id).sort()).toEqual(state.cards.map((c) => c.id).sort());
    expect(dashboard!.dashcards.every((d) => d.id > 0)).toBe(true);
    const lookupCard = state.cards.find((c) => c.name === 'Customer lookup')!;
    const lookupDashcard = dashboard!.dashcards.find((d) => d.card_id === lookupCard.id)!;
    expect(lookupDashcard.parameter_mappings).toEqual([
      { parameter_id: 'customer_id', card_id: lookupCard.id, target: ['variable', ['template-tag', 'customer_id']] },
    ]);
    expect(dashboard!.dashcards.filter((d) => d.parameter_mappings.length > 0)).toHaveLength(1);
  });

  it('a second run logs in and updates in place: same ids, no copies, a card added by hand kept', async () => {
    const { http, state } = fakeMetabase();
    const o = await options();
    const first = await provisionMetabase(http, o);
    const dashboard = state.dashboards[0]!;
    dashboard.dashcards.push({
      id: 999,
      card_id: null,
      row: 40,
      col: 0,
      size_x: 24,
      size_y: 2,
      parameter_mappings: [],
    });
    const dashcardIds = dashboard.dashcards.map((d) => d.id).sort();
    state.requests.length = 0;

    // the SQL of a question changed in the repo since
    const changed: CardSpec[] = o.cards.map((c) =>
      c.name === 'Model quality' ? { ...c, sql: `${c.sql}\n-- changed` } : c,
    );
    const second = await provisionMetabase(http, { ...o, cards: changed });

    expect(second.setUp).toBe(false);
    expect(state.requests.slice(0, 2)).toEqual(['GET /api/session/properties', 'POST /api/session']);
    expect(second.database).toEqual({ id: first.database.id, action: 'updated' });
    expect(state.databases).toHaveLength(1);
    expect(second.cards.map((c) => c.id)).toEqual(first.cards.map((c) => c.id));
    expect(second.cards.every((c) => c.action === 'updated')).toBe(true);
    expect(state.cards).toHaveLength(o.cards.length);
    expect(state.cards.find((c) => c.name === 'Model quality')?.dataset_query.native.query).toMatch(/-- changed$/);
    expect(second.dashboard).toEqual({ id: first.dashboard.id, action: 'updated', dashcards: o.cards.length + 1 });
    expect(state.dashboards).toHaveLength(1);
    expect(dashboard.dashcards.map((d) => d.id).sort()).toEqual(dashcardIds);
    expect(state.requests.filter((r) => r.startsWith('POST /api/card') || r === 'POST /api/dashboard')).toEqual([]);
  });

  it('stops with METABASE_FAILED naming the step when Metabase refuses', async () => {
    const { http } = fakeMetabase();
    await provisionMetabase(http, await options());
    const err = await provisionMetabase(http, { ...(await options()), password: 'wrong' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InsidersError);
    expect(err).toMatchObject({ code: 'METABASE_FAILED', retryable: false });
    expect((err as Error).message).toMatch(/^metabase: logging in: HTTP 401/);
  });
});
