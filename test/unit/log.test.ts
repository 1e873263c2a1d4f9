import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { isSecretName, redactUrl } from '../../src/secrets.js';
import { captureLog } from '../support/log-capture.js';

const secrets = [
  'hunter2',
  'ch-secret',
  'kafka-secret',
  'url-secret',
  'err-secret',
  'msg-secret',
  'deep-secret',
  'key-pem',
];

describe('log redaction', () => {
  const config = loadConfig({
    REDIS_URL: 'redis://alice:hunter2@cache:6379',
    CLICKHOUSE_PASSWORD: 'ch-secret',
    KAFKA_SASL_MECHANISM: 'SCRAM-SHA-256',
    KAFKA_SASL_USERNAME: 'bob',
    KAFKA_SASL_PASSWORD: 'kafka-secret',
  });

  it('keeps every secret out of the lines, and the rest in', () => {
    const { logger, lines, text } = captureLog();
    const log = logger.child({ component: 'test' });
    log.info({ config }, 'starting');
    log.info({ redis: config.redis, kafka: config.kafka }, 'connecting');
    log.warn({ url: 'rediss://carol:url-secret@cache:6380/0' }, 'reconnecting');
    const failure = Object.assign(new Error('cannot reach redis://dave:err-secret@cache:6379'), {
      config: { password: 'err-secret', headers: { authorization: 'Bearer err-secret' } },
      options: { clickhouse: { nested: { password: 'deep-secret' } } },
      tls: { key: 'key-pem' },
    });
    log.error({ err: failure }, 'redis failed');
    log.info('connected to redis://erin:msg-secret@cache:6379');

    for (const secret of secrets) expect(text()).not.toContain(secret);
    const [starting, connecting, reconnecting, failed, connected] = lines();
    expect(starting).toMatchObject({
      component: 'test',
      config: {
        redis: { url: 'redis://cache:6379', username: 'alice', password: '[redacted]' },
        clickhouse: { user: 'default', password: '[redacted]' },
        kafka: { brokers: ['127.0.0.1:9092'], sasl: '[redacted]' },
      },
    });
    expect(connecting).toMatchObject({ redis: { password: '[redacted]' }, kafka: { sasl: '[redacted]' } });
    expect(reconnecting).toMatchObject({ url: 'rediss://carol:[redacted]@cache:6380/0' });
    expect(failed).toMatchObject({
      msg: 'redis failed',
      err: {
        message: 'cannot reach redis://dave:[redacted]@cache:6379',
        config: { password: '[redacted]', headers: { authorization: '[redacted]' } },
        options: { clickhouse: { nested: { password: '[redacted]' } } },
        tls: { key: '[redacted]' },
      },
    });
    expect(connected).toMatchObject({ msg: 'connected to redis://erin:[redacted]@cache:6379' });
  });

  it('leaves lines without secrets as they are', () => {
    const { logger, lines } = captureLog();
    logger.info({ partition: 3, events: 500, url: 'http://127.0.0.1:8123' }, 'batch');
    expect(lines()[0]).toMatchObject({ partition: 3, events: 500, url: 'http://127.0.0.1:8123', msg: 'batch' });
    expect(lines()[0]).not.toHaveProperty('password');
  });
});

describe('redactUrl', () => {
  it.each([
    ['redis://u:p@h:1', 'redis://u:[redacted]@h:1'],
    ['redis://:p@h:1/0', 'redis://:[redacted]@h:1/0'],
    ['a rediss://u:p%40x@h and http://v:q@g/x', 'a rediss://u:[redacted]@h and http://v:[redacted]@g/x'],
    ['redis://u:p@ss@h:1', 'redis://u:[redacted]@h:1'],
    ['redis://h:1', 'redis://h:1'],
    ['no url at all', 'no url at all'],
  ])('%s', (given, shown) => expect(redactUrl(given)).toBe(shown));
});

describe('isSecretName', () => {
  it.each([
    ['REDIS_PASSWORD', true],
    ['KAFKA_SASL_PASSWORD', true],
    ['HTTP_ADMIN_TOKEN', true],
    ['adminToken', true],
    ['REDIS_URL', false],
    ['KAFKA_SASL_USERNAME', false],
    ['REDIS_TLS_KEY_FILE', false],
  ])('%s: %s', (name, secret) => expect(isSecretName(name)).toBe(secret));
});
