// Roles in separate processes: one `insiders run --roles consume`, one `--roles refit,sweep`.
// The second fits the model and sweeps; the first loads it through the announcement and places
// customers on their events, its results in ClickHouse before its offsets are committed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClickHouseClient } from '@clickhouse/client';
import { createClickHouse } from '../../src/infra/clickhouse.js';
import { modelDriven } from '../support/integration.js';
import { usePipeline } from '../support/use-pipeline.js';
import { caughtUp, replayDataSet } from '../support/pipeline.js';
import { startServiceProcess, stopServiceProcess, type ServiceProcess } from '../support/service-process.js';
import { waitFor } from '../support/wait.js';
import { customerFields } from '../support/state.js';

describe('insiders run --roles: a consumer process and a refit/sweep process together', () => {
  const pipeline = usePipeline(modelDriven(2, 3));
  const { config } = pipeline;
  let clickhouse: ClickHouseClient;
  const processes: ServiceProcess[] = [];

  beforeAll(() => {
    clickhouse = createClickHouse(config.clickhouse);
  });

  afterAll(async () => {
    for (const p of processes) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await clickhouse.close();
  });

  const count = async (query: string) => {
    const rows = await (await clickhouse.query({ query, format: 'JSONEachRow' })).json<{ n: string }>();
    return Number(rows[0]?.n ?? 0);
  };

  it('places customers: the refit process after its refit, the consumer on later events', async () => {
    await replayDataSet(config, { limit: 2000 });
    const consumer = await startServiceProcess(config, ['--roles', 'consume']);
    processes.push(consumer);
    const modeller = await startServiceProcess(config, ['--roles', 'refit,sweep']);
    processes.push(modeller);
    await caughtUp(pipeline.admin, config);

    const refit = await modeller.refit();
    expect(refit.status).toBe(200);
    const { version } = (await refit.json()) as { version: number };
    // the consumer process loads the announced model
    await waitFor(async () => (await fetch(`${consumer.base}/readyz`)).status === 200, {
      what: 'the consumer process to load the model',
    });
    // POST /refit answers once the refit's results are stored
    const placedByRefit = await count("SELECT count() AS n FROM segment_changes_dedup WHERE reason = 'refit'");
    expect(placedByRefit).toBeGreaterThan(0);

    // 1,500 later events (the first 2,000 again are duplicates): placed by the consumer process.
    await replayDataSet(config, { limit: 3500 });
    await caughtUp(pipeline.admin, config);
    // Committed offsets come after the sink's flush: caught up means the results are stored.
    const placedByEvents = await count(
      `SELECT count() AS n FROM segment_changes_dedup WHERE reason = 'event' AND model_version = ${version}`,
    );
    expect(placedByEvents).toBeGreaterThan(0);

    const metrics = await (await fetch(`${consumer.base}/metrics`)).text();
    const events = [...metrics.matchAll(/^insiders_events_total\{outcome="(\w+)"\} (\d+)$/gm)];
    const byOutcome: Record<string, number> = Object.fromEntries(events.map((m) => [m[1] ?? '', Number(m[2])]));
    // every event of both replays consumed once by this process; the repeated ones as duplicates
    expect((byOutcome.applied ?? 0) + (byOutcome.duplicate ?? 0) + (byOutcome.ignored ?? 0)).toBe(5500);
    expect(byOutcome.duplicate).toBeGreaterThan(0);
    expect(metrics).not.toMatch(/^insiders_refits_total/m);

    // Every customer who bought has a segment in Redis, and ClickHouse shows the same number; one
    // who never bought has none, or Lapsed (-1) for a return in the window.
    let bought = 0;
    let placed = 0;
    let boughtAndPlaced = 0;
    const neverBoughtSegments = new Set<string>();
    for (const [last, segment] of (await customerFields(pipeline.redis, config, ['l', 's'])).values()) {
      const hasSegment = segment !== null && segment !== '';
      if (last !== null) bought++;
      if (hasSegment) placed++;
      if (hasSegment && last !== null) boughtAndPlaced++;
      if (hasSegment && last === null) neverBoughtSegments.add(segment ?? '');
    }
    expect(bought).toBeGreaterThan(0);
    expect(boughtAndPlaced).toBe(bought);
    expect([...neverBoughtSegments].filter((s) => s !== '-1')).toEqual([]);
    expect(await count('SELECT count() AS n FROM current_customers WHERE segment_id != 0')).toBe(placed);

    expect(await stopServiceProcess(consumer)).toBe(0);
    expect(await stopServiceProcess(modeller)).toBe(0);
  });
});
