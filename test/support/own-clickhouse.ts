// A ClickHouse server of the test's own (Debian's clickhouse-server, as scripts/stack runs it), on
// free ports with its own data folder, so a test can stop and restart it without touching the
// stack's server that other tests use. Optionally with users of its own and an HTTPS port.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile, copyFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './free-port.js';
import { haltProcess } from './server-process.js';
import { waitFor } from './wait.js';

const infra = fileURLToPath(new URL('../../infra/clickhouse/', import.meta.url));
// Debian installs it in /usr/sbin, which is not on every PATH.
const binary = existsSync('/usr/sbin/clickhouse-server') ? '/usr/sbin/clickhouse-server' : 'clickhouse-server';

export interface OwnClickHouseOptions {
  /** users.xml in place of infra/clickhouse/users.xml, e.g. users with passwords */
  readonly usersXml?: string;
  /** also serve HTTPS, with this PEM certificate and key */
  readonly https?: OwnClickHouseHttps;
}

export interface OwnClickHouseHttps {
  readonly certFile: string;
  readonly keyFile: string;
  /** require a client certificate signed by this CA */
  readonly clientCaFile?: string;
}

export interface OwnClickHouse {
  readonly url: string;
  /** set when started with `https` */
  readonly httpsUrl: string | undefined;
  start(): Promise<void>;
  stop(): Promise<void>;
  destroy(): Promise<void>;
}

export async function ownClickHouse(options: OwnClickHouseOptions = {}): Promise<OwnClickHouse> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'insiders-ch-'));
  const [httpPort, tcpPort] = [await freePort(), await freePort()];
  const httpsPort = options.https ? await freePort() : undefined;
  for (const sub of [
    'clickhouse/log',
    'clickhouse/data',
    'clickhouse/tmp',
    'clickhouse/user_files',
    'clickhouse/format_schemas',
  ]) {
    await mkdir(path.join(dir, sub), { recursive: true });
  }
  let config = (await readFile(path.join(infra, 'config.xml'), 'utf8'))
    .replaceAll('@STATE_DIR@', dir)
    .replaceAll('@CLICKHOUSE_HTTP_PORT@', String(httpPort))
    .replaceAll('@CLICKHOUSE_TCP_PORT@', String(tcpPort));
  if (options.https && httpsPort !== undefined)
    config = config.replace('</yandex>', httpsConfig(httpsPort, options.https));
  await writeFile(path.join(dir, 'clickhouse/config.xml'), config);
  const users = path.join(dir, 'clickhouse/users.xml');
  if (options.usersXml === undefined) await copyFile(path.join(infra, 'users.xml'), users);
  else await writeFile(users, options.usersXml);
  const url = `http://127.0.0.1:${httpPort}`;
  let child: ChildProcess | undefined;
  const up = async () => {
    try {
      return (await fetch(`${url}/ping`)).ok;
    } catch {
      return false;
    }
  };
  const stop = async () => {
    await haltProcess(child, 'SIGTERM');
    child = undefined;
  };
  return {
    url,
    httpsUrl: httpsPort === undefined ? undefined : `https://127.0.0.1:${httpsPort}`,
    stop,
    async start() {
      child = spawn(binary, [`--config-file=${path.join(dir, 'clickhouse/config.xml')}`], { stdio: 'ignore' });
      await waitFor(up, { timeoutMs: 60_000, intervalMs: 100, what: 'the test ClickHouse to answer' });
    },
    async destroy() {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The HTTPS port and its OpenSSL settings, as ClickHouse 18.16 and current releases read them. */
function httpsConfig(port: number, files: OwnClickHouseHttps): string {
  const clients =
    files.clientCaFile === undefined
      ? '<verificationMode>none</verificationMode>'
      : `<verificationMode>strict</verificationMode>
            <caConfig>${files.clientCaFile}</caConfig>`;
  return `    <https_port>${port}</https_port>
    <openSSL>
        <server>
            <certificateFile>${files.certFile}</certificateFile>
            <privateKeyFile>${files.keyFile}</privateKeyFile>
            ${clients}
            <loadDefaultCAFile>false</loadDefaultCAFile>
            <cacheSessions>true</cacheSessions>
            <disableProtocols>sslv2,sslv3</disableProtocols>
            <preferServerCiphers>true</preferServerCiphers>
        </server>
    </openSSL>
</yandex>`;
}
