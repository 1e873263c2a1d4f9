import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { applyEnvFile, loadConfig, readEnvFile } from '../../src/config.js';
import { ConfigError } from '../../src/errors.js';
import { fetchSettings } from '../../src/consumers/order-consumer.js';
import { consumerRetry } from '../../src/infra/kafka.js';

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error(`no ConfigError for ${JSON.stringify(env)}`);
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'insiders-config-'));
const pem = path.join(dir, 'ca.pem');
writeFileSync(pem, '-----BEGIN CERTIFICATE-----\n');
const missing = path.join(dir, 'absent.pem');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('loadConfig', () => {
  it('fills every default from an empty environment', () => {
    const c = loadConfig({});
    expect(c.kafka.brokers).toEqual(['127.0.0.1:9092']);
    expect(c.redis.url).toBe('redis://127.0.0.1:6379');
    expect(c.clickhouse).toEqual({ url: 'http://127.0.0.1:8123', user: 'default', password: '', database: 'insiders' });
    expect(c.clickhouse.tls).toBeUndefined();
    expect(c.redis).toEqual({
      url: 'redis://127.0.0.1:6379',
      keyPrefix: 'insiders',
      username: undefined,
      password: undefined,
      tls: undefined,
    });
    expect(c.kafka.sasl).toBeUndefined();
    expect(c.kafka.tls).toBeUndefined();
    expect(c.log).toEqual({ level: 'info', pretty: false });
    expect(c.kafka.fetchBytesPerPartition).toBe(4 * 1024 * 1024);
    expect(c.model.insidersShareBand).toEqual([0.05, 0.2]);
    expect(c.model.insidersRule).toBe('revenue');
  });

  it('reads the Insiders policy: the band in percent, the rule by name', () => {
    const c = loadConfig({ INSIDERS_SHARE_BAND: '2.5..10', INSIDERS_RULE: 'products' });
    expect(c.model.insidersShareBand).toEqual([0.025, 0.1]);
    expect(c.model.insidersRule).toBe('products');
  });

  it('fetches room for one event of EVENT_MAX_BYTES at least, and handles up to 6 partitions at once', () => {
    expect(fetchSettings(loadConfig({}))).toEqual({
      maxBytesPerPartition: 4 * 1024 * 1024,
      maxBytes: 24 * 1024 * 1024,
      partitionsConcurrently: 6,
    });
    const small = fetchSettings(loadConfig({ KAFKA_FETCH_BYTES: '65536', ORDERS_PARTITIONS: '3' }));
    expect(small).toEqual({
      maxBytesPerPartition: 1024 * 1024 + 64 * 1024,
      maxBytes: 6 * (1024 * 1024 + 64 * 1024),
      partitionsConcurrently: 3,
    });
    expect(fetchSettings(loadConfig({ ORDERS_PARTITIONS: '48' })).partitionsConcurrently).toBe(6);
    expect(() => loadConfig({ KAFKA_FETCH_BYTES: '1000' })).toThrow(/KAFKA_FETCH_BYTES/);
  });

  it('retries Kafka requests 8 times by default, a consumer 5 times at most', () => {
    expect(loadConfig({}).kafka.retries).toBe(8);
    expect(consumerRetry(loadConfig({}).kafka)).toEqual({ initialRetryTime: 200, retries: 5 });
    const few = loadConfig({ KAFKA_RETRIES: '2' });
    expect(few.kafka.retries).toBe(2);
    expect(consumerRetry(few.kafka)).toEqual({ initialRetryTime: 200, retries: 2 });
    expect(() => loadConfig({ KAFKA_RETRIES: '-1' })).toThrow(/KAFKA_RETRIES/);
    expect(() => loadConfig({ KAFKA_RETRIES: '101' })).toThrow(/KAFKA_RETRIES/);
  });

  it('gives a dead consumer 30 s and a dead lease holder 60 s by default, less when asked', () => {
    expect(loadConfig({}).kafka.sessionTimeoutMs).toBe(30_000);
    expect(loadConfig({}).model.leaseTtlMs).toBe(60_000);
    const short = loadConfig({ KAFKA_SESSION_TIMEOUT_MS: '6000', LEASE_TTL_MS: '5000' });
    expect(short.kafka.sessionTimeoutMs).toBe(6000);
    expect(short.model.leaseTtlMs).toBe(5000);
    expect(() => loadConfig({ KAFKA_SESSION_TIMEOUT_MS: '5999' })).toThrow(/KAFKA_SESSION_TIMEOUT_MS/);
    expect(() => loadConfig({ LEASE_TTL_MS: '4999' })).toThrow(/LEASE_TTL_MS/);
  });

  it('looks for customers come due every 5 s by default: a twelfth of the sweep period, at least 1 s', () => {
    expect(loadConfig({}).model.dueCheckIntervalMs).toBe(5000);
    expect(loadConfig({ SWEEP_INTERVAL_MS: '6000' }).model.dueCheckIntervalMs).toBe(1000);
    expect(loadConfig({ SWEEP_INTERVAL_MS: '3600000' }).model.dueCheckIntervalMs).toBe(300_000);
    expect(loadConfig({ DUE_CHECK_INTERVAL_MS: '250' }).model.dueCheckIntervalMs).toBe(250);
    expect(() => loadConfig({ DUE_CHECK_INTERVAL_MS: '99' })).toThrow(/DUE_CHECK_INTERVAL_MS/);
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

describe('loadConfig: Redis credentials and TLS', () => {
  it('takes the user and password out of REDIS_URL', () => {
    const c = loadConfig({ REDIS_URL: 'redis://alice:p%40ss@cache:6380/2' });
    expect(c.redis).toMatchObject({ url: 'redis://cache:6380/2', username: 'alice', password: 'p@ss', tls: undefined });
  });

  it('a password alone in the URL is for the default user', () => {
    const c = loadConfig({ REDIS_URL: 'redis://:pw@cache:6380' });
    expect(c.redis).toMatchObject({ url: 'redis://cache:6380', username: undefined, password: 'pw' });
  });

  it('REDIS_USERNAME and REDIS_PASSWORD win over the URL', () => {
    const c = loadConfig({ REDIS_URL: 'redis://a:b@cache:6380', REDIS_USERNAME: 'svc', REDIS_PASSWORD: 'right' });
    expect(c.redis).toMatchObject({ username: 'svc', password: 'right' });
  });

  it('turns TLS on with rediss://, verifying by default', () => {
    const c = loadConfig({
      REDIS_URL: 'rediss://cache:6380',
      REDIS_TLS_CA_FILE: pem,
      REDIS_TLS_SERVERNAME: 'redis.internal',
    });
    expect(c.redis.tls).toEqual({
      caFile: pem,
      certFile: undefined,
      keyFile: undefined,
      servername: 'redis.internal',
      verify: true,
    });
    expect(loadConfig({ REDIS_URL: 'rediss://cache:6380', REDIS_TLS_VERIFY: '0' }).redis.tls?.verify).toBe(false);
    expect(
      loadConfig({ REDIS_URL: 'rediss://h:1', REDIS_TLS_CERT_FILE: pem, REDIS_TLS_KEY_FILE: pem }).redis.tls,
    ).toMatchObject({ certFile: pem, keyFile: pem });
  });
});

describe('loadConfig: Redis Cluster', () => {
  const nodes = '127.0.0.1:7001, 127.0.0.1:7002,redis-3.internal:6379';

  it('is off by default: one Redis at REDIS_URL', () => {
    expect(loadConfig({}).redis.cluster).toBeUndefined();
  });

  it('reads the seed nodes of REDIS_CLUSTER_NODES', () => {
    expect(loadConfig({ REDIS_CLUSTER_NODES: nodes }).redis.cluster).toEqual({
      nodes: [
        { host: '127.0.0.1', port: 7001 },
        { host: '127.0.0.1', port: 7002 },
        { host: 'redis-3.internal', port: 6379 },
      ],
    });
  });

  it('refuses REDIS_URL and REDIS_CLUSTER_NODES together, naming both', () => {
    const err = configError({ REDIS_URL: 'redis://127.0.0.1:6379', REDIS_CLUSTER_NODES: nodes });
    expect(err.variable).toBe('REDIS_CLUSTER_NODES');
    expect(err.message).toContain(`REDIS_CLUSTER_NODES=${JSON.stringify(nodes)}`);
    expect(err.message).toContain('unset while REDIS_URL is set');
  });

  it.each(['localhost', '127.0.0.1:7001,', 'h:0', 'h:70000', 'redis://h:7001'])('rejects the node list %j', (value) => {
    const err = configError({ REDIS_CLUSTER_NODES: value });
    expect(err.variable).toBe('REDIS_CLUSTER_NODES');
    expect(err.message).toContain('each node as host:port');
  });

  it('applies the credentials and, with REDIS_CLUSTER_TLS=1, the TLS settings to the cluster', () => {
    const plain = loadConfig({ REDIS_CLUSTER_NODES: nodes, REDIS_USERNAME: 'svc', REDIS_PASSWORD: 'pw' });
    expect(plain.redis).toMatchObject({ username: 'svc', password: 'pw', tls: undefined });
    const secure = loadConfig({
      REDIS_CLUSTER_NODES: nodes,
      REDIS_CLUSTER_TLS: '1',
      REDIS_TLS_CA_FILE: pem,
      REDIS_TLS_VERIFY: '0',
    });
    expect(secure.redis.tls).toEqual({
      caFile: pem,
      certFile: undefined,
      keyFile: undefined,
      servername: undefined,
      verify: false,
    });
    expect(loadConfig({ REDIS_CLUSTER_NODES: nodes, REDIS_CLUSTER_TLS: '0' }).redis.tls).toBeUndefined();
  });

  it.each([
    [{ REDIS_CLUSTER_TLS: '1' }, 'REDIS_CLUSTER_TLS', 'unset unless REDIS_CLUSTER_NODES is set'],
    [{ REDIS_CLUSTER_NODES: nodes, REDIS_CLUSTER_TLS: 'on' }, 'REDIS_CLUSTER_TLS', '0 or 1'],
    [{ REDIS_CLUSTER_NODES: nodes, REDIS_TLS_CA_FILE: pem }, 'REDIS_TLS_CA_FILE', 'or REDIS_CLUSTER_TLS=1'],
  ])('%j: blames %s, expecting "%s"', (env, variable, expected) => {
    const err = configError(env);
    expect(err.variable).toBe(variable);
    expect(err.message).toContain(expected);
  });
});

describe('loadConfig: ClickHouse TLS', () => {
  it('reads the CA and the client certificate for https://', () => {
    const c = loadConfig({
      CLICKHOUSE_URL: 'https://ch:8443',
      CLICKHOUSE_TLS_CA_FILE: pem,
      CLICKHOUSE_TLS_CERT_FILE: pem,
      CLICKHOUSE_TLS_KEY_FILE: pem,
    });
    expect(c.clickhouse.tls).toEqual({ caFile: pem, certFile: pem, keyFile: pem });
    expect(loadConfig({ CLICKHOUSE_URL: 'https://ch:8443' }).clickhouse.tls).toBeUndefined();
  });
});

describe('loadConfig: Kafka SASL and TLS', () => {
  it.each([
    ['PLAIN', 'plain'],
    ['SCRAM-SHA-256', 'scram-sha-256'],
    ['scram-sha-512', 'scram-sha-512'],
  ])('KAFKA_SASL_MECHANISM=%s', (given, mechanism) => {
    const c = loadConfig({ KAFKA_SASL_MECHANISM: given, KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' });
    expect(c.kafka.sasl).toEqual({ mechanism, username: 'u', password: 'p' });
  });

  it('KAFKA_TLS=1 with its files', () => {
    const c = loadConfig({ KAFKA_TLS: '1', KAFKA_TLS_CA_FILE: pem, KAFKA_TLS_CERT_FILE: pem, KAFKA_TLS_KEY_FILE: pem });
    expect(c.kafka.tls).toEqual({ caFile: pem, certFile: pem, keyFile: pem, servername: undefined, verify: true });
    expect(loadConfig({ KAFKA_TLS: '1' }).kafka.tls).toMatchObject({ caFile: undefined, verify: true });
    expect(loadConfig({ KAFKA_TLS: '0' }).kafka.tls).toBeUndefined();
  });
});

describe('loadConfig: bad security settings', () => {
  const sasl = { KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' };
  it.each<[string, Record<string, string>, string, string]>([
    [
      'KAFKA_SASL_MECHANISM',
      { KAFKA_SASL_MECHANISM: 'GSSAPI', ...sasl },
      '"GSSAPI"',
      'PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512',
    ],
    ['KAFKA_SASL_MECHANISM', { KAFKA_SASL_USERNAME: 'u' }, '(unset)', 'when KAFKA_SASL_USERNAME'],
    ['KAFKA_SASL_USERNAME', { KAFKA_SASL_MECHANISM: 'PLAIN' }, '(unset)', 'a user name'],
    ['KAFKA_SASL_PASSWORD', { KAFKA_SASL_MECHANISM: 'PLAIN', KAFKA_SASL_USERNAME: 'u' }, '(unset)', 'a password'],
    ['KAFKA_TLS', { KAFKA_TLS: 'yes' }, '"yes"', '0 or 1'],
    ['KAFKA_TLS_CA_FILE', { KAFKA_TLS_CA_FILE: pem }, JSON.stringify(pem), 'unset unless KAFKA_TLS=1'],
    ['KAFKA_TLS_CA_FILE', { KAFKA_TLS: '1', KAFKA_TLS_CA_FILE: missing }, JSON.stringify(missing), 'readable file'],
    [
      'KAFKA_TLS_CERT_FILE',
      { KAFKA_TLS: '1', KAFKA_TLS_CERT_FILE: pem },
      JSON.stringify(pem),
      'with KAFKA_TLS_KEY_FILE',
    ],
    ['KAFKA_TLS_VERIFY', { KAFKA_TLS: '1', KAFKA_TLS_VERIFY: 'false' }, '"false"', '0 or 1'],
    ['REDIS_TLS_CA_FILE', { REDIS_TLS_CA_FILE: pem }, JSON.stringify(pem), 'unless REDIS_URL is rediss://'],
    [
      'REDIS_TLS_CA_FILE',
      { REDIS_URL: 'rediss://h:1', REDIS_TLS_CA_FILE: missing },
      JSON.stringify(missing),
      'readable',
    ],
    [
      'REDIS_TLS_KEY_FILE',
      { REDIS_URL: 'rediss://h:1', REDIS_TLS_KEY_FILE: pem },
      JSON.stringify(pem),
      'with REDIS_TLS_CERT_FILE',
    ],
    ['REDIS_TLS_SERVERNAME', { REDIS_TLS_SERVERNAME: 'x' }, '"x"', 'unless REDIS_URL is rediss://'],
    ['REDIS_TLS_VERIFY', { REDIS_TLS_VERIFY: '2' }, '"2"', '0 or 1'],
    [
      'CLICKHOUSE_TLS_CA_FILE',
      { CLICKHOUSE_TLS_CA_FILE: pem },
      JSON.stringify(pem),
      'unless CLICKHOUSE_URL is https://',
    ],
    [
      'CLICKHOUSE_TLS_CA_FILE',
      { CLICKHOUSE_URL: 'https://h:1', CLICKHOUSE_TLS_CERT_FILE: pem, CLICKHOUSE_TLS_KEY_FILE: pem },
      '(unset)',
      'needed with a client certificate',
    ],
    [
      'CLICKHOUSE_TLS_CERT_FILE',
      { CLICKHOUSE_URL: 'https://h:1', CLICKHOUSE_TLS_CA_FILE: pem, CLICKHOUSE_TLS_CERT_FILE: pem },
      JSON.stringify(pem),
      'with CLICKHOUSE_TLS_KEY_FILE',
    ],
    ['INSIDERS_SHARE_BAND', { INSIDERS_SHARE_BAND: '20..5' }, '"20..5"', '0 <= MIN <= MAX <= 100'],
    ['INSIDERS_SHARE_BAND', { INSIDERS_SHARE_BAND: '5-20' }, '"5-20"', 'e.g. 5..20'],
    ['INSIDERS_RULE', { INSIDERS_RULE: 'loyalty' }, '"loyalty"', 'revenue, products, recency'],
    [
      'CLICKHOUSE_URL',
      { CLICKHOUSE_URL: 'http://bob:hunter2@h:8123' },
      '"http://bob:[redacted]@h:8123"',
      'a URL without credentials',
    ],
  ])('%s in %j: names it, shows %s and expects "%s"', (variable, env, shown, expected) => {
    const err = configError(env);
    expect(err.variable).toBe(variable);
    expect(err.message).toContain(`${variable}=${shown}`);
    expect(err.message).toContain(expected);
  });

  it('never shows a secret in the error', () => {
    const err = configError({ REDIS_URL: 'redis://alice:hunter2@h:notaport' });
    expect(err.variable).toBe('REDIS_URL');
    expect(err.message).toContain('REDIS_URL="redis://alice:[redacted]@h:notaport"');
    expect(err.message).not.toContain('hunter2');
    expect(configError({ CLICKHOUSE_URL: 'ftp://u:hunter2@h' }).message).not.toContain('hunter2');
    const badEncoding = configError({ REDIS_URL: 'redis://alice:hunter2%zz@h:1' });
    expect(badEncoding.message).toBe(
      'invalid configuration: REDIS_URL="redis://alice:[redacted]@h:1"; ' +
        'expected a URL with its user and password percent-encoded (%40 for @)',
    );
  });
});

describe('.env file', () => {
  const envDir = path.join(dir, 'env');
  writeFileSync(
    path.join(dir, '.env'),
    '# the development stack\nREDIS_URL=redis://from-file:6379\nLOG_LEVEL="debug"\n',
  );
  writeFileSync(path.join(dir, 'other.env'), 'export KAFKA_BROKERS=k1:9092,k2:9092\n');

  it('reads .env in the working folder', () => {
    expect(readEnvFile({}, dir)).toEqual({ REDIS_URL: 'redis://from-file:6379', LOG_LEVEL: 'debug' });
  });

  it('is optional: no .env, no variables', () => {
    expect(readEnvFile({}, envDir)).toEqual({});
  });

  it('ENV_FILE names another file, relative to the working folder', () => {
    expect(readEnvFile({ ENV_FILE: 'other.env' }, dir)).toEqual({ KAFKA_BROKERS: 'k1:9092,k2:9092' });
  });

  it('a file ENV_FILE names must exist', () => {
    expect(() => readEnvFile({ ENV_FILE: 'absent.env' }, dir)).toThrow(
      'invalid configuration: ENV_FILE="absent.env"; expected the path of a readable file',
    );
  });

  it('the environment wins over the file', () => {
    const env: Record<string, string | undefined> = { LOG_LEVEL: 'warn' };
    applyEnvFile(env, dir);
    expect(env).toEqual({ LOG_LEVEL: 'warn', REDIS_URL: 'redis://from-file:6379' });
    const c = loadConfig(env);
    expect(c.log.level).toBe('warn');
    expect(c.redis.url).toBe('redis://from-file:6379');
  });
});
