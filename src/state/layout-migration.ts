// Carries a stored state from layout 3 to layout 4 (keys.ts): the segment changes not yet
// published move from each customer's hash (fields pc:<seq>, and their count pn), listed in the
// shard's pending index, into the shard's outbox. Only the customers of the pending index hold
// any, so the migration touches them alone, not every customer.
//
// Contract: run with nothing writing to the state (`insiders migrate`, the service stopped).
// Per run of customers, one MULTI (one shard, one hash slot) writes their outbox entry, removes
// their records and takes them out of the pending index; the layout marker says 4 only when every
// shard is done. Idempotent: a run killed part-way leaves the rest listed, and running again
// carries what is left. The entries carry wall time 0, so the first placement pass publishes them
// again (the changes were recorded, perhaps published, never cleared: same changeIds).
import type { RedisClient } from '../infra/redis.js';
import { layout3PendingKey, stateKeys, STATE_LAYOUT } from './keys.js';

const CUSTOMERS_PER_ENTRY = 200;

export type LayoutMigration =
  | { readonly kind: 'no-state' }
  | { readonly kind: 'up-to-date'; readonly layout: number }
  | { readonly kind: 'migrated'; readonly from: number; readonly to: number; readonly changes: number }
  /** a layout no migration carries (1, 2): rebuilt by replay */
  | { readonly kind: 'unsupported'; readonly layout: number };

export async function migrateStateLayout(redis: RedisClient, prefix: string): Promise<LayoutMigration> {
  const layoutKey = stateKeys(prefix, 1).layout;
  const stored = await redis.get(layoutKey);
  if (stored === null) {
    // layout 1 kept no marker, but always a watermark once it had consumed anything
    const unmarked = (await redis.exists(stateKeys(prefix, 1).watermark)) === 1;
    return unmarked ? { kind: 'unsupported', layout: 1 } : { kind: 'no-state' };
  }
  const [layoutText, shardsText] = stored.split(':');
  const layout = Number(layoutText);
  if (layout === STATE_LAYOUT) return { kind: 'up-to-date', layout };
  if (layout !== 3) return { kind: 'unsupported', layout };
  const shards = Number(shardsText);
  const keys = stateKeys(prefix, shards);
  let changes = 0;
  for (let shard = 0; shard < shards; shard++) {
    const shardKeys = keys.shard(shard);
    const pendingKey = layout3PendingKey(prefix, shard);
    const ids = await redis.zrange(pendingKey, '0', '-1');
    for (let from = 0; from < ids.length; from += CUSTOMERS_PER_ENTRY) {
      const run = ids.slice(from, from + CUSTOMERS_PER_ENTRY);
      const read = redis.pipeline();
      for (const id of run) read.hgetall(shardKeys.customer(id));
      const hashes = (await read.exec()) ?? [];
      const lines: string[] = [];
      const write = redis.multi();
      for (const [i, [err, hash]] of hashes.entries()) {
        if (err) throw err;
        const id = run[i]!;
        const records = Object.entries(hash as Record<string, string>)
          .filter(([field]) => field.startsWith('pc:'))
          .map(([field, record]) => ({ field, seq: Number(field.slice(3)), record }))
          .sort((a, b) => a.seq - b.seq);
        for (const r of records) lines.push(`${id}|${r.seq}|${r.record}`);
        write.hdel(shardKeys.customer(id), 'pn', ...records.map((r) => r.field));
      }
      if (lines.length > 0) {
        const entry = await redis.incr(shardKeys.outboxSeq);
        write.hset(shardKeys.outbox, String(entry), `0\n${lines.join('\n')}`);
      }
      write.zrem(pendingKey, ...run);
      await write.exec();
      changes += lines.length;
    }
    await redis.del(pendingKey);
  }
  await redis.set(layoutKey, `${STATE_LAYOUT}:${shards}`);
  return { kind: 'migrated', from: layout, to: STATE_LAYOUT, changes };
}
