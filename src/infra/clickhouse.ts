// ClickHouse client factory. Every statement the project sends must run on ClickHouse 18.16 (CI)
// and on current releases (production): no query parameters, DateTime64, Map or window functions.
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import type { Config } from '../config.js';
import { readTlsFiles } from './tls.js';

export function createClickHouse(config: Config['clickhouse'], database = config.database): ClickHouseClient {
  return createClient({
    url: config.url,
    username: config.user,
    password: config.password,
    database,
    // 18.16 parses ISO-8601 timestamps ("2011-12-09T12:50:00Z") only with best_effort.
    clickhouse_settings: { date_time_input_format: 'best_effort' },
    request_timeout: 30_000,
    compression: { request: false, response: false },
    // Failures reach the caller as thrown errors and are logged there, with context.
    log: { level: ClickHouseLogLevel.OFF },
    ...(config.tls && { tls: clickhouseTls(config.tls) }),
  });
}

/** The client's TLS option: a CA to trust, with a client certificate and key for mutual TLS. */
function clickhouseTls(files: NonNullable<Config['clickhouse']['tls']>) {
  const { ca, cert, key } = readTlsFiles(files);
  // config.ts guarantees the CA file whenever tls is set, and the certificate and key together.
  if (ca === undefined) throw new Error('ClickHouse TLS settings without a CA file');
  return cert !== undefined && key !== undefined ? { ca_cert: ca, cert, key } : { ca_cert: ca };
}
