// Throwaway TLS material for servers a test starts itself: a CA, a server certificate it signed
// (for the names given) and a client certificate, made by `openssl` into a temporary folder.
// Keys are unencrypted PKCS#8 PEM, which Redis, ClickHouse, Kafka and Node all read.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Certificates {
  readonly dir: string;
  readonly caCert: string;
  readonly serverCert: string;
  readonly serverKey: string;
  /** the server's key followed by its certificate, for servers that take both in one file */
  readonly serverKeyAndCert: string;
  readonly clientCert: string;
  readonly clientKey: string;
  /** a second CA, which signed nothing the servers present: to prove verification happens */
  readonly otherCaCert: string;
  destroy(): Promise<void>;
}

export interface CertificateOptions {
  /** subject alternative names of the server certificate; default `IP:127.0.0.1,DNS:localhost` */
  readonly serverNames?: string;
}

async function openssl(cwd: string, ...args: string[]): Promise<void> {
  await run('openssl', args, { cwd });
}

async function authority(dir: string, name: string): Promise<void> {
  await openssl(dir, 'genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${name}.key`);
  await openssl(
    dir,
    'req',
    '-x509',
    '-new',
    '-key',
    `${name}.key`,
    '-subj',
    `/CN=${name}`,
    '-days',
    '2',
    '-out',
    `${name}.pem`,
  );
}

async function signed(dir: string, name: string, extensions: string): Promise<void> {
  await openssl(dir, 'genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${name}.key`);
  await openssl(dir, 'req', '-new', '-key', `${name}.key`, '-subj', `/CN=${name}`, '-out', `${name}.csr`);
  await writeFile(path.join(dir, `${name}.ext`), extensions);
  await openssl(
    dir,
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    `${name}.ext`,
    '-out',
    `${name}.pem`,
  );
}

export async function makeCertificates(options: CertificateOptions = {}): Promise<Certificates> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'insiders-tls-'));
  await authority(dir, 'ca');
  await authority(dir, 'other-ca');
  await signed(
    dir,
    'server',
    `subjectAltName=${options.serverNames ?? 'IP:127.0.0.1,DNS:localhost'}\nextendedKeyUsage=serverAuth\n`,
  );
  await signed(dir, 'client', 'extendedKeyUsage=clientAuth\n');
  const at = (file: string) => path.join(dir, file);
  await writeFile(
    at('server-key-and-cert.pem'),
    (await readFile(at('server.key'), 'utf8')) + (await readFile(at('server.pem'), 'utf8')),
  );
  return {
    dir,
    caCert: at('ca.pem'),
    serverCert: at('server.pem'),
    serverKey: at('server.key'),
    serverKeyAndCert: at('server-key-and-cert.pem'),
    clientCert: at('client.pem'),
    clientKey: at('client.key'),
    otherCaCert: at('other-ca.pem'),
    destroy: () => rm(dir, { recursive: true, force: true }),
  };
}
