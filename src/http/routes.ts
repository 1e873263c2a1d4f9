// The HTTP API's routes: a pure mapping from method and path to what to do, so the whole table
// is testable without a socket.
import { idPattern, limits } from '../events/schema.js';

export type Route =
  | { readonly kind: 'healthz' }
  | { readonly kind: 'readyz' }
  | { readonly kind: 'metrics' }
  | { readonly kind: 'report' }
  | { readonly kind: 'customer'; readonly customerId: string }
  | { readonly kind: 'refit' }
  | { readonly kind: 'not-found' }
  | { readonly kind: 'method-not-allowed'; readonly allow: readonly string[] }
  | { readonly kind: 'bad-request'; readonly message: string };

const fixed: Readonly<Record<string, { readonly method: string; readonly route: Route }>> = {
  '/healthz': { method: 'GET', route: { kind: 'healthz' } },
  '/readyz': { method: 'GET', route: { kind: 'readyz' } },
  '/metrics': { method: 'GET', route: { kind: 'metrics' } },
  '/report': { method: 'GET', route: { kind: 'report' } },
  '/refit': { method: 'POST', route: { kind: 'refit' } },
};

/** A customer id as the event contract allows it (docs/events.md). */
export function isCustomerId(id: string): boolean {
  return id.length <= limits.maxIdLength && idPattern.test(id);
}

/** `url` is the request target as received ("/customers/17850?x=1"); the query is ignored. */
export function route(method: string, url: string): Route {
  const path = url.split('?', 1)[0] ?? '';
  // HEAD is answered like GET, without the body (node:http leaves the body out).
  const verb = method === 'HEAD' ? 'GET' : method;
  const known = fixed[path];
  if (known !== undefined) {
    return verb === known.method ? known.route : { kind: 'method-not-allowed', allow: [known.method] };
  }
  const customer = /^\/customers\/([^/]*)$/.exec(path);
  if (customer) {
    if (verb !== 'GET') return { kind: 'method-not-allowed', allow: ['GET'] };
    let id: string;
    try {
      id = decodeURIComponent(customer[1] ?? '');
    } catch {
      return { kind: 'bad-request', message: 'the customer id is not valid percent-encoding' };
    }
    if (!isCustomerId(id)) {
      return {
        kind: 'bad-request',
        message: `customer id ${JSON.stringify(id)}: expected 1 to ${limits.maxIdLength} letters, digits and . _ : - (starting with a letter or digit)`,
      };
    }
    return { kind: 'customer', customerId: id };
  }
  return { kind: 'not-found' };
}
