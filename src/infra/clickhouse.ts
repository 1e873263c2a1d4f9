// ClickHouse client factory. Every statement the project sends must run on ClickHouse 18.16 (CI)
// and on current releases (production): no query parameters, DateTime64, Map or window functions.
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import type { Config } from '../config.js';

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
  });
}
