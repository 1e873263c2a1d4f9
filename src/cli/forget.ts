// `insiders forget <customerId>`: GDPR erasure of one customer (src/erasure/forget.ts). Safe to run
// while the service runs, and again for the same customer.
import type { Command } from 'commander';
import { loadConfig } from '../config.js';
import { forgetCustomer } from '../erasure/forget.js';
import { InsidersError } from '../errors.js';
import { createLogger } from '../log.js';
import { KafkaChangeSink } from '../segmentation/change-publisher.js';
import { deleteCustomerRows } from '../sinks/erase.js';
import { openClients } from '../service/clients.js';
import type { CommandOutcome } from './outcome.js';

export function registerForget(program: Command, _outcome: CommandOutcome): void {
  program
    .command('forget')
    .argument('<customerId>', 'the customer to erase')
    .description(
      "erase a customer (GDPR): their state in Redis, their rows in ClickHouse's views, a tombstone on the change topic",
    )
    .action(async (customerId: string) => {
      if (customerId.trim() === '' || customerId !== customerId.trim()) {
        throw new InsidersError(
          'CONFIG_INVALID',
          `customer id ${JSON.stringify(customerId)}: expected a non-empty id without surrounding spaces`,
        );
      }
      const config = loadConfig(process.env);
      const logger = createLogger(config.log);
      // The erasure must be hidden by views that honour it: the schema is brought up to date first.
      const clients = await openClients(config, logger, {
        state: true,
        producer: true,
        topics: [{ topic: config.model.changesTopic, numPartitions: config.kafka.ordersPartitions }],
        clickhouse: true,
      });
      const { store, producer, clickhouse, results } = clients;
      try {
        const outcome = await forgetCustomer(
          {
            store,
            results: {
              eraseCustomer: (id) => results.eraseCustomer(id),
              flush: () => results.flush(),
              deleteRows: (id) => deleteCustomerRows(clickhouse, id),
            },
            changes: new KafkaChangeSink(producer, config.model.changesTopic),
          },
          customerId,
        );
        logger.info({ removed: outcome.removed, alreadyErased: outcome.alreadyErased }, 'customer erased');
        process.stdout.write(
          `customer ${customerId} erased: ${
            outcome.alreadyErased ? 'already erased before' : outcome.removed ? 'state removed' : 'no state was held'
          }; hidden from ClickHouse, tombstone sent to ${config.model.changesTopic}\n`,
        );
      } finally {
        await clients.close();
      }
    });
}
