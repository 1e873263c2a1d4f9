// read-placement.lua against the whole-state path it stands in for: on random customers in real
// Redis (single or cluster, by lane), what a placement pass reads as of a day gives the same
// features, window changes, segment and pending count as the customer's whole hash, at days
// before, inside and after their purchases.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AcceptedEvent } from '../../src/events/decode.js';
import { computeFeatures, featuresAt } from '../../src/features/features.js';
import { createRedisClient, type RedisClient } from '../../src/infra/redis.js';
import { customerWindowChangeMs, windowChangeMs } from '../../src/model/due.js';
import { createRng } from '../../src/model/rng.js';
import { MS_PER_DAY, packDays } from '../../src/state/customer-state.js';
import { StateStore, type StateChange } from '../../src/state/state-store.js';
import { unlinkPrefix } from '../support/cleanup.js';
import { line, order, returned } from '../support/events.js';
import { integrationConfig } from '../support/integration.js';

const FIRST_DAY = Date.parse('2011-01-01T00:00:00Z') / MS_PER_DAY;

/** Random histories: orders and returns over 400 days, some out of order, products from a small catalogue. */
function randomEvents(customers: number, seed: number): AcceptedEvent[] {
  const rng = createRng(seed);
  const pick = (n: number) => Math.floor(rng() * n);
  const events: AcceptedEvent[] = [];
  for (let c = 0; c < customers; c++) {
    const id = `c${c}`;
    const n = 1 + pick(12);
    for (let e = 0; e < n; e++) {
      const at = new Date((FIRST_DAY + pick(400)) * MS_PER_DAY + pick(MS_PER_DAY)).toISOString();
      const lines = Array.from({ length: 1 + pick(6) }, () => line(`P${pick(40)}`, 1 + pick(9), 100 + pick(50_000)));
      events.push(rng() < 0.15 ? returned(id, `${id}-${e}`, at, lines) : order(id, `${id}-${e}`, at, lines));
    }
  }
  return events;
}

describe('read-placement.lua: a placement reads what the whole state says', () => {
  const config = integrationConfig();
  let redis: RedisClient;

  beforeAll(async () => {
    redis = createRedisClient(config.redis);
    await redis.connect();
  });

  afterAll(async () => {
    await unlinkPrefix(redis, config.redis.keyPrefix);
    await redis.quit();
  });

  it('gives the same features, window changes, segments and pending counts as the whole hash', async () => {
    const windowDays = 90;
    const store = await StateStore.open(redis, { keyPrefix: config.redis.keyPrefix, windowDays, shards: 3 });
    const events = randomEvents(300, 20_261_203);
    const changes: StateChange[] = events.map((event) => ({ event, customerId: event.customerId, lines: event.lines }));
    for (let from = 0; from < changes.length; from += 500)
      await store.applyBatch(changes.slice(from, from + 500), undefined);

    // Segments for a third of the customers (each change left pending), one customer erased.
    const placedAt = (FIRST_DAY + 200) * MS_PER_DAY;
    await store.recordSegments(
      Array.from({ length: 100 }, (_, c) => ({
        customerId: `c${c * 3}`,
        segmentId: c % 4,
        dueMs: placedAt + MS_PER_DAY,
        reason: 'refit',
      })),
      7,
      placedAt,
    );
    await store.forget('c1', placedAt);

    const ids = [...Array.from({ length: 300 }, (_, c) => `c${c}`), 'never-seen'];
    let compared = 0;
    for (const day of [-30, 0, 45, 150, 320, 399, 430, 600]) {
      const nowMs = (FIRST_DAY + day) * MS_PER_DAY + 12 * 3_600_000;
      const whole = new Map((await store.customersById(ids)).map((s) => [s.customerId, s]));
      const read = await store.placementStates(ids, nowMs);
      expect(read.map((s) => s.customerId).sort()).toEqual([...whole.keys()].sort());
      expect(whole.has('c1')).toBe(false);
      for (const compact of read) {
        const state = whole.get(compact.customerId)!;
        expect(featuresAt(compact, nowMs, windowDays)).toEqual(computeFeatures(state, nowMs, windowDays));
        expect(windowChangeMs(compact, nowMs, windowDays)).toBe(customerWindowChangeMs(state, nowMs, windowDays));
        expect(compact.lastPurchaseMs).toBe(state.lastPurchaseMs);
        expect(compact.lifetime).toEqual(state.lifetime);
        expect(compact.days).toEqual(packDays(state.days));
        expect(compact.segmentId).toBe(state.segmentId);
        expect(compact.segmentModelVersion).toBe(state.segmentModelVersion);
        expect(compact.pendingChanges).toBe(state.pendingChanges.size);
        compared++;
      }
    }
    expect(compared).toBe(8 * 299);
    // the customers given segments have them, with their change pending
    const placed = await store.placementStates(['c3', 'c6'], placedAt);
    expect(placed.map((s) => [s.segmentId, s.segmentModelVersion, s.pendingChanges])).toEqual([
      [1, 7, 1],
      [2, 7, 1],
    ]);
    // clearing published records, several customers a call: their records go, and they leave the
    // pending index; the others stay
    await store.clearPending(
      new Map([
        ['c3', [1]],
        ['c6', [1]],
        ['c9', [5]],
      ]),
    );
    const cleared = await store.placementStates(['c3', 'c6', 'c9'], placedAt);
    expect(cleared.map((s) => s.pendingChanges)).toEqual([0, 0, 1]);
    const pendingIndex = (id: string) => store.keys.shard(store.keys.shardOfCustomer(id)).pending;
    expect(await redis.zscore(pendingIndex('c3'), 'c3')).toBeNull();
    expect(await redis.zscore(pendingIndex('c6'), 'c6')).toBeNull();
    expect(await redis.zscore(pendingIndex('c9'), 'c9')).not.toBeNull();
    expect((await store.customer('c6'))!.pendingChanges.size).toBe(0);
  });
});
