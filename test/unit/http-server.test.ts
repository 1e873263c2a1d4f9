// The HTTP API on a real socket (port 0) with fake collaborators: status codes, JSON bodies, the
// admin token, and a failing handler turned into a 500 with a log line.
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { Writable } from 'node:stream';
import { createHttpServer, type HttpApi, type HttpServer } from '../../src/http/server.js';

const token = 'change-me-0123456789abcdef';

function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

function fakeApi(overrides: Partial<HttpApi> = {}): HttpApi & { refits: number } {
  const api = {
    refits: 0,
    adminToken: token,
    readiness: () =>
      Promise.resolve([
        { name: 'kafka', ok: true },
        { name: 'model', ok: false, detail: 'no model version yet' },
      ]),
    metrics: () => Promise.resolve({ contentType: 'text/plain; version=0.0.4; charset=utf-8', body: 'x_total 3\n' }),
    report: () => Promise.resolve<string | undefined>('<!doctype html><title>Customer segments</title>'),
    customer: (id: string) => Promise.resolve(id === '17850' ? { customerId: id, segment: { id: 2 } } : undefined),
    refit() {
      api.refits++;
      return Promise.resolve({ outcome: 'fitted' as const, version: 7 });
    },
    ...overrides,
  };
  return api;
}

describe('HTTP API', () => {
  let server: HttpServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  async function start(api: HttpApi, logger = capturingLogger().logger): Promise<string> {
    server = createHttpServer(api, logger);
    return `http://127.0.0.1:${await server.listen(0)}`;
  }

  it('answers /healthz and says which readiness check failed', async () => {
    const base = await start(fakeApi());
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: 'not ready', failed: ['model'] });
  });

  it('is ready when every check passes', async () => {
    const base = await start(fakeApi({ readiness: () => Promise.resolve([{ name: 'redis', ok: true }]) }));
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: [{ name: 'redis', ok: true }] });
  });

  it('serves metrics with their content type', async () => {
    const base = await start(fakeApi());
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(await res.text()).toBe('x_total 3\n');
  });

  it('serves the report as HTML that may load nothing, and 503 before a model exists', async () => {
    const base = await start(fakeApi());
    const res = await fetch(`${base}/report`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(await res.text()).toBe('<!doctype html><title>Customer segments</title>');
    await server?.close();
    const none = await start(fakeApi({ report: () => Promise.resolve(undefined) }));
    const missing = await fetch(`${none}/report`);
    expect(missing.status).toBe(503);
    expect(await missing.json()).toEqual({ error: 'no model version yet' });
    expect((await fetch(`${none}/report`, { method: 'POST' })).status).toBe(405);
  });

  it('answers a customer, an unknown one, a bad id and a wrong method', async () => {
    const base = await start(fakeApi());
    const known = await fetch(`${base}/customers/17850`);
    expect(known.status).toBe(200);
    expect(await known.json()).toEqual({ customerId: '17850', segment: { id: 2 } });
    const unknown = await fetch(`${base}/customers/99999`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ error: 'no customer 99999' });
    const bad = await fetch(`${base}/customers/a%20b`);
    expect(bad.status).toBe(400);
    const wrong = await fetch(`${base}/customers/17850`, { method: 'PUT' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET');
    expect((await fetch(`${base}/nothing`)).status).toBe(404);
  });

  it('refits only with the admin token', async () => {
    const api = fakeApi();
    const base = await start(api);
    const none = await fetch(`${base}/refit`, { method: 'POST' });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    const wrong = await fetch(`${base}/refit`, { method: 'POST', headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(403);
    expect(api.refits).toBe(0);
    const ok = await fetch(`${base}/refit`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ outcome: 'fitted', version: 7 });
    expect(api.refits).toBe(1);
  });

  it('maps a refit that could not run to 409, and refuses refits when no token is configured', async () => {
    const busy = await start(fakeApi({ refit: () => Promise.resolve({ outcome: 'busy' }) }));
    const res = await fetch(`${busy}/refit`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(409);
    expect(await res.json()).toEqual({ outcome: 'busy' });
    await server?.close();

    const api = fakeApi({ adminToken: undefined });
    const base = await start(api);
    const refused = await fetch(`${base}/refit`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toEqual({ error: 'refit over HTTP is disabled: HTTP_ADMIN_TOKEN is not set' });
    expect(api.refits).toBe(0);
  });

  it('turns a failing handler into a 500 with a JSON body and a log line, and keeps serving', async () => {
    const { logger, lines } = capturingLogger();
    const base = await start(fakeApi({ customer: () => Promise.reject(new Error('redis is down')) }), logger);
    const res = await fetch(`${base}/customers/17850`);
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: 'internal error' });
    const line = lines.find((l) => l.msg === 'request failed');
    expect(line).toMatchObject({ level: 50, component: 'http', method: 'GET', url: '/customers/17850' });
    expect((line?.err as { message: string }).message).toBe('redis is down');
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });
});
