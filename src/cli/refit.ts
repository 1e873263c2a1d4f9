// `insiders refit`: one refit now on the current state (and the sweep after it), for operators:
// the service started with no role (no consumer, no schedule), asked for one refit, then closed.
// Exits with code 1 when no model was fitted (too few customers, or another refit holding the lease
// or fitting after it).
import type { Command } from 'commander';
import { loadConfig } from '../config.js';
import { createLogger } from '../log.js';
import { noRoles } from '../service/roles.js';
import { startService } from '../service/service.js';
import type { CommandOutcome } from './outcome.js';

export function registerRefit(program: Command, outcome: CommandOutcome): void {
  program
    .command('refit')
    .description('fit a new model version now on the current state, store it and sweep every customer')
    .action(async () => {
      const config = loadConfig(process.env);
      const logger = createLogger(config.log);
      const service = await startService(config, logger, { roles: noRoles });
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
