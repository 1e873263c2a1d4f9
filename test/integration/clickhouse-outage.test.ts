// ClickHouse stopped for 30 s in the middle of a replay, then started again: the sink holds its
// rows and retries, the consumers carry on or wait, and afterwards the views show every customer
// once, matching Redis, and every change once. Uses a ClickHouse server of the test's own.
import { describe, expect, it } from 'vitest';
import { createClickHouse } from '../../src/infra/clickhouse.js';
import { modelDriven } from '../support/integration.js';
import { ownClickHouse } from '../support/own-clickhouse.js';
import { replayDataSet } from '../support/pipeline.js';
import { customerFields } from '../support/state.js';
import { usePipeline } from '../support/use-pipeline.js';
import { useServer } from '../support/use-server.js';

const OUTAGE_MS = 30_000;

describe('ClickHouse outage during a replay', () => {
  const clickhouseServer = useServer(() => ownClickHouse());
  const pipeline = usePipeline(() => ({ CLICKHOUSE_URL: clickhouseServer().url, ...modelDriven(3, 4) }));
  it('loses and duplicates nothing, and the consumer catches up', async () => {
    const { config } = pipeline;
    const service = await pipeline.startOnDataSet(6000);
    expect((await service.refitNow()).kind).toBe('fitted');
    await service.results.flush();

    await clickhouseServer().stop();
    // The rest of the data set arrives while ClickHouse is down: every placement's rows wait.
    await replayDataSet(config, { limit: 26_000 });
    await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
    const stats = service.results.stats();
    expect(stats.customers!.failedAttempts + stats.changes!.failedAttempts).toBeGreaterThan(0);
    await clickhouseServer().start();
    await pipeline.caughtUp();
    await service.results.flush();

    const ch = createClickHouse(config.clickhouse);
    const rows = async <T>(query: string) => (await ch.query({ query, format: 'JSONEachRow' })).json<T>();
    const current = await rows<{ customer_id: string; segment_id: number }>(
      'SELECT customer_id, segment_id FROM current_customers',
    );
    const ids = current.map((r) => r.customer_id);
    expect(new Set(ids).size).toBe(ids.length);
    let customers = 0;
    const mismatched: string[] = [];
    const inClickHouse = new Map(current.map((r) => [r.customer_id, r.segment_id]));
    const inRedis = await customerFields(pipeline.redis, config, ['s', 'sc']);
    for (const [id, [s]] of inRedis) {
      customers++;
      const want = s === null || s === '' ? 0 : Number(s);
      if (inClickHouse.get(id) !== want) mismatched.push(`${id}: redis ${want}, clickhouse ${inClickHouse.get(id)}`);
    }
    expect(customers).toBeGreaterThan(4000);
    expect(current.length).toBe(customers);
    expect(mismatched.slice(0, 10)).toEqual([]);

    const [changes] = await rows<{ n: string; ids: string; raw: string }>(
      'SELECT count() AS n, uniqExact(change_id) AS ids, (SELECT count() FROM segment_changes) AS raw FROM segment_changes_dedup',
    );
    expect(changes?.n).toBe(changes?.ids);
    // Every change recorded in Redis (sc counts them per customer) is in ClickHouse once.
    let recorded = 0;
    for (const [, sc] of inRedis.values()) recorded += Number(sc ?? 0);
    expect(Number(changes?.n)).toBe(recorded);
    await ch.close();
  });
});
