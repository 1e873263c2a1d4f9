// `insiders run` as operators run it: its own process on the real services, a slice of the data
// set replayed into it, then every HTTP endpoint — health, readiness (failing until a model
// exists), metrics with the replay's counts, a customer with segment, explanation and changes,
// the admin-only refit — and a SIGTERM that ends it cleanly.
import { afterAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { modelDriven } from '../support/integration.js';
import { usePipeline } from '../support/use-pipeline.js';
import { exited, spawnCli } from '../support/cli.js';
import { caughtUp, replayDataSet } from '../support/pipeline.js';
import {
  serviceEnv,
  startServiceProcess,
  stopServiceProcess,
  type ServiceProcess,
} from '../support/service-process.js';
import { waitFor } from '../support/wait.js';
import { customerFields } from '../support/state.js';

/** The value of one series in Prometheus' text format. */
function metric(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('insiders run: the HTTP API and a clean stop', () => {
  const pipeline = usePipeline(modelDriven(2, 4));
  const { config } = pipeline;
  const topic = config.kafka.ordersTopic;
  let service: ServiceProcess | undefined;
  let stray: ChildProcess | undefined;

  afterAll(() => {
    if (service?.child.exitCode === null) service.child.kill('SIGKILL');
    if (stray?.exitCode === null) stray.kill('SIGKILL');
  });

  it('serves health, readiness, metrics, customers and an admin refit, then stops on SIGTERM', async () => {
    await replayDataSet(config, { limit: 3000 });
    service = await startServiceProcess(config);
    const { base } = service;
    const get = (path: string, init?: RequestInit) => fetch(`${base}${path}`, init);

    expect((await get('/healthz')).status).toBe(200);
    await caughtUp(pipeline.admin, config);

    // Reachable services but no model yet: not ready, and it says why.
    const notReady = await get('/readyz');
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toMatchObject({ status: 'not ready', failed: ['model'] });

    // The refit is for the admin only.
    expect((await get('/refit', { method: 'POST' })).status).toBe(401);
    expect((await get('/refit', { method: 'POST', headers: { authorization: 'Bearer wrong-token' } })).status).toBe(
      403,
    );
    const refit = await service.refit();
    expect(refit.status).toBe(200);
    const fitted = (await refit.json()) as { outcome: string; version: number; k: number };
    expect(fitted).toMatchObject({ outcome: 'fitted', k: 4 });

    const ready = await get('/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready' });

    const metricsRes = await get('/metrics');
    expect(metricsRes.status).toBe(200);
    expect(metricsRes.headers.get('content-type')).toContain('text/plain');
    const text = await metricsRes.text();
    const applied = metric(text, 'insiders_events_total{outcome="applied"}') ?? 0;
    const ignored = metric(text, 'insiders_events_total{outcome="ignored"}') ?? 0;
    const duplicates = metric(text, 'insiders_events_total{outcome="duplicate"}') ?? 0;
    expect(applied).toBeGreaterThan(0);
    expect(applied + ignored + duplicates).toBe(3000);
    expect(metric(text, 'insiders_batch_duration_seconds_count')).toBeGreaterThan(0);
    expect(metric(text, 'insiders_refits_total{outcome="fitted"}')).toBe(1);
    expect(metric(text, 'insiders_refit_duration_seconds_count')).toBe(1);
    expect(metric(text, 'insiders_model_version')).toBe(fitted.version);
    expect(metric(text, 'insiders_model_silhouette')).toBeGreaterThan(0);
    expect(metric(text, 'insiders_consumer_lag{topic="' + topic + '",partition="0"}')).toBe(0);
    expect(metric(text, 'insiders_consumer_lag{topic="' + topic + '",partition="1"}')).toBe(0);
    expect(metric(text, 'insiders_sink_inserted_rows{table="customers"}')).toBeGreaterThan(0);
    const segmentSizes = [...text.matchAll(/^insiders_segment_customers\{[^}]*\} (\d+)$/gm)].map((m) => Number(m[1]));
    // four clustered segments and the Lapsed group (customers with only returns in the window)
    expect(segmentSizes).toHaveLength(5);
    expect(segmentSizes.every((n) => n > 0)).toBe(true);
    const lapsed = metric(text, 'insiders_segment_customers{segment_id="-1",segment_name="Lapsed",insider="false"}');
    expect(segmentSizes).toContain(lapsed);

    // A real customer, placed in a clustered segment by the refit's sweep (Lapsed, -1, has no explanation).
    let id: string | undefined;
    let segment: string | null = null;
    for (const [customerId, [s]] of await customerFields(pipeline.redis, config, ['s'])) {
      segment = s ?? null;
      if (segment !== null && segment !== '' && segment !== '-1') {
        id = customerId;
        break;
      }
    }
    expect(id).toBeDefined();
    const customer = await waitFor(
      async () => {
        const res = await get(`/customers/${id}`);
        expect(res.status).toBe(200);
        const body = (await res.json()) as {
          customerId: string;
          features: { customer_id: string; orders: number };
          segment: { id: number; name: string; insider: boolean; modelVersion: number };
          explanation: { segmentId: number; contributions: unknown[] } | null;
          recentChanges: { reason: string; toSegment: number }[];
        };
        // the change reaches ClickHouse within the writer's flush delay
        return body.recentChanges.length > 0 ? body : undefined;
      },
      { timeoutMs: 10_000, what: 'the customer to show a change' },
    );
    expect(customer.customerId).toBe(id);
    expect(customer.features.customer_id).toBe(id);
    expect(customer.features.orders).toBeGreaterThanOrEqual(0);
    expect(customer.segment.id).toBe(Number(segment));
    expect(customer.segment.modelVersion).toBe(fitted.version);
    expect(customer.segment.name.length).toBeGreaterThan(0);
    expect(customer.explanation?.segmentId).toBe(Number(segment));
    expect(customer.explanation?.contributions).toHaveLength(5);
    expect(customer.recentChanges[0]).toMatchObject({ reason: 'refit', toSegment: Number(segment) });

    expect((await get('/customers/no-such-customer-42')).status).toBe(404);
    expect((await get('/customers/not%20an%20id')).status).toBe(400);

    expect(await stopServiceProcess(service)).toBe(0);
    expect(service.child.output()).toContain('"msg":"stopped"');
    expect(service.child.output()).not.toContain('shutdown step failed');
  });

  it('ends with the error, instead of hanging on what it had opened, when ClickHouse cannot be reached at start', async () => {
    // Port 1: nothing listens there. Kafka and Redis were connected before ClickHouse is tried.
    const child = spawnCli(['run'], serviceEnv(config, { CLICKHOUSE_URL: 'http://127.0.0.1:1' }));
    stray = child;
    // A hang fails the test by its timeout.
    const code = await exited(child);
    // 1, not 2: an unreachable service is not a bad setting, and a restart may find it up.
    expect(code, child.output()).toBe(1);
    expect(child.output()).toContain('ECONNREFUSED 127.0.0.1:1');
  });
});
