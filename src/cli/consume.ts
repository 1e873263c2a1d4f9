// `insiders consume`: runs the order consumer (Kafka -> customer state in Redis) until SIGINT or
// SIGTERM, then shuts down cleanly: stop fetching, finish the batch, commit, disconnect.
import type { Command } from 'commander';
import { loadConfig } from '../config.js';
import { OrderConsumer } from '../consumers/order-consumer.js';
import { defaultRules } from '../features/filters.js';
import { createKafka } from '../infra/kafka.js';
import { createRedis } from '../infra/redis.js';
import { createLogger } from '../log.js';
import { StateStore } from '../state/state-store.js';
import type { CommandOutcome } from './main.js';

export function registerConsume(program: Command, _outcome: CommandOutcome): void {
  program
    .command('consume')
    .description('consume checkout events from Kafka into customer state in Redis, until stopped')
    .action(async () => {
      const config = loadConfig(process.env);
      const logger = createLogger(config.log);
      const redis = createRedis(config.redis);
      await redis.connect();
      const store = await StateStore.open(redis, {
        keyPrefix: config.redis.keyPrefix,
        windowDays: config.state.windowDays,
      });
      const consumer = new OrderConsumer({
        kafka: createKafka(config.kafka, logger),
        store,
        config,
        rules: defaultRules,
        logger,
      });
      await consumer.start();
      await new Promise<void>((resolve) => {
        const stop = (signal: string) => {
          logger.info({ signal }, 'stopping');
          resolve();
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await consumer.close();
      await redis.quit();
      logger.info(consumer.totals, 'stopped');
    });
}
