// Time-driven placement by due times, on the real services: the data set arrives in three parts,
// the watermark moving on with each; the service places customers on their events, after a refit
// and when they come due — never by reading every customer. After each part and a sweep, every
// customer's segment in Redis is what a brute-force placement of every customer at the same "now"
// gives, and every customer has a due entry.
import { afterAll, describe, expect, it } from 'vitest';
import { computeFeatures } from '../../src/features/features.js';
import { silentLogger } from '../../src/log.js';
import { placeCustomers } from '../../src/model/model.js';
import { sweep } from '../../src/segmentation/sweep.js';
import { startService, type Service } from '../../src/service/service.js';
import { StateStore, storeOptions } from '../../src/state/state-store.js';
import { caughtUp, replayDataSet } from '../support/pipeline.js';
import { usePipeline } from '../support/use-pipeline.js';
import { customerFields, keysOf } from '../support/state.js';

describe('placement by due times', () => {
  const pipeline = usePipeline({
    ORDERS_PARTITIONS: '3',
    MODEL_K: '5',
    // schedules far off: the test drives refit and sweep itself
    REFIT_INTERVAL_MS: '3600000',
    SWEEP_INTERVAL_MS: '3600000',
  });
  const { config } = pipeline;
  let service: Service | undefined;

  afterAll(async () => {
    await service?.close();
  });

  /** Customers whose segment in Redis differs from placing every customer at `at` (default: the watermark). */
  async function differencesFromBruteForce(store: StateStore, at?: number): Promise<string[]> {
    const model = service!.assigner.currentModel!;
    const nowMs = at ?? (await store.watermarkMs())!;
    const stored = await customerFields(pipeline.redis, config, ['s']);
    const states = await store.customersById([...stored.keys()]);
    const features = states.map((s) => computeFeatures(s, nowMs, config.state.windowDays));
    const placed = new Map(placeCustomers(model, features).map((p) => [p.customerId, String(p.segmentId)]));
    const differing: string[] = [];
    for (const [id, [s]] of stored) {
      const want = placed.get(id) ?? '';
      if ((s ?? '') !== want) differing.push(`${id}: stored ${s ?? '(none)'}, brute force ${want || '(none)'}`);
    }
    // Every customer has a due entry.
    let indexed = 0;
    const keys = keysOf(config);
    for (let shard = 0; shard < keys.shards; shard++) indexed += await pipeline.redis.zcard(keys.shard(shard).due);
    expect(indexed).toBe(stored.size);
    return differing;
  }

  it('keeps every customer placed as a full placement would, part after part', async () => {
    // Part 1 (about five months of history), then a refit: every customer placed under it.
    await replayDataSet(config, { limit: 8000 });
    service = await startService(config, silentLogger);
    await caughtUp(pipeline.admin, config);
    const fitted = await service.refitNow();
    expect(fitted.kind).toBe('fitted');
    const store = await StateStore.open(pipeline.redis, storeOptions(config));
    expect(await differencesFromBruteForce(store)).toEqual([]);

    // Parts 2 and 3: later events (the earlier ones again, deduplicated). Customers with events are
    // placed on them; the others only when they come due, by the sweep.
    let timeMoves = 0;
    for (const limit of [16_000, 26_000]) {
      await replayDataSet(config, { limit });
      await caughtUp(pipeline.admin, config);
      const swept = await service.sweepNow();
      expect(swept.kind).toBe('swept');
      if (swept.kind !== 'swept') return;
      expect(swept.placedForModel).toBe(0); // no refit: nobody is read unless due
      timeMoves += swept.due;
      for (const run of swept.dueRuns) {
        expect(run.nowMs).toBeLessThanOrEqual(swept.nowMs);
        for (const late of run.lateness) expect(late).toBeGreaterThanOrEqual(0);
      }
      expect(await differencesFromBruteForce(store)).toEqual([]);
    }
    expect(timeMoves).toBeGreaterThan(0);

    // A "now" that moves on while a pass runs: once nobody is due at the "now" a shard's pass
    // began with, it looks once more, and places at the later "now" whoever came due by then.
    const first = (await store.watermarkMs())!;
    const later = first + 45 * 86_400_000;
    let looks = 0;
    const moving = await sweep(pipeline.redis, store, service.assigner, {
      leaseTtlMs: config.model.leaseTtlMs,
      parallelShards: 1, // one shard after another: each shard's pass asks for "now" twice
      now: () => Promise.resolve(looks++ % 2 === 0 ? first : later),
    });
    expect(moving.kind).toBe('swept');
    if (moving.kind !== 'swept') return;
    expect(looks).toBe(2 * keysOf(config).shards);
    expect(moving.nowMs).toBe(later);
    const placedLater = moving.dueRuns.filter((run) => run.nowMs === later);
    expect(placedLater.reduce((n, run) => n + run.lateness.length, 0)).toBeGreaterThan(0);
    expect(await differencesFromBruteForce(store, later)).toEqual([]);
  }, 400_000);
});
