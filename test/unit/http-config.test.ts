import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { ConfigError } from '../../src/errors.js';

describe('HTTP configuration', () => {
  it('has no admin token by default and reads one when given', () => {
    expect(loadConfig({}).http).toEqual({ port: 8080, adminToken: undefined });
    expect(loadConfig({ HTTP_PORT: '0', HTTP_ADMIN_TOKEN: 'a'.repeat(16) }).http).toEqual({
      port: 0,
      adminToken: 'a'.repeat(16),
    });
  });

  it('rejects a short admin token without printing it', () => {
    let thrown: unknown;
    try {
      loadConfig({ HTTP_ADMIN_TOKEN: 'secret' });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    const message = (thrown as ConfigError).message;
    expect(message).toBe('invalid configuration: HTTP_ADMIN_TOKEN="[redacted]"; expected at least 16 characters');
    expect(message).not.toContain('secret');
  });
});
