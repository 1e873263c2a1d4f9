// The metrics registry: what the service records shows up in Prometheus' text format, with the
// values recorded; sources read at scrape time are read then, and a failing one does not fail it.
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { ServiceMetrics } from '../../src/metrics/metrics.js';
import { stalledPartitions } from '../../src/consumers/order-consumer.js';

function value(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

const batch = {
  topic: 'orders',
  partition: 0,
  messages: 10,
  applied: 6,
  duplicates: 2,
  ignored: 1,
  guests: 3,
  conflicts: 1,
  deadLettered: 1,
  ms: 40,
};

describe('ServiceMetrics', () => {
  it('counts events by outcome, dead letters and batch latency', async () => {
    const m = new ServiceMetrics({}, silentLogger);
    m.batchApplied(batch);
    m.batchApplied({ ...batch, applied: 4, duplicates: 0, ms: 400 });
    const text = await m.render();
    expect(value(text, 'insiders_events_total{outcome="applied"}')).toBe(10);
    expect(value(text, 'insiders_events_total{outcome="duplicate"}')).toBe(2);
    expect(value(text, 'insiders_events_total{outcome="ignored"}')).toBe(2);
    expect(value(text, 'insiders_events_total{outcome="conflict"}')).toBe(2);
    expect(value(text, 'insiders_guest_events_total')).toBe(6);
    expect(value(text, 'insiders_dead_lettered_total')).toBe(2);
    expect(value(text, 'insiders_batch_duration_seconds_count')).toBe(2);
    expect(value(text, 'insiders_batch_duration_seconds_bucket{le="0.05"}')).toBe(1);
    expect(value(text, 'insiders_batch_duration_seconds_bucket{le="0.5"}')).toBe(2);
    expect(value(text, 'insiders_batch_duration_seconds_sum')).toBeCloseTo(0.44, 10);
    expect(m.contentType).toContain('text/plain');
  });

  it('records refits, the model in use and segment sizes', async () => {
    const m = new ServiceMetrics({}, silentLogger);
    m.refitDone('fitted', 2500);
    m.refitDone('busy');
    m.modelInUse({ version: 3, silhouette: 0.61 });
    m.segmentSizes([
      { segmentId: 1, name: 'Hibernating', insider: false, customers: 900 },
      { segmentId: 2, name: 'Insiders', insider: true, customers: 100 },
    ]);
    m.segmentSizes([{ segmentId: 2, name: 'Insiders', insider: true, customers: 120 }]);
    const text = await m.render();
    expect(value(text, 'insiders_refits_total{outcome="fitted"}')).toBe(1);
    expect(value(text, 'insiders_refits_total{outcome="busy"}')).toBe(1);
    expect(value(text, 'insiders_refit_duration_seconds_sum')).toBe(2.5);
    expect(value(text, 'insiders_model_version')).toBe(3);
    expect(value(text, 'insiders_model_silhouette')).toBe(0.61);
    expect(value(text, 'insiders_segment_customers{segment_id="2",segment_name="Insiders",insider="true"}')).toBe(120);
    // a later sweep's count replaces the earlier one
    expect(text).not.toContain('segment_name="Hibernating"');
  });

  it("reads each partition's seconds since its last commit at scrape time", async () => {
    let seconds = 12.5;
    const m = new ServiceMetrics(
      {
        partitions: () => [
          { topic: 'orders', partition: 0, secondsSinceCommit: seconds },
          { topic: 'orders', partition: 1, secondsSinceCommit: 0 },
        ],
      },
      silentLogger,
    );
    expect(value(await m.render(), 'insiders_consumer_seconds_since_commit{topic="orders",partition="0"}')).toBe(12.5);
    seconds = 0;
    const text = await m.render();
    expect(value(text, 'insiders_consumer_seconds_since_commit{topic="orders",partition="0"}')).toBe(0);
    expect(value(text, 'insiders_consumer_seconds_since_commit{topic="orders",partition="1"}')).toBe(0);
  });

  it('reads consumer lag and sink queues at scrape time', async () => {
    let lag = 5;
    const m = new ServiceMetrics(
      {
        lag: () =>
          Promise.resolve([
            { topic: 'orders', partition: 0, lag },
            { topic: 'orders', partition: 1, lag: 0 },
          ]),
        sinks: () => ({ customers: { buffered: 42, inserted: 1000 } }),
      },
      silentLogger,
    );
    expect(value(await m.render(), 'insiders_consumer_lag{topic="orders",partition="0"}')).toBe(5);
    lag = 0;
    const text = await m.render();
    expect(value(text, 'insiders_consumer_lag{topic="orders",partition="0"}')).toBe(0);
    expect(value(text, 'insiders_sink_queue_rows{table="customers"}')).toBe(42);
    expect(value(text, 'insiders_sink_inserted_rows{table="customers"}')).toBe(1000);
  });

  it('leaves the lag out, rather than failing the scrape, when Kafka does not answer', async () => {
    const m = new ServiceMetrics({ lag: () => Promise.reject(new Error('broker down')) }, silentLogger);
    const text = await m.render();
    expect(text).not.toMatch(/^insiders_consumer_lag\{/m);
    expect(value(text, 'insiders_dead_lettered_total')).toBe(0);
  });

  it('keeps each registry to itself', async () => {
    const a = new ServiceMetrics({}, silentLogger);
    const b = new ServiceMetrics({}, silentLogger);
    a.refitDone('fitted', 1000);
    expect(value(await b.render(), 'insiders_refits_total{outcome="fitted"}')).toBeUndefined();
  });
});

describe('stalledPartitions', () => {
  const progress = [
    { topic: 'orders', partition: 0, secondsSinceCommit: 0 },
    { topic: 'orders', partition: 1, secondsSinceCommit: 301.4 },
    { topic: 'orders', partition: 2, secondsSinceCommit: 300 },
  ];

  it('names the partitions pending without a commit for longer than the threshold', () => {
    expect(stalledPartitions(progress, 300)).toBe(
      'no offset committed for over 300 s with messages pending: orders:1 (301 s)',
    );
    expect(stalledPartitions(progress, 400)).toBeUndefined();
    expect(stalledPartitions([], 10)).toBeUndefined();
  });
});
