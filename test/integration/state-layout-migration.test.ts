// `insiders migrate` carries a Redis state of layout 3 to layout 4: the changes recorded and not
// yet published move from the customers' hashes (pc:<seq>, pn), listed in each shard's pending
// index, into the shard's outbox, in sequence order, and the state then opens; running it again
// changes nothing, and a layout no migration carries is named, not touched.
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { runMigrate } from '../../src/cli/migrate.js';
import { layout3PendingKey, stateKeys } from '../../src/state/keys.js';
import { migrateStateLayout } from '../../src/state/layout-migration.js';
import { StateStore, type StateChange } from '../../src/state/state-store.js';
import { dropDatabase } from '../support/cleanup.js';
import { line, order } from '../support/events.js';
import { useRedis } from '../support/use-redis.js';

describe('state layout migration 3 -> 4', () => {
  const state = useRedis();
  const { config } = state;
  afterAll(() => dropDatabase(config.clickhouse));

  it('moves the unpublished changes into the outbox, in order, and is idempotent', async () => {
    const redis = state.redis();
    const prefix = config.redis.keyPrefix;
    const shards = 3;
    const store = await StateStore.open(redis, { keyPrefix: prefix, windowDays: 365, shards });
    const customers = Array.from({ length: 40 }, (_, c) => `c${c}`);
    const changes: StateChange[] = customers.map((id) => {
      const event = order(id, `${id}-o1`, '2011-03-01T10:00:00Z', [line('85123A', 2, 2550)]);
      return { event, customerId: id, lines: event.lines };
    });
    await store.applyBatch(changes, undefined);

    // What layout 3 left after a crash: c3 with two changes unpublished, c7 with one, listed in
    // their shards' pending indexes; the marker says 3.
    const keys = stateKeys(prefix, shards);
    const layout3 = [
      { id: 'c3', records: { 'pc:1': '|2|5|refit|1300000000000', 'pc:2': '2|1|6|refit|1300000001000' } },
      { id: 'c7', records: { 'pc:4': '1||6|time|1300000002000' } },
    ];
    for (const { id, records } of layout3) {
      const shard = keys.shardOfCustomer(id);
      await redis.hset(keys.customer(id), { ...records, pn: String(Object.keys(records).length) });
      await redis.zadd(layout3PendingKey(prefix, shard), 1_700_000_000_000, id);
    }
    await redis.set(keys.layout, `3:${shards}`);

    // `insiders migrate` does it, after the ClickHouse schema
    let printed = '';
    const out = new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        printed += chunk.toString();
        done();
      },
    });
    expect(await runMigrate(config, out)).toBe(0);
    expect(printed).toContain(`Redis state under prefix "${prefix}": layout 3 -> 4, 3 unpublished changes moved\n`);
    expect(await redis.get(keys.layout)).toBe(`4:${shards}`);
    const migrated = await StateStore.open(redis, { keyPrefix: prefix, windowDays: 365 });
    const entries = (
      await Promise.all(Array.from({ length: shards }, (_, s) => migrated.staleOutbox(s, 1, 100)))
    ).flat();
    expect(entries.flatMap((e) => e.changes).sort()).toEqual([
      'c3|1||2|5|refit|1300000000000',
      'c3|2|2|1|6|refit|1300000001000',
      'c7|4|1||6|time|1300000002000',
    ]);
    for (const { id } of layout3) {
      const fields = Object.keys(await redis.hgetall(keys.customer(id)));
      expect(fields.filter((f) => f === 'pn' || f.startsWith('pc:'))).toEqual([]);
      expect(fields).toContain('o');
      expect(await redis.exists(layout3PendingKey(prefix, keys.shardOfCustomer(id)))).toBe(0);
    }

    expect(await migrateStateLayout(redis, prefix)).toEqual({ kind: 'up-to-date', layout: 4 });
    await redis.set(keys.layout, `2:${shards}`);
    expect(await migrateStateLayout(redis, prefix)).toEqual({ kind: 'unsupported', layout: 2 });
    expect(await migrateStateLayout(redis, `${prefix}-none`)).toEqual({ kind: 'no-state' });
  });
});
