// Publishes membership changes to the change topic that CRM tools read: keyed by customer id, so
// one customer's changes stay in order on one partition. At-least-once: consumers deduplicate by
// changeId. Other sinks (ClickHouse) receive the same records.
import type { Producer } from 'kafkajs';
import type { SegmentChangeMessage } from './change-schema.js';
import type { SegmentChange } from './changes.js';

export interface ChangeSink {
  /** Resolves once the changes are durable in the sink: the caller forgets them afterwards. */
  publish(changes: readonly SegmentChange[]): Promise<void>;
}

export const CHANGE_SCHEMA_VERSION = 1 as const;

/** The JSON a change is published as (docs/segment-changes.md). */
export function changeMessage(change: SegmentChange): SegmentChangeMessage {
  return {
    schemaVersion: CHANGE_SCHEMA_VERSION,
    changeId: change.changeId,
    customerId: change.customerId,
    seq: change.seq,
    fromSegment: change.fromSegment,
    fromName: change.fromName,
    toSegment: change.toSegment,
    toName: change.toName,
    insiders: change.insiders,
    modelVersion: change.modelVersion,
    reason: change.reason,
    at: new Date(change.atMs).toISOString(),
  };
}

export class KafkaChangeSink implements ChangeSink {
  constructor(
    private readonly producer: Producer,
    private readonly topic: string,
  ) {}

  async publish(changes: readonly SegmentChange[]): Promise<void> {
    if (changes.length === 0) return;
    await this.producer.send({
      topic: this.topic,
      acks: -1,
      messages: changes.map((c) => ({
        key: c.customerId,
        value: JSON.stringify(changeMessage(c)),
        headers: { 'content-type': 'application/json', 'schema-version': String(CHANGE_SCHEMA_VERSION) },
      })),
    });
  }
}
