// Metabase provisioning, without a Metabase: no Metabase runs on the development machine, so this
// UNIT test drives provisionMetabase through a FAKE HTTP client that stands in for Metabase's REST
// API. The fake keeps cards, databases, dashboards and settings in memory and answers as Metabase
// v0.56 does, case by case as its source says (paths below are in github.com/metabase/metabase):
// /api/session/properties, /api/setup, /api/session, /api/setting/:key, /api/database (which
// tests the connection), /api/card, /api/dashboard (the list, and the PUT with tabs and
// dashcards). It checks the provisioning logic — what is sent, and that a second run updates
// instead of duplicating or breaking what a user did — not Metabase itself. The questions are the
// real files of metabase/questions.
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
  dashboard_tab_id?: number | null;
  row: number;
  col: number;
  size_x: number;
  size_y: number;
  parameter_mappings: { parameter_id: string; card_id: number; target: unknown }[];
  visualization_settings?: Record<string, unknown>;
  series?: unknown[];
}
interface FakeTab {
  id: number;
  name: string;
  position: number;
}
type Details = Record<string, unknown>;

const PROTECTED_PASSWORD = '**MetabasePass**';
/** What Metabase's ClickHouse driver answers when it cannot connect (src/metabase/driver/util.clj). */
const CANNOT_CONNECT = "Hmm, we couldn't connect to the database. Make sure your Host and Port settings are correct";

/** A FAKE Metabase v0.56: in-memory state behind the endpoints provisioning uses. */
function fakeMetabase({
  admin = { email: 'admin@example.com', password: 'Insiders-2026!' },
  // whether "Metabase" reaches a ClickHouse with these connection details
  reachable = (details: Details) => details.host === 'clickhouse',
} = {}) {
  const state = {
    setupToken: 'c2f6e0b4-5d1f-4a57-9a4e-7d3f3b1c9e21',
    hasUserSetup: false,
    settings: { 'anon-tracking-enabled': true } as Record<string, unknown>,
    sessions: new Set<string>(),
    databases: [] as { id: number; name: string; engine: string; details: Details }[],
    cards: [] as FakeCard[],
    dashboards: [] as {
      id: number;
      name: string;
      archived: boolean;
      parameters: unknown[];
      tabs: FakeTab[];
      dashcards: FakeDashcard[];
    }[],
    nextId: 1,
    nextDashcardId: 100,
    nextTabId: 500,
    requests: [] as string[],
  };
  const unauthenticated = { status: 401, body: 'Unauthenticated' };
  const http: MetabaseHttp = (method, path, body, session) => {
    state.requests.push(`${method} ${path}`);
    const b = body as Record<string, unknown>;
    const answer = (status: number, value: unknown) => Promise.resolve({ status, body: structuredClone(value) });
    const newSession = () => {
      const id = `session-${state.sessions.size + 1}`;
      state.sessions.add(id);
      return answer(200, { id });
    };
    if (method === 'GET' && path === '/api/session/properties') {
      // public settings; src/metabase/setup/settings.clj: the setup token stays after setup
      return answer(200, {
        'setup-token': state.setupToken,
        'has-user-setup': state.hasUserSetup,
        'anon-tracking-enabled': state.settings['anon-tracking-enabled'],
        version: { tag: 'v0.56.9' },
      });
    }
    if (method === 'POST' && path === '/api/setup') {
      // src/metabase/setup/api.clj: a malli schema first (400 with errors per key), then 403 once
      // a user exists; prefs.allow_tracking and user.site_name are not in the schema, and setup
      // sets anon-tracking-enabled to true.
      const user = (b.user ?? {}) as { email?: string; password?: string };
      const prefs = (b.prefs ?? {}) as { site_name?: unknown };
      const errors: Record<string, string> = {};
      if (b.token !== state.setupToken) errors.token = 'Token does not match the setup token.';
      if (typeof prefs.site_name !== 'string' || prefs.site_name.trim() === '') {
        errors.site_name = 'value must be a non-blank string.';
      }
      if (Object.keys(errors).length > 0) return answer(400, { errors, 'specific-errors': {} });
      if (state.hasUserSetup) {
        return answer(403, {
          message: 'The /api/setup route can only be used to create the first user, however a user currently exists.',
        });
      }
      admin = { email: user.email ?? '', password: user.password ?? '' };
      state.hasUserSetup = true;
      state.settings['anon-tracking-enabled'] = true;
      return newSession();
    }
    if (method === 'POST' && path === '/api/session') {
      if (b.username !== admin.email || b.password !== admin.password) {
        return answer(401, { errors: { password: 'did not match stored password' } });
      }
      return newSession();
    }
    if (session === undefined || !state.sessions.has(session)) return Promise.resolve(unauthenticated);

    const idIn = (prefix: string) => Number(path.slice(prefix.length));
    if (method === 'PUT' && path.startsWith('/api/setting/')) {
      // src/metabase/settings/api.clj: {value}, 204 without a body
      state.settings[path.slice('/api/setting/'.length)] = b.value;
      return answer(204, null);
    }
    // src/metabase/warehouses/api.clj: POST and PUT test the connection and answer 400 with the
    // driver's message when it fails; PUT merges the details sent into those stored, the
    // protected password standing for the stored one.
    const connectionError = (details: Details) =>
      reachable(details)
        ? undefined
        : { message: CANNOT_CONNECT, errors: { host: 'check your host settings', port: 'check your port settings' } };
    if (method === 'GET' && path === '/api/database') {
      return answer(200, { data: state.databases, total: state.databases.length });
    }
    if (method === 'POST' && path === '/api/database') {
      const details = b.details as Details;
      const error = connectionError(details);
      if (error) return answer(400, error);
      const db = { id: state.nextId++, name: b.name as string, engine: b.engine as string, details };
      state.databases.push(db);
      return answer(200, { ...db, details: { ...db.details, password: PROTECTED_PASSWORD } });
    }
    if (method === 'PUT' && path.startsWith('/api/database/')) {
      const db = state.databases.find((d) => d.id === idIn('/api/database/'));
      if (!db) return answer(404, 'Not found.');
      const sent = (b.details ?? {}) as Details;
      const details = {
        ...db.details,
        ...sent,
        ...(sent.password === PROTECTED_PASSWORD ? { password: db.details.password } : {}),
      };
      if (JSON.stringify(details) !== JSON.stringify(db.details)) {
        const error = connectionError(details);
        if (error) return answer(400, error);
      }
      Object.assign(db, { name: b.name ?? db.name, engine: b.engine ?? db.engine, details });
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
    if (method === 'GET' && path === '/api/dashboard/?f=all') {
      // src/metabase/dashboards/api.clj, dashboards-list: a bare array, not archived, by lower-case name
      const list = state.dashboards
        .filter((d) => !d.archived)
        .map(({ id, name, archived }) => ({ id, name, archived }))
        .sort((x, y) => x.name.toLowerCase().localeCompare(y.name.toLowerCase()));
      return answer(200, list);
    }
    if (method === 'POST' && path === '/api/dashboard') {
      const d = {
        id: state.nextId++,
        name: b.name as string,
        archived: false,
        parameters: [],
        tabs: [],
        dashcards: [],
      };
      state.dashboards.push(d);
      return answer(200, d);
    }
    if (path.startsWith('/api/dashboard/')) {
      const d = state.dashboards.find((x) => x.id === idIn('/api/dashboard/'));
      if (!d) return answer(404, 'Not found.');
      if (method === 'GET') return answer(200, d);
      if (method === 'PUT') {
        // src/metabase/dashboards/api.clj, update-dashboard!: with dashcards sent, a dashboard
        // that has tabs needs a tab on every dashcard (else 400); the tabs and dashcards sent
        // replace the current ones (negative ids are created, those left out deleted, with the
        // dashcards of a deleted tab), each dashcard taking the fields sent.
        if (b.parameters !== undefined) d.parameters = b.parameters as unknown[];
        const sent = b.dashcards as FakeDashcard[] | undefined;
        if (sent === undefined) return answer(200, d);
        if (d.tabs.length > 0 && !sent.every((c) => c.dashboard_tab_id !== undefined && c.dashboard_tab_id !== null)) {
          return answer(400, 'This dashboard has tab, makes sure every card has a tab');
        }
        const tabIds = new Map<number, number>();
        d.tabs = ((b.tabs as { id: number; name: string }[] | undefined) ?? []).map((t, position) => {
          const id = t.id < 0 ? state.nextTabId++ : t.id;
          tabIds.set(t.id, id);
          return { id, name: t.name, position };
        });
        d.dashcards = sent
          .map((c) => ({
            ...c,
            id: c.id < 0 ? state.nextDashcardId++ : c.id,
            ...(c.dashboard_tab_id == null ? {} : { dashboard_tab_id: tabIds.get(c.dashboard_tab_id) ?? -1 }),
          }))
          .filter((c) => c.dashboard_tab_id !== -1);
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

describe('provisionMetabase: what Metabase v0.56 does differently from the obvious (FAKE Metabase)', () => {
  /** A user's session on the fake, as the UI would have one. */
  async function userSession(http: MetabaseHttp): Promise<string> {
    const res = await http('POST', '/api/session', { username: 'admin@example.com', password: 'Insiders-2026!' });
    return (res.body as { id: string }).id;
  }
  const snapshot = (state: ReturnType<typeof fakeMetabase>['state']) =>
    structuredClone({
      databases: state.databases,
      cards: state.cards,
      dashboards: state.dashboards,
      settings: state.settings,
    });

  it('the fake answers /api/setup as Metabase: 400 for a wrong token, 403 once a user exists, token kept', async () => {
    const { http, state } = fakeMetabase();
    const body = {
      token: 'not-the-token',
      user: { email: 'a@example.com', password: 'Insiders-2026!' },
      prefs: { site_name: 'Insiders' },
    };
    expect(await http('POST', '/api/setup', body)).toEqual({
      status: 400,
      body: { errors: { token: 'Token does not match the setup token.' }, 'specific-errors': {} },
    });
    await provisionMetabase(http, await options());
    const again = await http('POST', '/api/setup', { ...body, token: state.setupToken });
    expect(again.status).toBe(403);
    const properties = (await http('GET', '/api/session/properties')).body;
    expect(properties).toMatchObject({ 'setup-token': state.setupToken, 'has-user-setup': true });
  });

  it('turns anonymous usage tracking off after the setup turned it on, unless asked to keep it', async () => {
    const off = fakeMetabase();
    await provisionMetabase(off.http, await options());
    expect(off.state.settings['anon-tracking-enabled']).toBe(false);
    expect(off.state.requests).toContain('PUT /api/setting/anon-tracking-enabled');
    // a later run leaves the setting to the admin
    off.state.settings['anon-tracking-enabled'] = true;
    await provisionMetabase(off.http, await options());
    expect(off.state.settings['anon-tracking-enabled']).toBe(true);

    const on = fakeMetabase();
    await provisionMetabase(on.http, { ...(await options()), anonymousTracking: true });
    expect(on.state.settings['anon-tracking-enabled']).toBe(true);
  });

  it('a second run in a row changes nothing and creates nothing', async () => {
    const { http, state } = fakeMetabase();
    const o = await options();
    await provisionMetabase(http, o);
    const before = snapshot(state);
    state.requests.length = 0;
    await provisionMetabase(http, o);
    expect(snapshot(state)).toEqual(before);
    expect(state.requests.filter((r) => r.startsWith('POST ') && r !== 'POST /api/session')).toEqual([]);
  });

  it('updates a dashboard with a tab added by hand without error: the tabs stay, new cards go on the first', async () => {
    const { http, state } = fakeMetabase();
    const o = await options();
    const first = await provisionMetabase(http, o);
    // What the UI sends when a user adds tabs: every dashcard on the first tab, a note on the second.
    const session = await userSession(http);
    const dashboard = state.dashboards[0]!;
    const byUser = await http(
      'PUT',
      `/api/dashboard/${dashboard.id}`,
      {
        tabs: [
          { id: -1, name: 'Overview' },
          { id: -2, name: 'Notes' },
        ],
        dashcards: [
          ...dashboard.dashcards.map((d) => ({ ...d, dashboard_tab_id: -1 })),
          {
            id: -3,
            card_id: null,
            dashboard_tab_id: -2,
            row: 0,
            col: 0,
            size_x: 12,
            size_y: 2,
            parameter_mappings: [],
          },
        ],
      },
      session,
    );
    expect(byUser.status).toBe(200);
    const tabs = structuredClone(dashboard.tabs);
    const [overview, notes] = tabs;

    // what the provisioning sent before: no tabs, dashcards without one
    const untabbed = await http(
      'PUT',
      `/api/dashboard/${dashboard.id}`,
      { dashcards: dashboard.dashcards.map((d) => ({ ...d, dashboard_tab_id: undefined })) },
      session,
    );
    expect(untabbed).toEqual({ status: 400, body: 'This dashboard has tab, makes sure every card has a tab' });

    const added: CardSpec = {
      ...o.cards[0]!,
      name: 'Insiders now: added later',
      layout: { row: 60, col: 0, sizeX: 6, sizeY: 3 },
    };
    const second = await provisionMetabase(http, { ...o, cards: [...o.cards, added] });
    expect(second.dashboard.id).toBe(first.dashboard.id);
    expect(dashboard.tabs).toEqual(tabs);
    const addedCard = second.cards.find((c) => c.name === added.name)!;
    expect(dashboard.dashcards.find((d) => d.card_id === addedCard.id)?.dashboard_tab_id).toBe(overview!.id);
    expect(dashboard.dashcards.filter((d) => d.dashboard_tab_id === overview!.id)).toHaveLength(o.cards.length + 1);
    expect(dashboard.dashcards.filter((d) => d.dashboard_tab_id === notes!.id)).toEqual([
      expect.objectContaining({ card_id: null, size_x: 12 }),
    ]);
  });

  it('keeps the visualization settings a user gave a dashcard', async () => {
    const { http, state } = fakeMetabase();
    const o = await options();
    await provisionMetabase(http, o);
    const dashboard = state.dashboards[0]!;
    const target = dashboard.dashcards[0]!;
    target.visualization_settings = { 'card.title': 'Insiders today', 'card.hide_empty': true };
    await provisionMetabase(http, o);
    expect(dashboard.dashcards.find((d) => d.id === target.id)?.visualization_settings).toEqual({
      'card.title': 'Insiders today',
      'card.hide_empty': true,
    });
  });

  it('finds the dashboard in the list of dashboards, not the search index', async () => {
    const { http, state } = fakeMetabase();
    await provisionMetabase(http, await options());
    await provisionMetabase(http, await options());
    expect(state.dashboards).toHaveLength(1);
    expect(state.requests.filter((r) => r.startsWith('GET /api/search'))).toEqual([]);
    expect(state.requests.filter((r) => r === 'GET /api/dashboard/?f=all')).toHaveLength(2);
  });

  it('an unreachable ClickHouse: a retryable error naming the address (exit code 1), on adding and on updating', async () => {
    const down = fakeMetabase({ reachable: () => false });
    const err = await provisionMetabase(down.http, await options()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InsidersError);
    expect(err).toMatchObject({ code: 'METABASE_FAILED', retryable: true });
    expect((err as Error).message).toBe(
      'metabase: Metabase could not connect to ClickHouse at clickhouse:8123 (database insiders, http): ' +
        `${CANNOT_CONNECT}; is ClickHouse up, and is that its address as Metabase reaches it ` +
        '(--clickhouse-host, --clickhouse-port)?',
    );
    expect(down.state.databases).toEqual([]);

    const { http, state } = fakeMetabase();
    await provisionMetabase(http, await options());
    const moved = await provisionMetabase(http, {
      ...(await options()),
      clickhouse: { ...clickhouse, host: 'clickhous' },
    }).catch((e: unknown) => e);
    expect(moved).toMatchObject({ code: 'METABASE_FAILED', retryable: true });
    expect((moved as Error).message).toMatch(/^metabase: Metabase could not connect to ClickHouse at clickhous:8123 /);
    expect(state.databases[0]?.details.host).toBe('clickhouse');
  });
});
