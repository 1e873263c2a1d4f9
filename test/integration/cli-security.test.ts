// The command line goes through the same settings: a command reads a .env file (the environment
// winning over it), connects to a Redis with an ACL user over TLS, and stops with the server's
// reason, and no password, when the password is wrong.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exited, spawnCli } from '../support/cli.js';
import { makeCertificates, type Certificates } from '../support/certificates.js';
import { ownRedis, type OwnRedis } from '../support/own-redis.js';

describe('insiders with security settings from a .env file', () => {
  let certs: Certificates;
  let server: OwnRedis;
  let envFile: string;
  beforeAll(async () => {
    certs = await makeCertificates();
    server = await ownRedis({
      tls: { certFile: certs.serverCert, keyFile: certs.serverKey, caFile: certs.caCert },
      args: ['--user', 'default', 'off', '--user', 'ingest', 'on', '>ingest-secret', '~*', '+@all'],
    });
    await server.start();
    envFile = path.join(certs.dir, 'service.env');
    await writeFile(
      envFile,
      [
        '# what an operator would keep next to the service',
        `REDIS_URL=${server.url.replace('rediss://', 'rediss://ingest:ingest-secret@')}`,
        `REDIS_TLS_CA_FILE=${certs.caCert}`,
        'LOG_LEVEL=silent',
        '',
      ].join('\n'),
    );
  });
  afterAll(async () => {
    await server.destroy();
    await certs.destroy();
  });

  it('connects with the settings of the file', async () => {
    const cli = spawnCli(['features', '--customer', 'nobody'], { ENV_FILE: envFile });
    // Exit 1 with "no customer": it reached Redis, as ingest, over TLS, and found nobody.
    expect(await exited(cli)).toBe(1);
    expect(cli.output()).toBe('insiders: no customer nobody\n');
  });

  it('a variable of the environment wins over the file: a wrong password stops it, saying why', async () => {
    const cli = spawnCli(['features', '--customer', 'nobody'], { ENV_FILE: envFile, REDIS_PASSWORD: 'wrong-secret' });
    expect(await exited(cli)).toBe(2);
    expect(cli.output()).toBe(
      `insiders: cannot connect to Redis at ${server.url} as ingest: WRONGPASS invalid username-password pair or user is disabled.\n`,
    );
  });

  it('a bad value in the file stops start-up naming the variable, with the password redacted', async () => {
    const broken = path.join(certs.dir, 'broken.env');
    await writeFile(broken, 'REDIS_URL=redis://ingest:ingest-secret@127.0.0.1:notaport\n');
    const cli = spawnCli(['features'], { ENV_FILE: broken });
    expect(await exited(cli)).toBe(2);
    expect(cli.output()).toBe(
      'insiders: invalid configuration: REDIS_URL="redis://ingest:[redacted]@127.0.0.1:notaport"; ' +
        'expected a URL starting with redis:// or rediss://\n',
    );
  });
});
