// The HTTP API (node:http): health, readiness, Prometheus metrics, the segment report (HTML), a
// customer's segment and why, and an admin-only refit. Thin: every answer comes from the injected collaborators. No handler
// error escapes: it becomes a 500 with a JSON body and a log line.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../log.js';
import { checkAdminToken } from './admin-token.js';
import { route } from './routes.js';

export interface ReadinessCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly detail?: string;
}

export type RefitReply =
  | { readonly outcome: 'fitted'; readonly [detail: string]: unknown }
  | { readonly outcome: 'busy' | 'too-few' | 'superseded'; readonly [detail: string]: unknown };

/** What the API serves, supplied by the service (fakes in unit tests). */
export interface HttpApi {
  /** HTTP_ADMIN_TOKEN; undefined: POST /refit is refused */
  readonly adminToken: string | undefined;
  readiness(): Promise<readonly ReadinessCheck[]>;
  metrics(): Promise<{ readonly contentType: string; readonly body: string }>;
  /** the segment report's HTML page; undefined while there is no model version */
  report(): Promise<string | undefined>;
  /** the customer's JSON view, undefined when there is no such customer */
  customer(customerId: string): Promise<unknown>;
  refit(): Promise<RefitReply>;
}

export interface HttpServer {
  /** Listens on `port` (0: any free port); resolves with the port. */
  listen(port: number): Promise<number>;
  /** Stops accepting connections and waits for open requests to finish. Idempotent. */
  close(): Promise<void>;
}

const refitStatus: Record<RefitReply['outcome'], number> = {
  fitted: 200,
  busy: 409,
  superseded: 409,
  'too-few': 422,
};

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}

/** Answers one request; exported for tests that drive it without a socket. */
export async function handle(api: HttpApi, req: IncomingMessage, res: ServerResponse, log: Logger): Promise<void> {
  const method = req.method ?? 'GET';
  const url = req.url ?? '/';
  try {
    const r = route(method, url);
    switch (r.kind) {
      case 'healthz':
        return send(res, 200, { status: 'ok' });
      case 'readyz': {
        const checks = await api.readiness();
        const failed = checks.filter((c) => !c.ok).map((c) => c.name);
        return send(res, failed.length === 0 ? 200 : 503, {
          status: failed.length === 0 ? 'ready' : 'not ready',
          ...(failed.length === 0 ? {} : { failed }),
          checks,
        });
      }
      case 'metrics': {
        const { contentType, body } = await api.metrics();
        res.writeHead(200, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
        res.end(body);
        return;
      }
      case 'report': {
        const html = await api.report();
        if (html === undefined) return send(res, 503, { error: 'no model version yet' });
        res.writeHead(200, {
          'content-type': 'text/html; charset=utf-8',
          'content-length': Buffer.byteLength(html),
          'cache-control': 'no-store',
          // The page is self-contained: it may load nothing, run nothing.
          'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; img-src data:",
        });
        res.end(html);
        return;
      }
      case 'customer': {
        const view = await api.customer(r.customerId);
        return view === undefined ? send(res, 404, { error: `no customer ${r.customerId}` }) : send(res, 200, view);
      }
      case 'refit': {
        const check = checkAdminToken(req.headers.authorization, api.adminToken);
        if (check === 'disabled')
          return send(res, 403, { error: 'refit over HTTP is disabled: HTTP_ADMIN_TOKEN is not set' });
        if (check === 'missing') {
          return send(
            res,
            401,
            { error: 'expected Authorization: Bearer <admin token>' },
            { 'www-authenticate': 'Bearer' },
          );
        }
        if (check === 'wrong') return send(res, 403, { error: 'wrong admin token' });
        log.info('refit requested');
        const reply = await api.refit();
        return send(res, refitStatus[reply.outcome], reply);
      }
      case 'method-not-allowed':
        return send(res, 405, { error: `${method} is not allowed here` }, { allow: r.allow.join(', ') });
      case 'bad-request':
        return send(res, 400, { error: r.message });
      case 'not-found':
        return send(res, 404, { error: 'not found' });
    }
  } catch (err) {
    log.error({ err, method, url }, 'request failed');
    if (res.headersSent) res.destroy();
    else send(res, 500, { error: 'internal error' });
  }
}

export function createHttpServer(api: HttpApi, logger: Logger): HttpServer {
  const log = logger.child({ component: 'http' });
  const server: Server = createServer((req, res) => {
    // handle() answers every error itself; this catch only guards against a bug in it.
    handle(api, req, res, log).catch((err: unknown) => {
      log.error({ err }, 'request handler failed');
      res.destroy();
    });
  });
  server.on('clientError', (err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
    else socket.destroy();
    log.debug({ err }, 'bad request from client');
  });
  let closing: Promise<void> | undefined;
  return {
    listen: (port) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, () => {
          server.off('error', reject);
          const actual = (server.address() as AddressInfo).port;
          log.info({ port: actual }, 'http listening');
          resolve(actual);
        });
      }),
    close() {
      closing ??= new Promise<void>((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}
