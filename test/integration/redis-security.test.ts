// Redis with an ACL user and with TLS, on servers of the test's own: createRedis connects with the
// settings config.ts reads, and fails with the server's or the TLS layer's reason with wrong ones.
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { InsidersError } from '../../src/errors.js';
import { createRedis } from '../../src/infra/redis.js';
import { makeCertificates, type Certificates } from '../support/certificates.js';
import { ownRedis, type OwnRedis } from '../support/own-redis.js';

const opened: Redis[] = [];
function redisFor(env: Record<string, string>): Redis {
  const redis = createRedis(loadConfig(env).redis);
  opened.push(redis);
  return redis;
}

/** The reason a first connection fails, as the caller sees it. */
async function connectError(redis: Redis): Promise<Error> {
  const err = await redis.connect().then(
    () => new Error('connected'),
    (e: unknown) => (e instanceof Error ? e : new Error(String(e))),
  );
  redis.disconnect();
  return err;
}

afterAll(() => {
  for (const redis of opened) redis.disconnect();
});

describe('Redis with an ACL user', () => {
  let server: OwnRedis;
  beforeAll(async () => {
    server = await ownRedis({
      args: ['--user', 'default', 'off', '--user', 'ingest', 'on', '>ingest-secret', '~insiders:*', '+@all'],
    });
    await server.start();
  });
  afterAll(() => server.destroy());

  it('connects as the user in REDIS_URL', async () => {
    const redis = redisFor({ REDIS_URL: `redis://ingest:ingest-secret@127.0.0.1:${server.port}` });
    await redis.connect();
    expect(await redis.acl('WHOAMI')).toBe('ingest');
    await redis.set('insiders:k', 'v');
    expect(await redis.get('insiders:k')).toBe('v');
    // The ACL is in force: keys outside the user's pattern are refused.
    await expect(redis.set('other:k', 'v')).rejects.toThrow(/NOPERM/);
    await redis.quit();
  });

  it('connects with REDIS_USERNAME and REDIS_PASSWORD', async () => {
    const redis = redisFor({ REDIS_URL: server.url, REDIS_USERNAME: 'ingest', REDIS_PASSWORD: 'ingest-secret' });
    await redis.connect();
    expect(await redis.acl('WHOAMI')).toBe('ingest');
    await redis.quit();
  });

  it('a wrong password stops at connect, saying so, with the user but not the password', async () => {
    const err = await connectError(
      redisFor({ REDIS_URL: server.url, REDIS_USERNAME: 'ingest', REDIS_PASSWORD: 'nope' }),
    );
    expect(err).toBeInstanceOf(InsidersError);
    expect(err).toMatchObject({ code: 'CONNECTION_FAILED', retryable: false });
    expect(err.message).toBe(
      `cannot connect to Redis at ${server.url} as ingest: WRONGPASS invalid username-password pair or user is disabled.`,
    );
  });

  it('no credentials: the disabled default user cannot connect', async () => {
    const err = await connectError(redisFor({ REDIS_URL: server.url }));
    expect(err.message).toMatch(new RegExp(`^cannot connect to Redis at ${server.url}: NOAUTH`));
  });
});

describe('Redis over TLS', () => {
  let certs: Certificates;
  let server: OwnRedis;
  let mutual: OwnRedis;
  beforeAll(async () => {
    // The server's certificate names a host other than the one connected to, so the servername
    // setting is needed and shown to work.
    certs = await makeCertificates({ serverNames: 'DNS:redis.insiders.test' });
    const files = { certFile: certs.serverCert, keyFile: certs.serverKey, caFile: certs.caCert };
    server = await ownRedis({ tls: files, args: ['--requirepass', 'tls-secret'] });
    mutual = await ownRedis({
      tls: { ...files, authClients: true, clientCert: certs.clientCert, clientKey: certs.clientKey },
    });
    await Promise.all([server.start(), mutual.start()]);
  });
  afterAll(async () => {
    await Promise.all([server.destroy(), mutual.destroy()]);
    await certs.destroy();
  });

  const settings = () => ({
    REDIS_URL: server.url.replace('rediss://', 'rediss://:tls-secret@'),
    REDIS_TLS_CA_FILE: certs.caCert,
    REDIS_TLS_SERVERNAME: 'redis.insiders.test',
  });

  it('connects with the CA and the server name, and has the password checked', async () => {
    expect(server.url).toMatch(/^rediss:/);
    const redis = redisFor(settings());
    await redis.connect();
    await redis.set('k', 'over tls');
    expect(await redis.get('k')).toBe('over tls');
    await redis.quit();
  });

  it('refuses a certificate for another name', async () => {
    const { REDIS_TLS_SERVERNAME: _, ...env } = settings();
    const err = await connectError(redisFor(env));
    expect(err).toMatchObject({ code: 'CONNECTION_FAILED', retryable: false });
    expect(err.message).toMatch(/Hostname\/IP does not match certificate's altnames/);
  });

  it('refuses a server certificate the configured CA did not sign', async () => {
    const err = await connectError(redisFor({ ...settings(), REDIS_TLS_CA_FILE: certs.otherCaCert }));
    expect(err).toMatchObject({ code: 'CONNECTION_FAILED', retryable: false });
    expect(err.message).toMatch(/certificate/);
  });

  it('REDIS_TLS_VERIFY=0 accepts it anyway', async () => {
    const redis = redisFor({ ...settings(), REDIS_TLS_CA_FILE: certs.otherCaCert, REDIS_TLS_VERIFY: '0' });
    await redis.connect();
    expect(await redis.ping()).toBe('PONG');
    await redis.quit();
  });

  it('a plain redis:// client gets no answer from the TLS port', async () => {
    const err = await connectError(redisFor({ REDIS_URL: server.url.replace('rediss://', 'redis://') }));
    expect(err).toMatchObject({ code: 'CONNECTION_FAILED' });
    expect(err.message).toMatch(/does the server expect TLS\? a rediss:\/\/ REDIS_URL/);
  });

  it('mutual TLS: connects with a client certificate, not without', async () => {
    const env = { REDIS_URL: mutual.url, REDIS_TLS_CA_FILE: certs.caCert, REDIS_TLS_SERVERNAME: 'redis.insiders.test' };
    const redis = redisFor({ ...env, REDIS_TLS_CERT_FILE: certs.clientCert, REDIS_TLS_KEY_FILE: certs.clientKey });
    await redis.connect();
    expect(await redis.ping()).toBe('PONG');
    await redis.quit();

    const err = await connectError(redisFor(env));
    expect(err).toMatchObject({ code: 'CONNECTION_FAILED' });
    // Depending on when the server's alert arrives, the client reads it or only sees the reset.
    expect(err.message).toMatch(/alert certificate required|does the server require a client certificate\?/);
  });
});
