// The model loop on the real services: a refit under the lease stores and announces a model, every
// customer is placed, and a customer who bought heavily and then stopped leaves the Insiders
// as the watermark moves on — reason "time", with no event of theirs — placed by the due check,
// which starts a sweep as soon as someone is due (the sweep's own hourly turn never comes here).
import { describe, expect, it } from 'vitest';
import { createClickHouse } from '../../src/infra/clickhouse.js';
import { segmentChangeSchema } from '../../src/segmentation/change-schema.js';
import { type Service } from '../../src/service/service.js';
import { publishOrder } from '../support/pipeline.js';
import { modelDriven } from '../support/integration.js';
import { usePipeline } from '../support/use-pipeline.js';
import { waitFor } from '../support/wait.js';

describe('segmentation loop: refit, placement, and leaving the Insiders as time passes', () => {
  const pipeline = usePipeline({ ...modelDriven(2, 4), DUE_CHECK_INTERVAL_MS: '500' });
  const { config } = pipeline;
  const topic = config.kafka.ordersTopic;
  const { keys } = pipeline;
  let service: Service | undefined;

  it('moves a lapsed Insider out through the due check, with reason "time"', async () => {
    // Half a year of real history: 2010-12 to about 2011-06.
    service = await pipeline.startOnDataSet(9000);
    const fitted = await service.refitNow();
    expect(fitted.kind).toBe('fitted');
    if (fitted.kind !== 'fitted') return;
    const model = fitted.model;
    expect(model.k).toBe(4);
    expect(await pipeline.redis.get(keys.model)).toContain(`"version":${model.version}`);

    // Every customer who ever bought is placed; pick the Insider with the highest revenue.
    const insiders: { id: string; revenue: number }[] = [];
    let cursor = '0';
    let placed = 0;
    do {
      const [next, found] = await pipeline.redis.scan(cursor, 'MATCH', keys.customerPattern, 'COUNT', 2000);
      cursor = next;
      for (const key of found) {
        const [segment, revenue] = await pipeline.redis.hmget(key, 's', 'r');
        if (segment !== null && segment !== '') placed++;
        if (segment === String(model.insidersId))
          insiders.push({ id: keys.customerIdOf(key)!, revenue: Number(revenue) });
      }
    } while (cursor !== '0');
    expect(placed).toBeGreaterThan(1000);
    expect(insiders.length).toBeGreaterThan(0);
    const whale = insiders.sort((a, b) => b.revenue - a.revenue)[0]!.id;

    // Time moves on: another customer orders a year and a half later. The whale buys nothing.
    const later = { orderId: 'LATER-1', customerId: 'newcomer-1', occurredAt: '2012-12-20T10:00:00Z', quantity: 2 };
    await publishOrder(pipeline.kafka, topic, later);
    await waitFor(async () => (await pipeline.redis.get(keys.watermark)) === String(Date.parse(later.occurredAt)), {
      what: 'the watermark to move',
    });
    await waitFor(async () => (await pipeline.redis.hget(keys.customer(whale), 's')) !== String(model.insidersId), {
      what: 'the due check to move the lapsed Insider',
    });

    // The change stream says so: the whale's last change left the Insiders, for reason "time".
    const changes: Record<string, unknown>[] = [];
    await pipeline.readTopic(config.model.changesTopic, (message) => {
      if (message.key?.toString() === whale)
        changes.push(JSON.parse(message.value!.toString()) as Record<string, unknown>);
    });
    await waitFor(() => changes.some((c) => c.reason === 'time'), { what: "the whale's time change" });
    const last = changes[changes.length - 1]!;
    for (const c of changes) expect(segmentChangeSchema.safeParse(c).success).toBe(true);
    expect(last).toMatchObject({
      customerId: whale,
      fromSegment: model.insidersId,
      fromName: 'Insiders',
      insiders: 'left',
      reason: 'time',
      modelVersion: model.version,
      at: later.occurredAt.replace('Z', '.000Z'),
    });
    expect(changes[0]).toMatchObject({
      fromSegment: null,
      toSegment: model.insidersId,
      insiders: 'entered',
      reason: 'refit',
    });
    // ClickHouse holds the same: one current row per customer, matching Redis; the same changes.
    // The due check may still be placing others who came due with the whale: closing the service
    // lets that pass end and flushes the sinks, so the two are compared at rest.
    await service.close();
    const ch = createClickHouse(config.clickhouse);
    const rows = async <T>(query: string) => (await ch.query({ query, format: 'JSONEachRow' })).json<T>();
    const current = await rows<{ customer_id: string; segment_id: number; is_insider: number }>(
      'SELECT customer_id, segment_id, is_insider FROM current_customers',
    );
    expect(new Set(current.map((r) => r.customer_id)).size).toBe(current.length);
    const whaleRow = current.find((r) => r.customer_id === whale);
    expect(whaleRow?.is_insider).toBe(0);
    let compared = 0;
    for (const r of current.slice(0, 300)) {
      const s = await pipeline.redis.hget(keys.customer(r.customer_id), 's');
      expect(String(r.segment_id)).toBe(s === '' || s === null ? '0' : s);
      compared++;
    }
    expect(compared).toBeGreaterThan(100);
    const whaleChanges = await rows<{ change_id: string; reason: string }>(
      `SELECT change_id, reason FROM segment_changes_dedup WHERE customer_id = '${whale}' ORDER BY seq`,
    );
    expect(whaleChanges.map((c) => c.change_id)).toEqual(changes.map((c) => c.changeId));
    const runs = await rows<{ model_version: number; k: number }>('SELECT model_version, k FROM latest_model_run');
    expect(runs).toEqual([{ model_version: model.version, k: 4 }]);
    await ch.close();

    // Nothing left unpublished: every shard's outbox is empty once the service has closed.
    for (let s = 0; s < keys.shards; s++) expect(await pipeline.redis.hlen(keys.shard(s).outbox)).toBe(0);
  });
});
