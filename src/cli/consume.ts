// `insiders consume [--until-caught-up]`: runs the order consumer (Kafka -> customer state in
// Redis) until SIGINT or SIGTERM — or, with --until-caught-up, until the group has consumed
// everything published before it started — then shuts down cleanly: stop fetching, finish the
// batch, commit, disconnect.
import type { Command } from 'commander';
import { loadConfig } from '../config.js';
import { consumerLag } from '../consumers/lag.js';
import { OrderConsumer } from '../consumers/order-consumer.js';
import { defaultRules } from '../features/filters.js';
import { createKafka } from '../infra/kafka.js';
import { createRedis } from '../infra/redis.js';
import { createLogger } from '../log.js';
import { StateStore } from '../state/state-store.js';
import type { CommandOutcome } from './main.js';

const LAG_POLL_MS = 500;

export function registerConsume(program: Command, _outcome: CommandOutcome): void {
  program
    .command('consume')
    .description('consume checkout events from Kafka into customer state in Redis, until stopped')
    .option('--until-caught-up', 'stop once the consumer group has no lag left')
    .action(async (opts: { untilCaughtUp?: boolean }) => {
      const config = loadConfig(process.env);
      const logger = createLogger(config.log);
      const kafka = createKafka(config.kafka, logger);
      const redis = createRedis(config.redis);
      await redis.connect();
      const store = await StateStore.open(redis, {
        keyPrefix: config.redis.keyPrefix,
        windowDays: config.state.windowDays,
      });
      const consumer = new OrderConsumer({ kafka, store, config, rules: defaultRules, logger });
      const started = performance.now();
      await consumer.start();
      await new Promise<void>((resolve) => {
        const stop = (signal: string) => {
          logger.info({ signal }, 'stopping');
          resolve();
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        if (opts.untilCaughtUp) {
          const admin = kafka.admin();
          const poll = async () => {
            await admin.connect();
            for (;;) {
              const lag = await consumerLag(admin, config.kafka.consumerGroup, config.kafka.ordersTopic);
              if (lag === 0) break;
              await new Promise((r) => setTimeout(r, LAG_POLL_MS));
            }
            await admin.disconnect();
          };
          poll().then(
            () => stop('caught-up'),
            (err: unknown) => {
              logger.error({ err }, 'could not read consumer lag');
              stop('lag-error');
            },
          );
        }
      });
      await consumer.close();
      await redis.quit();
      const seconds = (performance.now() - started) / 1000;
      logger.info({ ...consumer.totals, seconds: Number(seconds.toFixed(1)) }, 'stopped');
      if (opts.untilCaughtUp) {
        const t = consumer.totals;
        process.stdout.write(
          `consumed ${t.valid} valid events in ${seconds.toFixed(1)} s: ${t.applied} applied, ` +
            `${t.duplicates} duplicates, ${t.ignored} without product lines, ${t.deadLettered} dead-lettered\n`,
        );
      }
    });
}
