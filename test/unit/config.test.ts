import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { ConfigError } from '../../src/errors.js';

describe('loadConfig', () => {
  it('fills every default from an empty environment', () => {
    const c = loadConfig({});
    expect(c.kafka.brokers).toEqual(['127.0.0.1:9092']);
    expect(c.redis.url).toBe('redis://127.0.0.1:6379');
    expect(c.clickhouse).toEqual({ url: 'http://127.0.0.1:8123', user: 'default', password: '', database: 'insiders' });
    expect(c.log).toEqual({ level: 'info', pretty: false });
  });

  it('reads lists and treats empty strings as unset', () => {
    const c = loadConfig({ KAFKA_BROKERS: 'a:1, b:2', CLICKHOUSE_USER: '' });
    expect(c.kafka.brokers).toEqual(['a:1', 'b:2']);
    expect(c.clickhouse.user).toBe('default');
  });

  it.each([
    ['KAFKA_BROKERS', 'localhost', 'each broker as host:port'],
    ['REDIS_URL', 'http://x:6379', 'redis://'],
    ['HTTP_PORT', '70000', 'an integer from 0 to 65535'],
    ['LOG_LEVEL', 'loud', 'LOG_LEVEL="loud"'],
  ])('rejects %s=%s naming the variable, the value and the form', (variable, value, expected) => {
    let thrown: unknown;
    try {
      loadConfig({ [variable]: value });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    const err = thrown as ConfigError;
    expect(err.variable).toBe(variable);
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toContain(`${variable}=${JSON.stringify(value)}`);
    expect(err.message).toContain(expected);
  });
});
