// A Redis server of the test's own (Debian's redis-server, as scripts/stack runs it), on a free
// port with its own data folder, so a test can stop, kill and restart it without touching the
// stack's Redis that other tests use. With `appendonly`, every write is fsynced to the AOF
// (appendfsync always), so a restart after SIGKILL keeps every acknowledged write.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './free-port.js';
import { waitFor } from './wait.js';

const binary = existsSync('/usr/bin/redis-server') ? '/usr/bin/redis-server' : 'redis-server';

export interface OwnRedisOptions {
  /** persist every write to an append-only file (fsync always) */
  readonly appendonly?: boolean;
  /** more `redis-server` arguments, e.g. ['--tls-port', String(port), ...] or ['--requirepass', 'x'] */
  readonly args?: readonly string[];
}

export interface OwnRedis {
  readonly port: number;
  readonly url: string;
  readonly dir: string;
  start(): Promise<void>;
  /** SIGTERM and wait for the exit (Redis flushes the AOF on a clean shutdown). */
  stop(): Promise<void>;
  /** SIGKILL: no shutdown work at all. */
  kill(): Promise<void>;
  destroy(): Promise<void>;
}

function pong(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.setTimeout(1000);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
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
  const args = [
    '--bind',
    '127.0.0.1',
    '--port',
    String(port),
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
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((resolve) => c.once('exit', resolve));
    c.kill(signal);
    await exited;
    child = undefined;
  };
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    async start() {
      child = spawn(binary, args, { stdio: 'ignore' });
      await waitFor(() => pong(port), { timeoutMs: 30_000, intervalMs: 50, what: 'the test Redis to answer' });
    },
    stop: () => halt('SIGTERM'),
    kill: () => halt('SIGKILL'),
    async destroy() {
      await halt('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    },
  };
}
