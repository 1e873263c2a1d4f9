// `insiders replay <file>`: publishes an Online Retail export (UCI "Online Retail" or "Online
// Retail II", CSV or gzipped CSV) to the orders topic, one event per invoice and direction.
import { InvalidArgumentError, type Command } from 'commander';
import { loadConfig } from '../config.js';
import { createKafka } from '../infra/kafka.js';
import { createLogger } from '../log.js';
import { runReplay } from '../replay/run.js';
import type { CommandOutcome } from './outcome.js';

interface ReplayOptions {
  rate?: number;
  limit?: number;
  topic?: string;
  currency?: string;
}

/** A bad option value is bad input: exit code 2, as for bad configuration. */
function badValue(message: string): InvalidArgumentError {
  const err = new InvalidArgumentError(message);
  err.exitCode = 2;
  return err;
}

function positiveNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw badValue('expected a number above 0');
  return n;
}

function wholeNumber(value: string): number {
  if (!/^\d+$/.test(value)) throw badValue('expected a whole number, 0 or more');
  return Number(value);
}

function topicName(value: string): string {
  if (!/^[A-Za-z0-9._-]{1,249}$/.test(value)) throw badValue('expected a Kafka topic name: letters, digits and . _ -');
  return value;
}

function currencyCode(value: string): string {
  if (!/^[A-Z]{3}$/.test(value)) throw badValue('expected an ISO 4217 code such as GBP');
  return value;
}

export function registerReplay(program: Command, outcome: CommandOutcome): void {
  program
    .command('replay')
    .description('publish an Online Retail export (.csv or .csv.gz) to Kafka, one event per invoice')
    .argument('<file>', 'the export: UCI Online Retail or Online Retail II columns')
    .option('--rate <n>', 'at most this many events per second (default: as fast as Kafka takes them)', positiveNumber)
    .option('--limit <n>', 'stop after this many events', wholeNumber)
    .option('--topic <name>', 'topic to publish to (default: ORDERS_TOPIC)', topicName)
    .option('--currency <code>', 'currency written on the events (default: SHOP_CURRENCY)', currencyCode)
    .action(async (file: string, options: ReplayOptions) => {
      const config = loadConfig(process.env);
      const kafka = createKafka(config.kafka, createLogger(config.log));
      outcome.exitCode = await runReplay(
        {
          file,
          topic: options.topic ?? config.kafka.ordersTopic,
          partitions: config.kafka.ordersPartitions,
          currency: options.currency ?? config.events.currency,
          ...(options.rate === undefined ? {} : { ratePerSecond: options.rate }),
          ...(options.limit === undefined ? {} : { limit: options.limit }),
        },
        { kafka, stdout: process.stdout, stderr: process.stderr },
      );
    });
}
