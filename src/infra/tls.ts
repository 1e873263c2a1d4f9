// TLS material for the client factories: the PEM files the configuration names, read when a
// client is made (so a renewed certificate is picked up by the next client).
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type { TlsFiles, TlsSettings } from '../config.js';

export interface TlsMaterial {
  readonly ca: Buffer | undefined;
  readonly cert: Buffer | undefined;
  readonly key: Buffer | undefined;
}

export function readTlsFiles(files: TlsFiles): TlsMaterial {
  const read = (file: string | undefined) => (file === undefined ? undefined : readFileSync(file));
  return { ca: read(files.caFile), cert: read(files.certFile), key: read(files.keyFile) };
}

/** Node's tls.connect options for Redis and Kafka; only the settings given, Node's defaults for the rest. */
export function tlsConnectionOptions(settings: TlsSettings): ConnectionOptions {
  const { ca, cert, key } = readTlsFiles(settings);
  return {
    rejectUnauthorized: settings.verify,
    ...(ca && { ca }),
    ...(cert && { cert }),
    ...(key && { key }),
    ...(settings.servername !== undefined && { servername: settings.servername }),
  };
}
