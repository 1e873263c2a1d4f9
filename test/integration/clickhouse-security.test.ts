// ClickHouse with a password-protected user and over HTTPS, on a server of the test's own:
// createClickHouse queries with the settings config.ts reads, and fails saying why with wrong ones.
import type { ClickHouseClient } from '@clickhouse/client';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { clickhouseErrorCode } from '../../src/errors.js';
import { createClickHouse } from '../../src/infra/clickhouse.js';
import { makeCertificates, type Certificates } from '../support/certificates.js';
import { ownClickHouse, type OwnClickHouse } from '../support/own-clickhouse.js';

// `default` needs a password too, so nothing gets in without one; @SHA@ becomes insiders' hash.
const usersXml = `<?xml version="1.0"?>
<yandex>
    <profiles><default></default></profiles>
    <users>
        <default>
            <password>default-secret</password>
            <networks><ip>127.0.0.1</ip></networks>
            <profile>default</profile>
            <quota>default</quota>
        </default>
        <insiders>
            <password_sha256_hex>@SHA@</password_sha256_hex>
            <networks><ip>127.0.0.1</ip></networks>
            <profile>default</profile>
            <quota>default</quota>
        </insiders>
    </users>
    <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
`;

const opened: ClickHouseClient[] = [];
function clickhouseFor(env: Record<string, string>): ClickHouseClient {
  const client = createClickHouse(loadConfig(env).clickhouse, 'default');
  opened.push(client);
  return client;
}

/** The user the server ran the query as (18.16 has no currentUser(): the query finds itself). */
async function whoAmI(client: ClickHouseClient): Promise<string> {
  const result = await client.query({
    query: "SELECT user FROM system.processes WHERE query LIKE '%who-am-i-probe%'",
    format: 'JSONEachRow',
  });
  const rows: { user: string }[] = await result.json();
  return rows[0]?.user ?? '';
}

async function failure(client: ClickHouseClient): Promise<Error> {
  return whoAmI(client).then(
    () => new Error('answered'),
    (e: unknown) => (e instanceof Error ? e : new Error(String(e))),
  );
}

let certs: Certificates;
let server: OwnClickHouse;
beforeAll(async () => {
  certs = await makeCertificates();
  server = await ownClickHouse({
    usersXml: usersXml.replace('@SHA@', createHash('sha256').update('insiders-secret').digest('hex')),
    https: { certFile: certs.serverCert, keyFile: certs.serverKey },
  });
  await server.start();
});
afterAll(async () => {
  await Promise.all(opened.map((c) => c.close()));
  await server.destroy();
  await certs.destroy();
});

describe('ClickHouse with a password', () => {
  it('queries as the configured user', async () => {
    const client = clickhouseFor({
      CLICKHOUSE_URL: server.url,
      CLICKHOUSE_USER: 'insiders',
      CLICKHOUSE_PASSWORD: 'insiders-secret',
    });
    expect(await whoAmI(client)).toBe('insiders');
  });

  it('a wrong password is refused by the server (code 193), without the password in the error', async () => {
    const err = await failure(
      clickhouseFor({ CLICKHOUSE_URL: server.url, CLICKHOUSE_USER: 'insiders', CLICKHOUSE_PASSWORD: 'nope-nope' }),
    );
    // 193 WRONG_PASSWORD on 18.16; current releases answer 516 AUTHENTICATION_FAILED.
    expect([193, 516]).toContain(clickhouseErrorCode(err));
    expect(err.message).toMatch(/Wrong password for user insiders|insiders: Authentication failed/);
    expect(err.message).not.toContain('nope-nope');
  });

  it('no password: the default user is refused too', async () => {
    const err = await failure(clickhouseFor({ CLICKHOUSE_URL: server.url }));
    // 194 REQUIRED_PASSWORD on 18.16, 516 on current releases.
    expect([194, 516]).toContain(clickhouseErrorCode(err));
  });
});

describe('ClickHouse over HTTPS', () => {
  const settings = () => ({
    CLICKHOUSE_URL: server.httpsUrl ?? '',
    CLICKHOUSE_USER: 'insiders',
    CLICKHOUSE_PASSWORD: 'insiders-secret',
    CLICKHOUSE_TLS_CA_FILE: certs.caCert,
  });

  it('queries with the CA that signed the server certificate', async () => {
    expect(server.httpsUrl).toMatch(/^https:/);
    expect(await whoAmI(clickhouseFor(settings()))).toBe('insiders');
  });

  it('refuses a server certificate the configured CA did not sign', async () => {
    const err = await failure(clickhouseFor({ ...settings(), CLICKHOUSE_TLS_CA_FILE: certs.otherCaCert }));
    expect(err.message).toMatch(/unable to verify the first certificate|self-signed certificate/);
  });

  it('without a CA file, Node trusts only its bundled CAs, which did not sign it', async () => {
    const { CLICKHOUSE_TLS_CA_FILE: _, ...env } = settings();
    const err = await failure(clickhouseFor(env));
    expect(err.message).toMatch(/unable to verify the first certificate|self-signed certificate/);
  });
});

describe('ClickHouse over mutual TLS', () => {
  let mutual: OwnClickHouse;
  beforeAll(async () => {
    mutual = await ownClickHouse({
      https: { certFile: certs.serverCert, keyFile: certs.serverKey, clientCaFile: certs.caCert },
    });
    await mutual.start();
  });
  afterAll(() => mutual.destroy());

  const settings = () => ({ CLICKHOUSE_URL: mutual.httpsUrl ?? '', CLICKHOUSE_TLS_CA_FILE: certs.caCert });

  it('queries with a client certificate the server trusts', async () => {
    const client = clickhouseFor({
      ...settings(),
      CLICKHOUSE_TLS_CERT_FILE: certs.clientCert,
      CLICKHOUSE_TLS_KEY_FILE: certs.clientKey,
    });
    expect(await whoAmI(client)).toBe('default');
  });

  it('the server refuses a client without one', async () => {
    const err = await failure(clickhouseFor(settings()));
    // The server's alert, or only the reset when the client is still writing as it arrives.
    expect(err.message).toMatch(/alert certificate required|ECONNRESET|socket hang up/);
  });
});
