// `insiders metabase provision`: creates or updates the "Insiders" dashboard in a Metabase through
// its REST API (src/metabase/provision.ts): the first admin on a fresh instance, the ClickHouse
// connection, one card per question in metabase/questions, the dashboard. Idempotent.
import type { Command } from 'commander';
import { loadConfig } from '../config.js';
import { InsidersError } from '../errors.js';
import { fetchHttp, provisionMetabase } from '../metabase/provision.js';
import { loadCardSpecs } from '../metabase/questions.js';
import type { CommandOutcome } from './outcome.js';

interface ProvisionFlags {
  url: string;
  user: string;
  password: string;
  clickhouseHost?: string;
  clickhousePort?: string;
  anonymousTracking?: boolean;
}

export function registerMetabase(program: Command, _outcome: CommandOutcome): void {
  const metabase = program.command('metabase').description('the Metabase dashboard');
  metabase
    .command('provision')
    .description('create or update the ClickHouse connection, the questions and the "Insiders" dashboard in Metabase')
    .requiredOption('--url <url>', 'Metabase, e.g. http://localhost:3000')
    .requiredOption('--user <email>', "the admin's e-mail (created on a fresh instance)")
    .requiredOption('--password <password>', "the admin's password (set on a fresh instance)")
    .option('--clickhouse-host <host>', "ClickHouse's host as Metabase reaches it (default: CLICKHOUSE_URL's)")
    .option('--clickhouse-port <port>', "ClickHouse's HTTP port as Metabase reaches it (default: CLICKHOUSE_URL's)")
    .option('--anonymous-tracking', "on a fresh instance, leave Metabase's anonymous usage tracking on (default: off)")
    .action(async (flags: ProvisionFlags) => {
      const config = loadConfig(process.env);
      let base: URL;
      try {
        base = new URL(flags.url);
      } catch {
        throw new InsidersError(
          'CONFIG_INVALID',
          `--url ${JSON.stringify(flags.url)}: expected an http:// or https:// URL`,
        );
      }
      const clickhouseUrl = new URL(config.clickhouse.url);
      const ssl = clickhouseUrl.protocol === 'https:';
      const port = Number(flags.clickhousePort ?? (clickhouseUrl.port || (ssl ? '8443' : '8123')));
      if (!Number.isInteger(port) || port < 1 || port > 65535) {
        throw new InsidersError(
          'CONFIG_INVALID',
          `--clickhouse-port ${JSON.stringify(flags.clickhousePort)}: expected 1-65535`,
        );
      }
      const report = await provisionMetabase(fetchHttp(base.toString()), {
        user: flags.user,
        password: flags.password,
        clickhouse: {
          host: flags.clickhouseHost ?? clickhouseUrl.hostname,
          port,
          user: config.clickhouse.user,
          password: config.clickhouse.password,
          database: config.clickhouse.database,
          ssl,
        },
        cards: await loadCardSpecs(),
        anonymousTracking: flags.anonymousTracking === true,
      });
      const out = process.stdout;
      if (report.setUp) out.write(`metabase: first admin ${flags.user} created\n`);
      out.write(
        `database ${report.database.id} (ClickHouse ${config.clickhouse.database}): ${report.database.action}\n`,
      );
      for (const c of report.cards) out.write(`card ${c.id} ${c.name}: ${c.action}\n`);
      const dashboardUrl = new URL(`dashboard/${report.dashboard.id}`, base.toString().replace(/\/?$/, '/'));
      out.write(
        `dashboard ${report.dashboard.id} (${report.dashboard.dashcards} cards): ${report.dashboard.action}: ${dashboardUrl.toString()}\n`,
      );
    });
}
