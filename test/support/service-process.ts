// `insiders run` in a process of its own for the tests: its environment from a Config, the HTTP
// port it picked (HTTP_PORT=0) read from its "http listening" log line, and a clean stop.
import { inject } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import type { Config } from '../../src/config.js';
import { exited, spawnCli } from './cli.js';
import { waitFor } from './wait.js';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';

/** Every setting `config` was made from that the service reads, for a child process. */
export function serviceEnv(config: Config, extra: Record<string, string> = {}): Record<string, string> {
  const stack = inject('stackEnv');
  return {
    ...Object.fromEntries(Object.entries(stack).filter((e): e is [string, string] => e[1] !== undefined)),
    KAFKA_BROKERS: config.kafka.brokers.join(','),
    ORDERS_TOPIC: config.kafka.ordersTopic,
    DEAD_LETTER_TOPIC: config.kafka.deadLetterTopic,
    SEGMENT_CHANGES_TOPIC: config.model.changesTopic,
    CONSUMER_GROUP: config.kafka.consumerGroup,
    ORDERS_PARTITIONS: String(config.kafka.ordersPartitions),
    REDIS_URL: config.redis.url,
    REDIS_KEY_PREFIX: config.redis.keyPrefix,
    CLICKHOUSE_DATABASE: config.clickhouse.database,
    REFIT_INTERVAL_MS: String(config.model.refitIntervalMs),
    SWEEP_INTERVAL_MS: String(config.model.sweepIntervalMs),
    ...(config.model.k === undefined ? {} : { MODEL_K: String(config.model.k) }),
    HTTP_PORT: '0',
    HTTP_ADMIN_TOKEN: ADMIN_TOKEN,
    LOG_LEVEL: 'info',
    ...extra,
  };
}

export interface ServiceProcess {
  readonly child: ChildProcess & { output: () => string };
  /** http://127.0.0.1:<port> */
  readonly base: string;
}

/** Starts `insiders run <args>` and resolves once its HTTP API listens. */
export async function startServiceProcess(args: string[], env: Record<string, string>): Promise<ServiceProcess> {
  const child = spawnCli(['run', ...args], env);
  const port = await waitFor(
    () => {
      if (child.exitCode !== null) throw new Error(`insiders run exited early:\n${child.output()}`);
      for (const line of child.output().split('\n')) {
        if (!line.includes('"http listening"')) continue;
        return (JSON.parse(line) as { port: number }).port;
      }
      return undefined;
    },
    { timeoutMs: 60_000, intervalMs: 100, what: 'insiders run to listen' },
  ).catch((err: unknown) => {
    child.kill('SIGKILL');
    throw new Error(`${String(err)}\n${child.output()}`);
  });
  return { child, base: `http://127.0.0.1:${port}` };
}

/** SIGTERM, then the exit code (or the signal, when it did not exit by itself). */
export async function stopServiceProcess(service: ServiceProcess): Promise<number | NodeJS.Signals> {
  service.child.kill('SIGTERM');
  return exited(service.child);
}
