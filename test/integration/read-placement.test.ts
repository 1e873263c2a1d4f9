// read-placement.lua against the whole-state path it stands in for: on random customers in real
// Redis (single or cluster, by lane), what a placement pass reads as of a day gives the same
// features, window changes, segment and pending count as the customer's whole hash, at days
// before, inside and after their purchases.
import { describe, expect, it } from 'vitest';
import type { AcceptedEvent } from '../../src/events/decode.js';
import { computeFeatures, featuresAt } from '../../src/features/features.js';
import { customerWindowChangeMs, windowChangeMs } from '../../src/model/due.js';
import { createRng } from '../../src/model/rng.js';
import { MS_PER_DAY, packDays } from '../../src/state/customer-state.js';
import { StateStore, type StateChange } from '../../src/state/state-store.js';
import { line, order, returned } from '../support/events.js';
import { useRedis } from '../support/use-redis.js';

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
  const { config, redis } = useRedis();

  it('gives the same features, window changes, and segments as the whole hash', async () => {
    const windowDays = 90;
    const store = await StateStore.open(redis(), { keyPrefix: config.redis.keyPrefix, windowDays, shards: 3 });
    const events = randomEvents(300, 20_261_203);
    const changes: StateChange[] = events.map((event) => ({ event, customerId: event.customerId, lines: event.lines }));
    for (let from = 0; from < changes.length; from += 500)
      await store.applyBatch(changes.slice(from, from + 500), undefined);

    // Segments for a third of the customers (each change waiting in the outbox), two customers erased.
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
    await store.forget('c9', placedAt); // erased with a change waiting in the outbox: it goes too

    const ids = [...Array.from({ length: 300 }, (_, c) => `c${c}`), 'never-seen'];
    let compared = 0;
    for (const day of [-30, 0, 45, 150, 320, 399, 430, 600]) {
      const nowMs = (FIRST_DAY + day) * MS_PER_DAY + 12 * 3_600_000;
      const whole = new Map((await store.customersById(ids)).map((s) => [s.customerId, s]));
      const read = await store.placementStates(ids, nowMs);
      expect(read.map((s) => s.customerId).sort()).toEqual([...whole.keys()].sort());
      expect(whole.has('c1') || whole.has('c9')).toBe(false);
      for (const compact of read) {
        const state = whole.get(compact.customerId)!;
        expect(featuresAt(compact, nowMs, windowDays)).toEqual(computeFeatures(state, nowMs, windowDays));
        expect(windowChangeMs(compact, nowMs, windowDays)).toBe(customerWindowChangeMs(state, nowMs, windowDays));
        expect(compact.lastPurchaseMs).toBe(state.lastPurchaseMs);
        expect(compact.lifetime).toEqual(state.lifetime);
        expect(compact.days).toEqual(packDays(state.days));
        expect(compact.segmentId).toBe(state.segmentId);
        expect(compact.segmentModelVersion).toBe(state.segmentModelVersion);
        compared++;
      }
    }
    expect(compared).toBe(8 * 298);
    // the customers given segments have them; their changes wait in their shards' outboxes, one
    // entry per call, until cleared
    const placed = await store.placementStates(['c3', 'c6'], placedAt);
    expect(placed.map((s) => [s.segmentId, s.segmentModelVersion])).toEqual([
      [1, 7],
      [2, 7],
    ]);
    const waiting = async () =>
      (
        await Promise.all(Array.from({ length: store.keys.shards }, (_, s) => store.staleOutbox(s, Infinity, 1000)))
      ).flat();
    const entries = await waiting();
    const lines = entries.flatMap((e) => e.changes);
    expect(lines).toHaveLength(99); // every third customer, c0 to c297, but the erased c9
    expect(lines).toContain(`c3|1||1|7|refit|${placedAt}`);
    expect(lines).toContain(`c6|1||2|7|refit|${placedAt}`);
    expect(lines.some((l) => l.startsWith('c9|'))).toBe(false);
    // cleared (published): the entries go, whichever shard holds them; clearing twice is harmless
    await store.clearOutbox(entries.slice(1));
    await store.clearOutbox(entries.slice(1));
    expect((await waiting()).map((e) => e.id)).toEqual([entries[0]!.id]);
  });
});
