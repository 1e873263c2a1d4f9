// Results into ClickHouse: customers' current segments and features, membership changes, model
// runs and segment profiles, each through a BatchWriter (>= 1,000 rows or 250 ms, retries, bounded
// memory with backpressure). Inserts are idempotent for what the views show: every table is a
// ReplacingMergeTree read through FINAL views, so a retried batch changes nothing there.
// Every write resolves once its rows are stored, not merely buffered: the assigner clears a
// change's pending record after publish(), and the consumer commits an event's offset after the
// placement it caused, so rows still in memory would be lost for good by a crash.
import type { ClickHouseClient } from '@clickhouse/client';
import type { Features } from '../features/features.js';
import type { Logger } from '../log.js';
import type { FittedModel, Placement } from '../model/model.js';
import type { SegmentProfileRow } from '../model/profiles.js';
import type { ChangeSink } from '../segmentation/change-publisher.js';
import type { SegmentChange } from '../segmentation/changes.js';
import { BatchWriter, type BatchWriterStats } from './batch-writer.js';
import {
  changeRow,
  customerRow,
  erasedCustomerRow,
  modelRunRow,
  profileRows,
  TABLES,
  type CustomerSegmentRow,
  type ModelRunRow,
  type SegmentChangeRow,
  type SegmentProfileTableRow,
} from './schema.js';

export interface ClickHouseSinkOptions {
  readonly batchRows?: number;
  readonly maxDelayMs?: number;
  readonly maxBufferedRows?: number;
  /** wall clock, epoch ms: the rows' version (a later write wins) and write time */
  readonly clock?: () => number;
}

export class ClickHouseSink implements ChangeSink {
  private readonly customers: BatchWriter<CustomerSegmentRow>;
  private readonly changes: BatchWriter<SegmentChangeRow>;
  private readonly runs: BatchWriter<ModelRunRow>;
  private readonly profiles: BatchWriter<SegmentProfileTableRow>;
  private readonly clock: () => number;
  private lastVersion = 0;

  constructor(client: ClickHouseClient, logger: Logger, options: ClickHouseSinkOptions = {}) {
    this.clock = options.clock ?? Date.now;
    const writer = <T>(name: string, table: string) =>
      new BatchWriter<T>({
        name,
        logger,
        batchRows: options.batchRows ?? 1000,
        maxDelayMs: options.maxDelayMs ?? 250,
        maxBufferedRows: options.maxBufferedRows ?? 50_000,
        insert: async (rows) => {
          await client.insert({ table, values: rows as T[], format: 'JSONEachRow' });
        },
      });
    this.customers = writer('customers', TABLES.customerSegments);
    this.changes = writer('changes', TABLES.segmentChanges);
    this.runs = writer('model-runs', TABLES.modelRuns);
    this.profiles = writer('profiles', TABLES.segmentProfiles);
  }

  /** A strictly increasing version from the wall clock, so a later write of a customer wins. */
  private nextVersion(): number {
    this.lastVersion = Math.max(this.lastVersion + 1, this.clock() * 1000);
    return this.lastVersion;
  }

  publish(changes: readonly SegmentChange[]): Promise<void> {
    return this.changes.writeAndWait(changes.map(changeRow));
  }

  /** The current segment and features of customers just placed (customers without a purchase have none). */
  writeCustomers(model: FittedModel, features: readonly Features[], placements: readonly Placement[]): Promise<void> {
    const placed = new Map(placements.map((p) => [p.customerId, p.segmentId]));
    const names = new Map(model.segments.map((s) => [s.id, s.name]));
    const at = this.clock();
    return this.customers.writeAndWait(
      features.map((f) => {
        const segmentId = placed.get(f.customerId) ?? null;
        return customerRow(
          f,
          {
            segmentId,
            segmentName: segmentId === null ? null : (names.get(segmentId) ?? null),
            isInsider: segmentId === model.insidersId,
            modelVersion: model.version,
          },
          this.nextVersion(),
          at,
        );
      }),
    );
  }

  /** Hides an erased customer from the views (GDPR). */
  eraseCustomer(customerId: string): Promise<void> {
    return this.customers.writeAndWait([erasedCustomerRow(customerId, this.nextVersion(), this.clock())]);
  }

  async writeModel(model: FittedModel, durationMs: number, profiles: readonly SegmentProfileRow[]): Promise<void> {
    const at = this.clock();
    await this.runs.writeAndWait([modelRunRow(model, durationMs, at)]);
    await this.profiles.writeAndWait(profileRows(model.version, profiles, at));
  }

  stats(): Record<string, BatchWriterStats> {
    return {
      customers: this.customers.stats(),
      changes: this.changes.stats(),
      modelRuns: this.runs.stats(),
      profiles: this.profiles.stats(),
    };
  }

  async flush(): Promise<void> {
    await Promise.all([this.customers.flush(), this.changes.flush(), this.runs.flush(), this.profiles.flush()]);
  }

  async close(): Promise<void> {
    await Promise.all([this.customers.close(), this.changes.close(), this.runs.close(), this.profiles.close()]);
  }
}

/** Publishes each change to every sink, in order. */
export class FanOutChangeSink implements ChangeSink {
  constructor(private readonly sinks: readonly ChangeSink[]) {}

  async publish(changes: readonly SegmentChange[]): Promise<void> {
    for (const sink of this.sinks) await sink.publish(changes);
  }
}
