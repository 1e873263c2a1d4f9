// Reading the Redis state the way tests check it: keys from src/state/keys.ts, never built by hand.
import { masters, type RedisClient } from '../../src/infra/redis.js';
import type { Config } from '../../src/config.js';
import { stateKeys, type StateKeys } from '../../src/state/keys.js';

/** The keys of the config's state, as a service started with this config lays them out. */
export function keysOf(config: Pick<Config, 'redis' | 'state' | 'kafka'>): StateKeys {
  return stateKeys(config.redis.keyPrefix, config.state.shards ?? config.kafka.ordersPartitions);
}

/**
 * These fields of every customer hash of the config's state (SCAN over every shard's customer
 * keys, on every master of a cluster), by customer id; a field the hash lacks is null.
 */
export async function customerFields(
  redis: RedisClient,
  config: Pick<Config, 'redis' | 'state' | 'kafka'>,
  fields: readonly string[],
): Promise<Map<string, (string | null)[]>> {
  const keys = keysOf(config);
  const out = new Map<string, (string | null)[]>();
  for (const node of masters(redis)) {
    let cursor = '0';
    do {
      const [next, found] = await node.scan(cursor, 'MATCH', keys.customerPattern, 'COUNT', 5000);
      cursor = next;
      const pipeline = node.pipeline();
      for (const key of found) pipeline.hmget(key, ...fields);
      const replies = (await pipeline.exec()) ?? [];
      found.forEach((key, i) => {
        const [err, values] = replies[i] ?? [new Error('no reply'), null];
        if (err) throw err;
        out.set(keys.customerIdOf(key)!, values as (string | null)[]);
      });
    } while (cursor !== '0');
  }
  return out;
}
