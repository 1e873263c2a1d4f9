// Creates or updates, through Metabase's REST API, everything the "Insiders" dashboard needs:
// the first admin on a fresh instance (/api/setup, then anonymous usage tracking off unless asked
// for), the ClickHouse connection (/api/database), one native-SQL card per question (/api/card)
// and the dashboard with its cards and its customer filter (/api/dashboard, then PUT with `tabs`
// and `dashcards`). Idempotent: the connection, the cards and the dashboard are found again by
// name, so a second run updates them in place instead of adding copies; dashcards keep their ids,
// their tab and the visualization settings a user gave them, and tabs added by hand stay. Checked
// against Metabase v0.56's API (metabase/README.md). The HTTP client comes in as an argument
// (fetch-based in the CLI, a fake in unit tests).
import { InsidersError } from '../errors.js';
import type { CardSpec } from './questions.js';

type Method = 'GET' | 'POST' | 'PUT';

export interface MetabaseResponse {
  readonly status: number;
  readonly body: unknown;
}

/** One JSON request to Metabase; `session` goes in the X-Metabase-Session header. */
export type MetabaseHttp = (
  method: Method,
  path: string,
  body?: unknown,
  session?: string,
) => Promise<MetabaseResponse>;

/** The ClickHouse connection as Metabase reaches it (in docker compose: host `clickhouse`). */
export interface ClickHouseConnection {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
  readonly ssl: boolean;
}

export interface ProvisionOptions {
  /** the admin's e-mail address (Metabase logs in with it) and password */
  readonly user: string;
  readonly password: string;
  readonly clickhouse: ClickHouseConnection;
  readonly cards: readonly CardSpec[];
  /** the connection's name in Metabase */
  readonly databaseName?: string;
  readonly dashboardName?: string;
  /** keep Metabase's anonymous usage tracking on after the first-time setup (default: off) */
  readonly anonymousTracking?: boolean;
}

export type Action = 'created' | 'updated';

export interface ProvisionReport {
  /** true when this run created the first admin (a fresh instance) */
  readonly setUp: boolean;
  readonly database: { readonly id: number; readonly action: Action };
  readonly cards: readonly { readonly id: number; readonly name: string; readonly action: Action }[];
  readonly dashboard: { readonly id: number; readonly action: Action; readonly dashcards: number };
}

export const DEFAULT_DATABASE_NAME = 'Insiders (ClickHouse)';
export const DEFAULT_DASHBOARD_NAME = 'Insiders';

/** The dashboard's text filter, wired to every card that has a `customer_id` variable. */
const CUSTOMER_PARAMETER = {
  id: 'customer_id',
  name: 'Customer',
  slug: 'customer_id',
  type: 'string/=',
  sectionId: 'string',
};

interface Entity {
  id: number;
  name: string;
  archived?: boolean;
}

function fail(what: string, res: MetabaseResponse): never {
  const detail = typeof res.body === 'string' ? res.body : JSON.stringify(res.body);
  throw new InsidersError('METABASE_FAILED', `metabase: ${what}: HTTP ${res.status} ${detail.slice(0, 500)}`, {
    retryable: res.status >= 500,
  });
}

/** Lists come bare (an array) or wrapped ({ data: [...] }) depending on the endpoint and version. */
function listOf<T>(body: unknown): T[] {
  if (Array.isArray(body)) return body as T[];
  const data = (body as { data?: unknown } | null)?.data;
  return Array.isArray(data) ? (data as T[]) : [];
}

/**
 * Metabase tests the connection when a database is added or its details change, and answers 400
 * with its driver's message when it cannot connect: ClickHouse may not be up yet (a retry helps)
 * or the address is wrong (--clickhouse-host/--clickhouse-port fix it); the message names both.
 */
function unreachable(ch: ClickHouseConnection, res: MetabaseResponse): never {
  const said = (res.body as { message?: unknown } | null)?.message;
  const detail = typeof said === 'string' ? said : JSON.stringify(res.body);
  throw new InsidersError(
    'METABASE_FAILED',
    `metabase: Metabase could not connect to ClickHouse at ${ch.host}:${ch.port} (database ${ch.database}, ` +
      `${ch.ssl ? 'https' : 'http'}): ${detail.slice(0, 500)}; is ClickHouse up, and is that its address as Metabase ` +
      'reaches it (--clickhouse-host, --clickhouse-port)?',
    { retryable: true },
  );
}

interface Dashcard {
  id: number;
  card_id: number | null;
  dashboard_tab_id?: number | null;
  visualization_settings?: Record<string, unknown>;
  series?: unknown[];
}

export async function provisionMetabase(http: MetabaseHttp, options: ProvisionOptions): Promise<ProvisionReport> {
  const send = (method: Method, path: string, body?: unknown, session?: string) => http(method, path, body, session);
  const call = async (what: string, method: Method, path: string, body?: unknown, session?: string) => {
    const res = await send(method, path, body, session);
    if (res.status < 200 || res.status >= 300) fail(what, res);
    return res.body;
  };

  // 1. A session: the first admin on a fresh instance (its setup token is public until then), else a login.
  const properties = (await call('reading session properties', 'GET', '/api/session/properties')) as {
    'setup-token'?: string | null;
    'has-user-setup'?: boolean;
  };
  let session: string;
  let setUp = false;
  if (properties['has-user-setup'] === false && properties['setup-token']) {
    // The body /api/setup reads (src/metabase/setup/api.clj): it has no tracking preference and
    // turns anonymous usage tracking on, so the setting is turned off next unless asked for.
    const created = (await call('first-time setup', 'POST', '/api/setup', {
      token: properties['setup-token'],
      user: { email: options.user, password: options.password, first_name: 'Insiders', last_name: 'Admin' },
      prefs: { site_name: 'Insiders', site_locale: 'en' },
    })) as { id: string };
    session = created.id;
    setUp = true;
    if (options.anonymousTracking !== true) {
      await call(
        'turning anonymous usage tracking off',
        'PUT',
        '/api/setting/anon-tracking-enabled',
        { value: false },
        session,
      );
    }
  } else {
    const login = (await call('logging in', 'POST', '/api/session', {
      username: options.user,
      password: options.password,
    })) as { id: string };
    session = login.id;
  }
  const get = (what: string, path: string) => call(what, 'GET', path, undefined, session);
  const post = (what: string, path: string, body: unknown) => call(what, 'POST', path, body, session);
  const put = (what: string, path: string, body: unknown) => call(what, 'PUT', path, body, session);

  // 2. The ClickHouse connection, by name.
  const databaseName = options.databaseName ?? DEFAULT_DATABASE_NAME;
  const ch = options.clickhouse;
  const databaseBody = {
    name: databaseName,
    engine: 'clickhouse',
    details: {
      host: ch.host,
      port: ch.port,
      user: ch.user,
      password: ch.password,
      dbname: ch.database,
      ssl: ch.ssl,
    },
  };
  const databases = listOf<Entity & { engine?: string }>(await get('listing databases', '/api/database'));
  const existingDb = databases.find((d) => d.name === databaseName && d.engine === 'clickhouse');
  let database: ProvisionReport['database'];
  const saveDatabase = async (what: string, method: Method, path: string, body: unknown) => {
    const res = await send(method, path, body, session);
    if (res.status === 400) unreachable(ch, res);
    if (res.status < 200 || res.status >= 300) fail(what, res);
    return res.body as Entity;
  };
  if (existingDb) {
    await saveDatabase(`updating database ${existingDb.id}`, 'PUT', `/api/database/${existingDb.id}`, databaseBody);
    database = { id: existingDb.id, action: 'updated' };
  } else {
    const created = await saveDatabase('adding the ClickHouse database', 'POST', '/api/database', {
      ...databaseBody,
      is_full_sync: true,
    });
    database = { id: created.id, action: 'created' };
  }

  // 3. One card per question, by name among the cards on this connection.
  const allCards = listOf<Entity & { dataset_query?: { database?: number } }>(
    await get('listing cards', '/api/card?f=all'),
  );
  const ours = allCards
    .filter((c) => !c.archived && c.dataset_query?.database === database.id)
    .sort((a, b) => a.id - b.id);
  const cards: { id: number; name: string; action: Action; spec: CardSpec }[] = [];
  for (const spec of options.cards) {
    const body = {
      name: spec.name,
      description: spec.description,
      display: spec.display,
      visualization_settings: spec.visualizationSettings,
      dataset_query: {
        type: 'native',
        database: database.id,
        native: { query: spec.sql, 'template-tags': spec.templateTags },
      },
    };
    const existing = ours.find((c) => c.name === spec.name);
    if (existing) {
      await put(`updating card ${existing.id} (${spec.name})`, `/api/card/${existing.id}`, body);
      cards.push({ id: existing.id, name: spec.name, action: 'updated', spec });
    } else {
      const created = (await post(`creating card ${spec.name}`, '/api/card', {
        ...body,
        type: 'question',
        collection_id: null,
      })) as Entity;
      cards.push({ id: created.id, name: spec.name, action: 'created', spec });
    }
  }

  // 4. The dashboard, by name, from the list of dashboards (GET /api/dashboard/?f=all: every one
  // not archived, at once; the search index may lag behind a dashboard just created).
  const dashboardName = options.dashboardName ?? DEFAULT_DASHBOARD_NAME;
  const found = listOf<Entity>(await get('listing dashboards', '/api/dashboard/?f=all')).filter(
    (d) => d.name === dashboardName && !d.archived,
  );
  let dashboardId: number;
  let dashboardAction: Action;
  const description =
    'Who the Insiders are now, how many, their share of revenue, what it takes to enter and what makes one leave.';
  if (found.length > 0) {
    dashboardId = Math.min(...found.map((d) => d.id));
    dashboardAction = 'updated';
  } else {
    const created = (await post('creating the dashboard', '/api/dashboard', {
      name: dashboardName,
      description,
      collection_id: null,
    })) as Entity;
    dashboardId = created.id;
    dashboardAction = 'created';
  }
  const current = (await get(`reading dashboard ${dashboardId}`, `/api/dashboard/${dashboardId}`)) as {
    dashcards?: Dashcard[];
    tabs?: { id: number; name: string; position?: number }[];
  };
  // The PUT replaces the tabs and the dashcards with those sent: every tab goes back as it is, and
  // on a dashboard with tabs every dashcard needs one (new ones go on the first tab).
  const tabs = [...(current.tabs ?? [])].sort((a, b) => (a.position ?? 0) - (b.position ?? 0));
  const firstTabId = tabs[0]?.id;
  const ourCardIds = new Set(cards.map((c) => c.id));
  const existingDashcards = current.dashcards ?? [];
  let newId = 0;
  const dashcards: Record<string, unknown>[] = cards.map((c) => {
    const existing = existingDashcards.find((d) => d.card_id === c.id);
    const mappings = Object.keys(c.spec.templateTags)
      .filter((tag) => tag === CUSTOMER_PARAMETER.slug)
      .map((tag) => ({
        parameter_id: CUSTOMER_PARAMETER.id,
        card_id: c.id,
        target: ['variable', ['template-tag', tag]],
      }));
    const tabId = existing?.dashboard_tab_id ?? firstTabId;
    return {
      // negative ids ask Metabase to create the dashcard
      id: existing?.id ?? --newId,
      card_id: c.id,
      ...(tabId === undefined ? {} : { dashboard_tab_id: tabId }),
      row: c.spec.layout.row,
      col: c.spec.layout.col,
      size_x: c.spec.layout.sizeX,
      size_y: c.spec.layout.sizeY,
      parameter_mappings: mappings,
      // what a user set on the dashcard (a title, colours) stays; the card's own settings are ours
      visualization_settings: existing?.visualization_settings ?? {},
      series: existing?.series ?? [],
    };
  });
  // Cards someone else put on the dashboard stay where they are.
  const kept = existingDashcards.filter((d) => d.card_id === null || !ourCardIds.has(d.card_id));
  await put(`updating dashboard ${dashboardId}`, `/api/dashboard/${dashboardId}`, {
    name: dashboardName,
    description,
    parameters: cards.some((c) => CUSTOMER_PARAMETER.slug in c.spec.templateTags) ? [CUSTOMER_PARAMETER] : [],
    tabs: tabs.map(({ id, name }) => ({ id, name })),
    dashcards: [...dashcards, ...kept],
  });

  return {
    setUp,
    database,
    cards: cards.map(({ id, name, action }) => ({ id, name, action })),
    dashboard: { id: dashboardId, action: dashboardAction, dashcards: dashcards.length + kept.length },
  };
}

/** The client the CLI uses: fetch against `baseUrl`, JSON in and out. */
export function fetchHttp(baseUrl: string, timeoutMs = 60_000): MetabaseHttp {
  const root = baseUrl.replace(/\/+$/, '');
  return async (method, path, body, session) => {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (session !== undefined) headers['x-metabase-session'] = session;
    let res: Response;
    try {
      res = await fetch(`${root}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      throw new InsidersError('METABASE_FAILED', `metabase: ${method} ${path}: ${(err as Error).message}`, {
        retryable: true,
        cause: err,
      });
    }
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text === '' ? null : JSON.parse(text);
    } catch {
      // not JSON (an HTML error page): kept as text for the message
    }
    return { status: res.status, body: parsed };
  };
}
