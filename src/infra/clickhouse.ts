// ClickHouse client factory. Every statement the project sends must run on ClickHouse 18.16 and on
// current releases (production; CI runs the ClickHouse tests on both, see test/README.md): no
// query parameters, DateTime64, Map or window functions.
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import type { Config } from '../config.js';
import { readTlsFiles } from './tls.js';

/** Settings sent with every statement, so that all server versions answer alike. */
export const clickhouseSettings = {
  // 18.16 parses ISO-8601 timestamps ("2011-12-09T12:50:00Z") only with best_effort.
  date_time_input_format: 'best_effort',
  // JSON output quotes 64-bit integers (counts, sums of mills, row versions): a JavaScript number
  // is exact only to 2^53. Servers before 25.8 quote by default, 25.8 and later do not; said
  // here, every server answers with strings, which callers read with Number() where they count.
  output_format_json_quote_64bit_integers: 1,
} as const;

export function createClickHouse(config: Config['clickhouse'], database = config.database): ClickHouseClient {
  return createClient({
    url: config.url,
    username: config.user,
    password: config.password,
    database,
    clickhouse_settings: clickhouseSettings,
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
