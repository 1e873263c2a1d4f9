// `insiders features [--customer ID] [--format csv|json]`: current features of one customer or all
// of them, from Redis, as of the service's "now" (the watermark, or the wall clock).
import type { Command } from 'commander';
import { stringify } from 'csv-stringify/sync';
import { loadConfig } from '../config.js';
import { InsidersError } from '../errors.js';
import { featureColumns, featureRow, type FeatureRow } from '../features/export.js';
import { computeFeatures, featuresAt } from '../features/features.js';
import { createLogger } from '../log.js';
import { openClients } from '../service/clients.js';
import type { CommandOutcome } from './outcome.js';

export function registerFeatures(program: Command, outcome: CommandOutcome): void {
  program
    .command('features')
    .description("print customers' current features from Redis")
    .option('--customer <id>', 'one customer only')
    .option('--format <format>', 'csv or json (one object per line)', 'csv')
    .action(async (opts: { customer?: string; format: string }) => {
      if (opts.format !== 'csv' && opts.format !== 'json') {
        throw new InsidersError('CONFIG_INVALID', `--format ${opts.format}: expected csv or json`);
      }
      const config = loadConfig(process.env);
      const clients = await openClients(config, createLogger(config.log), { state: true });
      try {
        const { store } = clients;
        const nowMs = await store.now(config.state.clock);
        const write = (rows: FeatureRow[], header: boolean) => {
          if (opts.format === 'json') {
            for (const row of rows) process.stdout.write(`${JSON.stringify(row)}\n`);
          } else {
            process.stdout.write(stringify(rows, { header, columns: [...featureColumns] }));
          }
        };
        if (opts.customer !== undefined) {
          const state = await store.customer(opts.customer);
          if (state === undefined) {
            process.stderr.write(`insiders: no customer ${opts.customer}\n`);
            outcome.exitCode = 1;
            return;
          }
          write([featureRow(computeFeatures(state, nowMs, config.state.windowDays))], true);
          return;
        }
        let header = true;
        for await (const page of store.customers(nowMs)) {
          write(
            page.map((s) => featureRow(featuresAt(s, nowMs, config.state.windowDays))),
            header,
          );
          header = false;
        }
      } finally {
        await clients.close();
      }
    });
}
