// Readiness: what /health/ready reports, one check per part the service needs (Kafka, the order
// consumer when this process consumes, Redis, ClickHouse, a model version), each answered within
// READINESS_TIMEOUT_MS or counted as failed, so a server that hangs cannot hang the probe.
import type { ClickHouseClient } from '@clickhouse/client';
import type { Admin } from 'kafkajs';
import { stalledPartitions, type OrderConsumer } from '../consumers/order-consumer.js';
import type { InsidersError } from '../errors.js';
import type { ReadinessCheck } from '../http/server.js';
import type { RedisClient } from '../infra/redis.js';
import type { FittedModel } from '../model/model.js';

const READINESS_TIMEOUT_MS = 2_000;

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

async function check(name: string, probe: () => Promise<string | undefined>): Promise<ReadinessCheck> {
  try {
    const detail = await withTimeout(probe(), READINESS_TIMEOUT_MS);
    return detail === undefined ? { name, ok: true } : { name, ok: true, detail };
  } catch (err) {
    return { name, ok: false, detail: err instanceof Error ? err.message : String(err) };
  }
}

export interface ReadinessDeps {
  readonly admin: Admin;
  /** undefined without the consume role */
  readonly consumer: OrderConsumer | undefined;
  readonly redis: RedisClient;
  readonly clickhouse: ClickHouseClient;
  /** a partition with messages pending without a commit for longer than this fails the consumer's check */
  readonly stallSeconds: number;
  /** set once a part the service cannot do without has failed for good */
  readonly failure: () => InsidersError | undefined;
  readonly model: () => FittedModel | undefined;
}

export function readinessProbe(deps: ReadinessDeps): () => Promise<ReadinessCheck[]> {
  const { admin, consumer, redis, clickhouse } = deps;
  return () =>
    Promise.all([
      check('kafka', async () => `${(await admin.describeCluster()).brokers.length} broker(s)`),
      ...(consumer === undefined
        ? []
        : [
            check('consumer', () => {
              const failure = deps.failure();
              if (failure !== undefined) return Promise.reject(failure);
              const stall = stalledPartitions(consumer.partitionProgress(), deps.stallSeconds);
              return stall === undefined ? Promise.resolve(undefined) : Promise.reject(new Error(stall));
            }),
          ]),
      check('redis', async () => {
        const reply: string = await redis.ping();
        if (reply !== 'PONG') throw new Error(`PING answered ${reply}`);
        return undefined;
      }),
      check('clickhouse', async () => {
        const ping = await clickhouse.ping();
        if (!ping.success) throw ping.error;
        return undefined;
      }),
      check('model', () => {
        const m = deps.model();
        return m === undefined
          ? Promise.reject(new Error('no model version yet'))
          : Promise.resolve(`version ${m.version}`);
      }),
    ]);
}
