import { describe, expect, it } from 'vitest';
import { isCustomerId, route } from '../../src/http/routes.js';

describe('route', () => {
  it.each([
    ['GET', '/healthz', { kind: 'healthz' }],
    ['GET', '/readyz', { kind: 'readyz' }],
    ['GET', '/metrics', { kind: 'metrics' }],
    ['HEAD', '/metrics', { kind: 'metrics' }],
    ['GET', '/report', { kind: 'report' }],
    ['GET', '/report?sample=1', { kind: 'report' }],
    ['POST', '/refit', { kind: 'refit' }],
    ['GET', '/customers/17850', { kind: 'customer', customerId: '17850' }],
    ['GET', '/customers/17850?verbose=1', { kind: 'customer', customerId: '17850' }],
    ['GET', '/customers/c%3A42', { kind: 'customer', customerId: 'c:42' }],
    ['GET', '/', { kind: 'not-found' }],
    ['GET', '/customers', { kind: 'not-found' }],
    ['GET', '/customers/1/orders', { kind: 'not-found' }],
    ['GET', '/healthz/', { kind: 'not-found' }],
  ])('%s %s', (method, url, expected) => {
    expect(route(method, url)).toEqual(expected);
  });

  it('answers a wrong method with the one allowed', () => {
    expect(route('GET', '/refit')).toEqual({ kind: 'method-not-allowed', allow: ['POST'] });
    expect(route('POST', '/healthz')).toEqual({ kind: 'method-not-allowed', allow: ['GET'] });
    expect(route('DELETE', '/customers/17850')).toEqual({ kind: 'method-not-allowed', allow: ['GET'] });
  });

  it.each([
    ['/customers/', 'empty'],
    ['/customers/%20x', 'a space'],
    ['/customers/-17850', 'a leading dash'],
    ['/customers/a%2Fb', 'a slash'],
    ['/customers/%E0%A4%A', 'broken percent-encoding'],
    [`/customers/${'9'.repeat(65)}`, '65 characters'],
    ["/customers/1'%20OR%201=1", 'a quote'],
  ])('rejects the customer id in %s (%s) as a bad request', (url) => {
    expect(route('GET', url).kind).toBe('bad-request');
  });

  it('accepts the ids the event contract accepts', () => {
    expect(isCustomerId('17850')).toBe(true);
    expect(isCustomerId('A.b_c:d-9')).toBe(true);
    expect(isCustomerId('9'.repeat(64))).toBe(true);
    expect(isCustomerId('')).toBe(false);
    expect(isCustomerId('_x')).toBe(false);
  });
});
