// Creates or updates, through Metabase's REST API, everything the "Insiders" dashboard needs:
// the first admin on a fresh instance (/api/setup), the ClickHouse connection (/api/database), one
// native-SQL card per question (/api/card) and the dashboard with its cards and its customer
// filter (/api/dashboard, then PUT with `dashcards`). Idempotent: the connection, the cards and
// the dashboard are found again by name, so a second run updates them in place instead of adding
// copies, and dashcards keep their ids. The HTTP client comes in as an argument (fetch-based in
// the CLI, a fake in unit tests).
import { InsidersError } from '../errors.js';
import type { CardSpec } from './questions.js';

export interface MetabaseResponse {
  readonly status: number;
  readonly body: unknown;
}

/** One JSON request to Metabase; `session` goes in the X-Metabase-Session header. */
export type MetabaseHttp = (
  method: 'GET' | 'POST' | 'PUT',
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

export async function provisionMetabase(http: MetabaseHttp, options: ProvisionOptions): Promise<ProvisionReport> {
  const call = async (what: string, method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown, session?: string) => {
    const res = await http(method, path, body, session);
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
    const created = (await call('first-time setup', 'POST', '/api/setup', {
      token: properties['setup-token'],
      user: {
        email: options.user,
        password: options.password,
        first_name: 'Insiders',
        last_name: 'Admin',
        site_name: 'Insiders',
      },
      prefs: { site_name: 'Insiders', site_locale: 'en', allow_tracking: false },
    })) as { id: string };
    session = created.id;
    setUp = true;
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
  if (existingDb) {
    await put(`updating database ${existingDb.id}`, `/api/database/${existingDb.id}`, databaseBody);
    database = { id: existingDb.id, action: 'updated' };
  } else {
    const created = (await post('adding the ClickHouse database', '/api/database', {
      ...databaseBody,
      is_full_sync: true,
    })) as Entity;
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

  // 4. The dashboard, by name; its dashcards replaced by ours, keeping the ids of those already there.
  const dashboardName = options.dashboardName ?? DEFAULT_DASHBOARD_NAME;
  const found = listOf<Entity & { model?: string }>(
    await get('searching dashboards', `/api/search?models=dashboard&q=${encodeURIComponent(dashboardName)}`),
  ).filter((d) => (d.model === undefined || d.model === 'dashboard') && d.name === dashboardName && !d.archived);
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
    dashcards?: { id: number; card_id: number | null }[];
  };
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
    return {
      // negative ids ask Metabase to create the dashcard
      id: existing?.id ?? --newId,
      card_id: c.id,
      row: c.spec.layout.row,
      col: c.spec.layout.col,
      size_x: c.spec.layout.sizeX,
      size_y: c.spec.layout.sizeY,
      parameter_mappings: mappings,
      visualization_settings: {},
      series: [],
    };
  });
  // Cards someone else put on the dashboard stay where they are.
  const kept = existingDashcards.filter((d) => d.card_id === null || !ourCardIds.has(d.card_id));
  await put(`updating dashboard ${dashboardId}`, `/api/dashboard/${dashboardId}`, {
    name: dashboardName,
    description,
    parameters: cards.some((c) => CUSTOMER_PARAMETER.slug in c.spec.templateTags) ? [CUSTOMER_PARAMETER] : [],
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
