// `insiders consume [--until-caught-up]`: runs the order consumer (Kafka -> customer state in
// Redis) until SIGINT or SIGTERM — or, with --until-caught-up, until the group has consumed
// everything published before it started — then shuts down cleanly: stop fetching, finish the
// batch, commit, disconnect. Should the consumer fail for good (kafkajs crashed on an error it
// does not retry, such as an authorization refused), it shuts down the same way and exits with
// code 1, saying why on stderr.
import type { Command } from 'commander';
import type { Kafka } from 'kafkajs';
import { loadConfig, type Config } from '../config.js';
import { consumerLag } from '../consumers/lag.js';
import { OrderConsumer } from '../consumers/order-consumer.js';
import { defaultRules } from '../features/filters.js';
import { kafkaErrorReason } from '../errors.js';
import { createLogger } from '../log.js';
import { openClients } from '../service/clients.js';
import type { CommandOutcome } from './outcome.js';
import { untilSignal } from './signals.js';

const LAG_POLL_MS = 500;

interface LagWatch {
  /** resolves once the group has no lag left (or once stopped) */
  readonly caughtUp: Promise<void>;
  /** stops polling and disconnects; resolves once done */
  stop(): Promise<void>;
}

function watchLag(kafka: Kafka, config: Config): LagWatch {
  let stopping = false;
  const admin = kafka.admin();
  const caughtUp = (async () => {
    await admin.connect();
    try {
      while (!stopping) {
        if ((await consumerLag(admin, config.kafka.consumerGroup, config.kafka.ordersTopic)) === 0) return;
        await new Promise((r) => setTimeout(r, LAG_POLL_MS));
      }
    } finally {
      await admin.disconnect();
    }
  })();
  return {
    caughtUp,
    async stop() {
      stopping = true;
      await caughtUp.catch(() => undefined);
    },
  };
}

export function registerConsume(program: Command, outcome: CommandOutcome): void {
  program
    .command('consume')
    .description('consume checkout events from Kafka into customer state in Redis, until stopped')
    .option('--until-caught-up', 'stop once the consumer group has no lag left')
    .action(async (opts: { untilCaughtUp?: boolean }) => {
      const config = loadConfig(process.env);
      const logger = createLogger(config.log);
      const clients = await openClients(config, logger, { state: true });
      const { kafka, store } = clients;
      const consumer = new OrderConsumer({ kafka, store, config, rules: defaultRules, logger });
      const started = performance.now();
      try {
        await consumer.start();
      } catch (err) {
        await consumer.close().catch(() => undefined);
        await clients.close();
        throw err;
      }
      const signal = untilSignal();
      const lag = opts.untilCaughtUp ? watchLag(kafka, config) : undefined;
      const never = new Promise<never>(() => undefined);
      const ended: { reason: string; failure?: Error } = await Promise.race([
        signal.received.then((name) => ({ reason: name })),
        consumer.failed.then((failure) => ({ reason: 'failed', failure })),
        (lag?.caughtUp ?? never).then(
          () => ({ reason: 'caught-up' }),
          (err: unknown) => ({
            reason: 'lag-error',
            failure: new Error(`could not read the consumer group's lag: ${kafkaErrorReason(err)}`, { cause: err }),
          }),
        ),
      ]);
      if (ended.reason === 'failed') {
        logger.fatal({ err: ended.failure }, 'the order consumer failed for good; stopping');
      } else if (ended.reason === 'lag-error') {
        logger.error({ err: ended.failure }, 'could not read consumer lag');
      }
      logger.info({ reason: ended.reason }, 'stopping');
      // From now on a signal ends the process at once, as a second one would.
      signal.stopListening();
      await lag?.stop();
      await consumer.close();
      await clients.close();
      const seconds = (performance.now() - started) / 1000;
      logger.info({ ...consumer.totals, seconds: Number(seconds.toFixed(1)) }, 'stopped');
      if (ended.failure !== undefined) {
        process.stderr.write(`insiders: ${ended.failure.message}\n`);
        outcome.exitCode = 1;
      } else if (opts.untilCaughtUp) {
        const t = consumer.totals;
        process.stdout.write(
          `consumed ${t.valid} valid events in ${seconds.toFixed(1)} s: ${t.applied} applied, ` +
            `${t.duplicates} duplicates, ${t.ignored} without product lines, ${t.deadLettered} dead-lettered\n`,
        );
      }
    });
}
