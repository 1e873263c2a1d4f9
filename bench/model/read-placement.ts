// What a placement pass reads per customer: read-placement.lua's compact line (the customer hash's
// scalars and day buckets) against the whole state (HGETALL of both hashes, decoded),
// on the synthetic customers of bench/ingest/synthetic-data.ts in one shard of a key prefix of its
// own, on a private redis-server (so that INFO cpu counts this benchmark alone): Redis CPU per
// customer, and wall time per customer as the client sees it, alternating, --rounds times.
//
// npx tsx bench/model/read-placement.ts [--customers 20000] [--orders 5] [--rounds 3]
import { createRedis } from '../../src/infra/redis.js';
import { StateStore, storeOptions } from '../../src/state/state-store.js';
import {
  benchConfig,
  emit,
  note,
  numberFlag,
  parseFlags,
  redisCpuSeconds,
  round,
  startOwnRedis,
  uniqueName,
  unlinkPrefix,
} from '../ingest/lib.js';
import { fillSyntheticState } from './fill-state.js';

const flags = parseFlags(process.argv.slice(2));
const customers = numberFlag(flags, 'customers', 20_000);
const ordersPerCustomer = numberFlag(flags, 'orders', 5);
const rounds = numberFlag(flags, 'rounds', 3);

const prefix = uniqueName('benchread');
const own = await startOwnRedis(false);
const config = benchConfig({ REDIS_URL: own.url, REDIS_KEY_PREFIX: prefix, STATE_SHARDS: '1' });
const redis = createRedis(config.redis);
await redis.connect();
try {
  const store = await StateStore.open(redis, storeOptions(config));
  note(`filling ${customers} customers under ${prefix}`);
  await fillSyntheticState(store, config, customers, ordersPerCustomer);
  const ids = await redis.zrange(store.keys.shard(0).due, '0', '-1');
  const nowMs = await store.now('watermark');
  const fields = await redis.hlen(store.keys.customer(ids[0]!));
  const reads: Record<string, () => Promise<readonly unknown[]>> = {
    'read-placement.lua': () => store.placementStates(ids, nowMs),
    'HGETALL of both hashes, decoded': () => store.customersById(ids),
  };
  for (let pass = 0; pass < rounds; pass++) {
    for (const [read, run] of Object.entries(reads)) {
      const cpu0 = await redisCpuSeconds(redis);
      const started = performance.now();
      const states = await run();
      const wallMs = performance.now() - started;
      const cpu = (await redisCpuSeconds(redis)) - cpu0;
      emit({
        kind: 'read',
        read,
        round: pass + 1,
        customers: states.length,
        fieldsOfFirstCustomer: fields,
        redisCpuUsPerCustomer: round((cpu * 1e6) / states.length, 2),
        wallUsPerCustomer: round((wallMs * 1000) / states.length, 2),
      });
    }
  }
} finally {
  note(`removed ${await unlinkPrefix(redis, prefix)} keys`);
  await redis.quit();
  await own.stop();
}
