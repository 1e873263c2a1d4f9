// `insiders run [--roles consume,refit,sweep,sink]`: the service — consume events into state,
// place customers on every event, refit the model and sweep on their schedules, serve the HTTP
// API — until SIGINT or SIGTERM, then a clean shutdown (a second signal ends the process at once).
// Should the service stop by itself because a part of it failed for good (the order consumer),
// it exits with code 1 and says why on stderr, so that a supervisor restarts it.
import type { Command } from 'commander';
import { loadConfig } from '../config.js';
import { createLogger } from '../log.js';
import { parseRoles } from '../service/roles.js';
import { startService } from '../service/service.js';
import type { CommandOutcome } from './outcome.js';
import { untilSignal } from './signals.js';

export function registerRun(program: Command, outcome: CommandOutcome): void {
  program
    .command('run')
    .description('run the service: consume, place customers, refit and sweep, serve HTTP, until stopped')
    .option(
      '--roles <roles>',
      'what this process does: a comma-separated list of consume, refit, sweep, sink',
      'consume,refit,sweep,sink',
    )
    .action(async (opts: { roles: string }) => {
      const roles = parseRoles(opts.roles);
      const config = loadConfig(process.env);
      const logger = createLogger(config.log);
      // Until the service runs, a signal ends the process at once: nothing is committed yet.
      const service = await startService(config, logger, { roles, http: true });
      const signal = untilSignal();
      const ended = await Promise.race([
        signal.received.then((name) => ({ signal: name, failure: undefined })),
        service.failed.then((failure) => ({ signal: undefined, failure })),
      ]);
      if (ended.failure === undefined) logger.info({ signal: ended.signal }, 'stopping');
      // Failed: the service logged it as fatal and is closing itself already; a signal from now
      // on ends the process at once, as a second one would.
      else signal.stopListening();
      await service.close();
      if (service.consumer) logger.info(service.consumer.totals, 'consumer totals');
      if (ended.failure !== undefined) {
        process.stderr.write(`insiders: ${ended.failure.message}\n`);
        outcome.exitCode = 1;
      }
    });
}
