// `insiders forget` (GDPR erasure) on the real services, while the service runs: the customer's
// state leaves Redis, they leave every ClickHouse view, a tombstone follows their changes on the
// change topic; and neither the whole history replayed again (late duplicates of their events)
// nor a new order of theirs, nor a placement row written after the erasure brings them back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClickHouseClient } from '@clickhouse/client';
import { createClickHouse } from '../../src/infra/clickhouse.js';
import { type Service } from '../../src/service/service.js';
import { customerRow, TABLES } from '../../src/sinks/schema.js';
import { exited, spawnCli } from '../support/cli.js';
import { publishOrder, replayDataSet } from '../support/pipeline.js';
import { modelDriven } from '../support/integration.js';
import { usePipeline } from '../support/use-pipeline.js';
import { waitFor } from '../support/wait.js';

describe('insiders forget', () => {
  const pipeline = usePipeline(modelDriven(2, 4));
  const { config } = pipeline;
  const topic = config.kafka.ordersTopic;
  const changesTopic = config.model.changesTopic;
  const cliEnv: Record<string, string> = {
    KAFKA_BROKERS: config.kafka.brokers.join(','),
    REDIS_URL: config.redis.url,
    REDIS_KEY_PREFIX: config.redis.keyPrefix,
    CLICKHOUSE_URL: config.clickhouse.url,
    CLICKHOUSE_USER: config.clickhouse.user,
    CLICKHOUSE_PASSWORD: config.clickhouse.password,
    CLICKHOUSE_DATABASE: config.clickhouse.database,
    SEGMENT_CHANGES_TOPIC: changesTopic,
    LOG_LEVEL: 'warn',
  };
  let ch: ClickHouseClient;
  let service: Service | undefined;
  /** the change topic as read so far: key and value (null for a tombstone), in partition order */
  const topicMessages: { key: string; value: string | null; offset: number; partition: number }[] = [];

  const rows = async <T>(query: string) => (await ch.query({ query, format: 'JSONEachRow' })).json<T>();
  const forget = async (customerId: string) => {
    const child = spawnCli(['forget', customerId], cliEnv);
    expect(await exited(child), child.output()).toBe(0);
    return child.output();
  };
  const customerKey = (id: string) => pipeline.keys.customer(id);
  /** events of erased customers the running service has dropped */
  const erased = () => service!.consumer!.totals.erased;
  /**
   * Publishes an erased customer's order, then waits for the service to catch up and for at least
   * `atLeast` events to have been dropped since it had dropped `before`.
   */
  const publishDropped = async (
    order: Parameters<typeof publishOrder>[2],
    before: number,
    atLeast: number,
    what: string,
  ): Promise<void> => {
    await publishOrder(pipeline.kafka, topic, order);
    await pipeline.caughtUp();
    await waitFor(() => erased() - before >= atLeast, { what });
  };

  beforeAll(() => {
    ch = createClickHouse(config.clickhouse);
  });

  afterAll(async () => {
    await ch.close();
  });

  it('erases an Insider everywhere, for good, while the service runs', async () => {
    service = await pipeline.startOnDataSet(6000);
    const fitted = await service.refitNow();
    expect(fitted.kind).toBe('fitted');
    if (fitted.kind !== 'fitted') return;
    await service.results.flush();

    // The Insider with the most changes, so that there is history to erase.
    const [who] = await rows<{ customer_id: string; changes: string }>(
      `SELECT customer_id, count() AS changes FROM segment_changes_dedup
       WHERE customer_id IN (SELECT customer_id FROM current_insiders)
       GROUP BY customer_id ORDER BY changes DESC, customer_id LIMIT 1`,
    );
    expect(who).toBeDefined();
    const id = who!.customer_id;
    const [before] = await rows<{ customers: string; changes: string }>(
      `SELECT (SELECT count() FROM current_customers) AS customers, (SELECT count() FROM segment_changes_dedup) AS changes`,
    );
    expect(Number((await pipeline.redis.hget(customerKey(id), 'o')) ?? 0)).toBeGreaterThan(0);

    const output = await forget(id);
    expect(output).toContain(`customer ${id} erased: state removed`);

    // Redis: nothing of theirs but the erasure marker; the store knows no such customer.
    const hash = await pipeline.redis.hgetall(customerKey(id));
    expect(Object.keys(hash)).toEqual(['z']);
    expect(Number(hash.z)).toBeGreaterThan(Date.parse('2020-01-01'));
    // ClickHouse: gone from every view; everyone else still there.
    const shown = async () =>
      rows<{ view: string; n: string }>(
        `SELECT 'customers' AS view, count() AS n FROM current_customers WHERE customer_id = '${id}'
         UNION ALL SELECT 'insiders' AS view, count() AS n FROM current_insiders WHERE customer_id = '${id}'
         UNION ALL SELECT 'changes' AS view, count() AS n FROM segment_changes_dedup WHERE customer_id = '${id}'`,
      );
    const none = [
      { view: 'changes', n: '0' },
      { view: 'customers', n: '0' },
      { view: 'insiders', n: '0' },
    ];
    const sorted = (r: { view: string; n: string }[]) => [...r].sort((a, b) => a.view.localeCompare(b.view));
    expect(sorted(await shown())).toEqual(none);
    const [after] = await rows<{ customers: string; changes: string }>(
      `SELECT (SELECT count() FROM current_customers) AS customers, (SELECT count() FROM segment_changes_dedup) AS changes`,
    );
    expect(Number(after!.customers)).toBe(Number(before!.customers) - 1);
    expect(Number(after!.changes)).toBe(Number(before!.changes) - Number(who!.changes));
    expect(await rows(`SELECT customer_id FROM erased_customers`)).toEqual([{ customer_id: id }]);
    // and the tables underneath lose their rows too (a mutation, in the background); the erasure row stays
    await waitFor(
      async () => {
        const [left] = await rows<{ changes: string; placements: string; erasures: string }>(
          `SELECT (SELECT count() FROM segment_changes WHERE customer_id = '${id}') AS changes,
                  (SELECT count() FROM customer_segments WHERE customer_id = '${id}' AND deleted = 0) AS placements,
                  (SELECT count() FROM customer_segments WHERE customer_id = '${id}' AND deleted = 1) AS erasures`,
        );
        return left?.changes === '0' && left.placements === '0' && left.erasures === '1';
      },
      { timeoutMs: 60_000, intervalMs: 250, what: 'their rows to be deleted from the tables' },
    );

    // The change topic: their changes, then the tombstone (key = customer id, null value).
    await pipeline.readTopic(changesTopic, (message, partition) => {
      topicMessages.push({
        key: message.key?.toString() ?? '',
        value: message.value === null ? null : message.value.toString(),
        offset: Number(message.offset),
        partition,
      });
    });
    const theirs = () => topicMessages.filter((m) => m.key === id);
    await waitFor(() => theirs().some((m) => m.value === null), { what: 'the tombstone' });
    expect(theirs().length).toBe(Number(who!.changes) + 1);
    expect(theirs()[theirs().length - 1]?.value).toBeNull();

    // Late duplicates (the whole slice again) and a new order of theirs: dropped, nothing comes back.
    const erasedBefore = erased();
    await replayDataSet(config, { limit: 6000 });
    const order = { orderId: 'AFTER-ERASURE-1', customerId: id, occurredAt: '2011-06-01T10:00:00Z', quantity: 200 };
    await publishDropped(order, erasedBefore, 2, 'their events to be dropped');
    expect((await service.sweepNow()).kind).toBe('swept');
    await service.results.flush();
    expect(Object.keys(await pipeline.redis.hgetall(customerKey(id)))).toEqual(['z']);
    expect(sorted(await shown())).toEqual(none);

    // A placement row written after the erasure (one already in flight when it ran) shows nothing.
    const ghost = customerRow(
      {
        customerId: id,
        recencyDays: 1,
        orders: 3,
        frequency: 0.1,
        grossRevenueMills: 9_000_000,
        avgTicketMills: 3_000_000,
        items: 30,
        products: 3,
        returns: 0,
        returnEvents: 0,
        returnedMills: 0,
        avgDaysBetweenPurchases: 10,
        lifetimeOrders: 3,
        lifetimeRevenueMills: 9_000_000,
      },
      { segmentId: fitted.model.insidersId, segmentName: 'Insiders', isInsider: true, modelVersion: 1 },
      Number.MAX_SAFE_INTEGER,
      Date.now(),
    );
    await ch.insert({ table: TABLES.customerSegments, values: [ghost], format: 'JSONEachRow' });
    expect(sorted(await shown())).toEqual(none);

    // Forget again: nothing left to do, nothing breaks, one more tombstone.
    expect(await forget(id)).toContain(`customer ${id} erased: already erased before`);
    await waitFor(() => theirs().filter((m) => m.value === null).length === 2, { what: 'the second tombstone' });
    // No change of theirs after the first tombstone.
    const firstTombstone = theirs().findIndex((m) => m.value === null);
    expect(
      theirs()
        .slice(firstTombstone)
        .every((m) => m.value === null),
    ).toBe(true);
  });

  it('erases a customer it has never seen, and their events arriving later are dropped', async () => {
    const id = 'never-seen-1';
    expect(await forget(id)).toContain(`customer ${id} erased: no state was held`);
    const erasedBefore = erased();
    const order = { orderId: 'NEVER-SEEN-1', customerId: id, occurredAt: '2011-06-02T10:00:00Z', quantity: 2 };
    await publishDropped(order, erasedBefore, 1, 'the event to be dropped');
    expect(erased() - erasedBefore).toBe(1);
    expect(Object.keys(await pipeline.redis.hgetall(customerKey(id)))).toEqual(['z']);
    await service!.results.flush();
    expect(await rows(`SELECT customer_id FROM current_customers WHERE customer_id = '${id}'`)).toEqual([]);
  });
});
