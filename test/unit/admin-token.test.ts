import { describe, expect, it } from 'vitest';
import { checkAdminToken } from '../../src/http/admin-token.js';

const token = 'change-me-0123456789abcdef';

describe('checkAdminToken', () => {
  it('accepts the configured Bearer token, whatever the scheme case', () => {
    expect(checkAdminToken(`Bearer ${token}`, token)).toBe('ok');
    expect(checkAdminToken(`bearer ${token}`, token)).toBe('ok');
  });

  it('tells a missing or malformed header (401) from a wrong token (403)', () => {
    expect(checkAdminToken(undefined, token)).toBe('missing');
    expect(checkAdminToken('', token)).toBe('missing');
    expect(checkAdminToken(token, token)).toBe('missing');
    expect(checkAdminToken(`Basic ${token}`, token)).toBe('missing');
    expect(checkAdminToken('Bearer ', token)).toBe('missing');
    expect(checkAdminToken(`Bearer ${token}x`, token)).toBe('wrong');
    expect(checkAdminToken(`Bearer ${token.slice(0, -1)}`, token)).toBe('wrong');
    expect(checkAdminToken('Bearer x', token)).toBe('wrong');
  });

  it('refuses everything when no token is configured', () => {
    expect(checkAdminToken(`Bearer ${token}`, undefined)).toBe('disabled');
    expect(checkAdminToken('Bearer ', '')).toBe('disabled');
    expect(checkAdminToken(undefined, undefined)).toBe('disabled');
  });
});
