// A Redis server of the test's own (Debian's redis-server, as scripts/stack runs it), on a free
// port with its own data folder, so a test can stop, kill and restart it without touching the
// stack's Redis that other tests use. With `appendonly`, every write is fsynced to the AOF
// (appendfsync always), so a restart after SIGKILL keeps every acknowledged write. With `tls`, it
// listens for TLS only, on `port`.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { freePort } from './free-port.js';
import { haltProcess, type OwnServer } from './server-process.js';
import { waitFor } from './wait.js';

const binary = existsSync('/usr/bin/redis-server') ? '/usr/bin/redis-server' : 'redis-server';

export interface OwnRedisOptions {
  /** persist every write to an append-only file (fsync always) */
  readonly appendonly?: boolean;
  /** more `redis-server` arguments, e.g. ['--requirepass', 'x'] or ['--user', 'alice', 'on', '>pw', '~*', '+@all'] */
  readonly args?: readonly string[];
  /** serve TLS only (no plain TCP port), with these PEM files */
  readonly tls?: OwnRedisTls;
}

export interface OwnRedisTls {
  readonly certFile: string;
  readonly keyFile: string;
  readonly caFile: string;
  /** require a client certificate signed by caFile; the readiness probe then presents clientCert */
  readonly authClients?: boolean;
  readonly clientCert?: string;
  readonly clientKey?: string;
}

/** Its stop() is a clean shutdown, on which Redis flushes the AOF. */
export interface OwnRedis extends OwnServer {
  readonly port: number;
  readonly url: string;
}

function pong(port: number, secure: OwnRedisTls | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    // The probe only asks whether the server is up; the tests check certificates with the real client.
    const socket = secure
      ? tls.connect({
          port,
          host: '127.0.0.1',
          rejectUnauthorized: false,
          ...(secure.clientCert !== undefined && { cert: readFileSync(secure.clientCert) }),
          ...(secure.clientKey !== undefined && { key: readFileSync(secure.clientKey) }),
        })
      : net.connect(port, '127.0.0.1');
    socket.setTimeout(1000);
    socket.once(secure ? 'secureConnect' : 'connect', () => socket.write('PING\r\n'));
    socket.once('data', (data: Buffer) => {
      // A server still loading its AOF answers -LOADING; a password-protected one -NOAUTH: both are up.
      resolve(/^(\+PONG|-LOADING|-NOAUTH)/.test(data.toString()));
      socket.destroy();
    });
    socket.once('timeout', () => {
      resolve(false);
      socket.destroy();
    });
    socket.once('error', () => resolve(false));
  });
}

export async function ownRedis(options: OwnRedisOptions = {}): Promise<OwnRedis> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'insiders-redis-'));
  const port = await freePort();
  const secure = options.tls;
  const listen = secure
    ? [
        '--port',
        '0',
        '--tls-port',
        String(port),
        '--tls-cert-file',
        secure.certFile,
        '--tls-key-file',
        secure.keyFile,
        '--tls-ca-cert-file',
        secure.caFile,
        '--tls-auth-clients',
        secure.authClients ? 'yes' : 'no',
      ]
    : ['--port', String(port)];
  const args = [
    '--bind',
    '127.0.0.1',
    ...listen,
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    options.appendonly ? 'yes' : 'no',
    '--appendfsync',
    'always',
    '--logfile',
    path.join(dir, 'redis.log'),
    ...(options.args ?? []),
  ];
  let child: ChildProcess | undefined;
  const halt = async (signal: NodeJS.Signals) => {
    await haltProcess(child, signal);
    child = undefined;
  };
  return {
    port,
    url: `${secure ? 'rediss' : 'redis'}://127.0.0.1:${port}`,
    dir,
    async start() {
      child = spawn(binary, args, { stdio: 'ignore' });
      await waitFor(() => pong(port, secure), { timeoutMs: 30_000, intervalMs: 50, what: 'the test Redis to answer' });
    },
    stop: () => halt('SIGTERM'),
    kill: () => halt('SIGKILL'),
    async destroy() {
      await halt('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    },
  };
}
