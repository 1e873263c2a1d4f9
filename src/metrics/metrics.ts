// The service's Prometheus metrics (prom-client), in a registry of their own so that several
// services in one process (tests) do not collide. Counters and histograms are fed by the service
// as things happen; consumer lag and sink queue depth are read from their sources at each scrape.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { PartitionLag } from '../consumers/lag.js';
import type { BatchReport, PartitionProgress } from '../consumers/order-consumer.js';
import type { Logger } from '../log.js';

export interface MetricsSources {
  /** the consumer group's lag on the orders topic, per partition */
  readonly lag?: () => Promise<readonly PartitionLag[]>;
  /** rows waiting in each ClickHouse writer, and rows inserted so far */
  readonly sinks?: () => Readonly<Record<string, { readonly buffered: number; readonly inserted: number }>>;
  /** this process's consumer: how long each of its partitions has waited for a commit */
  readonly partitions?: () => readonly PartitionProgress[];
}

export interface SegmentSize {
  readonly segmentId: number;
  readonly name: string;
  readonly insider: boolean;
  readonly customers: number;
}

export type RefitResult = 'fitted' | 'busy' | 'too-few' | 'superseded' | 'failed';

export class ServiceMetrics {
  readonly registry = new Registry();
  private readonly events: Counter<'outcome'>;
  private readonly guests: Counter;
  private readonly deadLettered: Counter;
  private readonly batchSeconds: Histogram;
  private readonly refits: Counter<'outcome'>;
  private readonly refitSeconds: Histogram;
  private readonly silhouette: Gauge;
  private readonly modelVersion: Gauge;
  private readonly segmentCustomers: Gauge<'segment_id' | 'segment_name' | 'insider'>;
  private readonly dueLateness: Histogram;

  constructor(sources: MetricsSources, logger: Logger) {
    const log = logger.child({ component: 'metrics' });
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'insiders_' });
    this.events = new Counter({
      name: 'insiders_events_total',
      help: 'valid checkout events consumed, by what they did to state: applied, duplicate (applied before), ignored (business rules), conflict (id applied before with other content: dead-lettered)',
      labelNames: ['outcome'],
      registers,
    });
    for (const outcome of ['applied', 'duplicate', 'ignored', 'conflict']) this.events.inc({ outcome }, 0);
    this.guests = new Counter({
      name: 'insiders_guest_events_total',
      help: 'guest orders among the applied and duplicate events: counted, never segmented',
      registers,
    });
    this.deadLettered = new Counter({
      name: 'insiders_dead_lettered_total',
      help: 'messages sent to the dead-letter topic',
      registers,
    });
    this.batchSeconds = new Histogram({
      name: 'insiders_batch_duration_seconds',
      help: 'time to apply one consumer batch, from decoding to its offset resolved',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.refits = new Counter({
      name: 'insiders_refits_total',
      help: 'refits attempted by this process, by outcome',
      labelNames: ['outcome'],
      registers,
    });
    this.refitSeconds = new Histogram({
      name: 'insiders_refit_duration_seconds',
      help: 'time of a refit that fitted a model (sampling and fitting)',
      buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
      registers,
    });
    this.silhouette = new Gauge({
      name: 'insiders_model_silhouette',
      help: 'silhouette of the model version in use',
      registers,
    });
    this.modelVersion = new Gauge({
      name: 'insiders_model_version',
      help: 'the model version in use (0: none yet)',
      registers,
    });
    this.segmentCustomers = new Gauge({
      name: 'insiders_segment_customers',
      help: 'customers in each segment, as the state keeps them with every change (read after each sweep of this process)',
      labelNames: ['segment_id', 'segment_name', 'insider'],
      registers,
    });
    this.dueLateness = new Histogram({
      name: 'insiders_due_lateness_seconds',
      help: 'event time from a due customer\'s due time to the "now" of the sweep that placed them',
      buckets: [1, 5, 15, 30, 60, 120, 300, 900, 3600, 86_400],
      registers,
    });
    new Gauge({
      name: 'insiders_consumer_lag',
      help: 'messages of the orders topic the consumer group has not committed, per partition (read at scrape)',
      labelNames: ['topic', 'partition'],
      registers,
      async collect() {
        if (sources.lag === undefined) return;
        try {
          const lags = await sources.lag();
          this.reset();
          for (const l of lags) this.set({ topic: l.topic, partition: String(l.partition) }, l.lag);
        } catch (err) {
          // Kafka unreachable: no lag series this scrape rather than a stale one or a failed scrape.
          this.reset();
          log.warn({ err }, 'consumer lag unavailable');
        }
      },
    });
    new Gauge({
      name: 'insiders_consumer_seconds_since_commit',
      help: "seconds since a partition's last committed offset while messages of it are pending (0: none pending), per partition this process consumes (read at scrape)",
      labelNames: ['topic', 'partition'],
      registers,
      collect() {
        this.reset();
        for (const p of sources.partitions?.() ?? []) {
          this.set({ topic: p.topic, partition: String(p.partition) }, p.secondsSinceCommit);
        }
      },
    });
    new Gauge({
      name: 'insiders_sink_queue_rows',
      help: 'rows waiting in each ClickHouse writer',
      labelNames: ['table'],
      registers,
      collect() {
        for (const [table, s] of Object.entries(sources.sinks?.() ?? {})) this.set({ table }, s.buffered);
      },
    });
    new Gauge({
      name: 'insiders_sink_inserted_rows',
      help: 'rows each ClickHouse writer has inserted since start',
      labelNames: ['table'],
      registers,
      collect() {
        for (const [table, s] of Object.entries(sources.sinks?.() ?? {})) this.set({ table }, s.inserted);
      },
    });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The metrics in Prometheus' text format. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  batchApplied(r: BatchReport): void {
    this.events.inc({ outcome: 'applied' }, r.applied);
    this.events.inc({ outcome: 'duplicate' }, r.duplicates);
    this.events.inc({ outcome: 'ignored' }, r.ignored);
    this.events.inc({ outcome: 'conflict' }, r.conflicts);
    this.guests.inc(r.guests);
    this.deadLettered.inc(r.deadLettered);
    this.batchSeconds.observe(r.ms / 1000);
  }

  refitDone(outcome: RefitResult, ms?: number): void {
    this.refits.inc({ outcome });
    if (outcome === 'fitted' && ms !== undefined) this.refitSeconds.observe(ms / 1000);
  }

  modelInUse(model: { readonly version: number; readonly silhouette: number }): void {
    this.modelVersion.set(model.version);
    this.silhouette.set(model.silhouette);
  }

  /** Records how late (event time, ms) each due customer of a sweep was placed. */
  lateness(lateMs: readonly number[]): void {
    for (const ms of lateMs) this.dueLateness.observe(ms / 1000);
  }

  /** Replaces the segment sizes with a sweep's count (segments of older versions disappear). */
  segmentSizes(sizes: readonly SegmentSize[]): void {
    this.segmentCustomers.reset();
    for (const s of sizes) {
      this.segmentCustomers.set(
        { segment_id: String(s.segmentId), segment_name: s.name, insider: String(s.insider) },
        s.customers,
      );
    }
  }
}
