// `insiders run`: the service — consume events into state, place customers on every event,
// refit the model and sweep on their schedules — until SIGINT or SIGTERM, then a clean shutdown.
// `insiders refit`: one refit now (and the sweep after it), for operators.
import type { Command } from 'commander';
import { loadConfig } from '../config.js';
import { createLogger } from '../log.js';
import { startService } from '../service/service.js';
import type { CommandOutcome } from './main.js';

function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
}

export function registerRun(program: Command, outcome: CommandOutcome): void {
  program
    .command('run')
    .description('run the service: consume, place customers, refit and sweep, until stopped')
    .action(async () => {
      const config = loadConfig(process.env);
      const logger = createLogger(config.log);
      const service = await startService(config, logger);
      logger.info({ signal: await untilSignal() }, 'stopping');
      await service.close();
      logger.info(service.consumer.totals, 'stopped');
    });

  program
    .command('refit')
    .description('fit a new model version now on the current state, store it and sweep every customer')
    .action(async () => {
      const config = loadConfig(process.env);
      const logger = createLogger(config.log);
      const service = await startService(config, logger);
      try {
        const result = await service.refitNow();
        if (result.kind === 'fitted') {
          const m = result.model;
          process.stdout.write(
            `model version ${m.version}: k=${m.k}, silhouette ${m.silhouette.toFixed(3)}, ` +
              `fitted on ${result.sampled} of ${result.customers} customers in ${(result.ms / 1000).toFixed(1)} s\n`,
          );
        } else {
          process.stdout.write(`no refit: ${result.kind}\n`);
          outcome.exitCode = 1;
        }
      } finally {
        await service.close();
      }
    });
}
