// The change topic carries exactly the changes recorded in ClickHouse, in order per customer. A
// slice of the data set goes through the service with two refits, further events and a sweep after
// the clock has moved on, so changes of every reason (event, refit, time) occur; then the whole
// topic is read back and compared with segment_changes_dedup, change by change.
import { describe, expect, it } from 'vitest';
import { topicOffsets } from '../../src/consumers/lag.js';
import { createClickHouse } from '../../src/infra/clickhouse.js';
import { segmentChangeSchema, type SegmentChangeMessage } from '../../src/segmentation/change-schema.js';
import { type Service } from '../../src/service/service.js';
import { publishOrder, replayDataSet } from '../support/pipeline.js';
import { modelDriven } from '../support/integration.js';
import { usePipeline, type Pipeline } from '../support/use-pipeline.js';
import { waitFor } from '../support/wait.js';

interface ChangeRow {
  change_id: string;
  customer_id: string;
  seq: number;
  from_segment: number;
  to_segment: number;
  reason: string;
  model_version: number;
  at: string;
}

/** Every message of `topic` up to its end offsets as they are now, in partition order. */
async function readWholeTopic(
  pipeline: Pipeline,
  topic: string,
): Promise<{ key: string; value: SegmentChangeMessage }[]> {
  const ends = new Map((await topicOffsets(pipeline.admin, topic)).map((p) => [p.partition, Number(p.high)]));
  const reached = new Map<number, number>();
  const messages: { key: string; value: SegmentChangeMessage }[] = [];
  await pipeline.readTopic(topic, (message, partition) => {
    messages.push({
      key: message.key?.toString() ?? '',
      value: JSON.parse(message.value!.toString()) as SegmentChangeMessage,
    });
    reached.set(partition, Number(message.offset) + 1);
  });
  await waitFor(() => [...ends].every(([p, end]) => (reached.get(p) ?? 0) >= end), {
    timeoutMs: 60_000,
    what: 'the change topic to be read to its end',
  });
  return messages;
}

describe('change topic against ClickHouse', () => {
  const pipeline = usePipeline(modelDriven(3, 4));
  const { config } = pipeline;
  const topic = config.kafka.ordersTopic;
  const changesTopic = config.model.changesTopic;
  let service: Service | undefined;

  it('holds the same changes, each once, in seq order per customer, each starting where the last ended', async () => {
    // 2010-12 to about 2011-05, then a model; then events to about 2011-09, with every changed
    // customer placed at once; a second refit; then the clock jumps a year on and a sweep runs.
    service = await pipeline.startOnDataSet(7000);
    expect((await service.refitNow()).kind).toBe('fitted');
    await replayDataSet(config, { limit: 14_000 });
    await pipeline.caughtUp();
    expect((await service.refitNow()).kind).toBe('fitted');

    await publishOrder(pipeline.kafka, topic, {
      orderId: 'LATER-1',
      customerId: 'newcomer-1',
      occurredAt: '2012-09-20T10:00:00Z',
      quantity: 2,
    });
    await pipeline.caughtUp();
    expect((await service.sweepNow()).kind).toBe('swept');
    await service.results.flush();

    const messages = await readWholeTopic(pipeline, changesTopic);
    const ch = createClickHouse(config.clickhouse);
    const rows = async <T>(query: string) => (await ch.query({ query, format: 'JSONEachRow' })).json<T>();
    const recorded = await rows<ChangeRow>(
      `SELECT change_id, customer_id, seq, from_segment, to_segment, reason, model_version, toString(at) AS at
       FROM segment_changes_dedup`,
    );
    await ch.close();

    // Every reason occurred, and the slice is large enough to mean something.
    for (const m of messages) expect(segmentChangeSchema.safeParse(m.value).success, m.value.changeId).toBe(true);
    for (const m of messages) expect(m.key).toBe(m.value.customerId);
    expect(new Set(messages.map((m) => m.value.reason))).toEqual(new Set(['event', 'refit', 'time']));
    expect(messages.length).toBeGreaterThan(2000);

    // No change twice in the view; the same set of changeIds on both sides.
    const viewIds = recorded.map((r) => r.change_id);
    expect(new Set(viewIds).size).toBe(viewIds.length);
    // At least once: a message published again must be the same change.
    const firstById = new Map<string, SegmentChangeMessage>();
    for (const { value } of messages) {
      const seen = firstById.get(value.changeId);
      if (seen === undefined) firstById.set(value.changeId, value);
      else expect(value).toEqual(seen);
    }
    expect(new Set(viewIds)).toEqual(new Set(firstById.keys()));

    // Per customer: the topic's order is seq order 1, 2, 3 …, the view sorted by seq is the same
    // list, and each change starts from the segment the previous one ended in.
    const topicByCustomer = new Map<string, SegmentChangeMessage[]>();
    for (const c of firstById.values()) {
      const list = topicByCustomer.get(c.customerId) ?? [];
      list.push(c);
      topicByCustomer.set(c.customerId, list);
    }
    const viewByCustomer = new Map<string, ChangeRow[]>();
    for (const r of recorded) {
      const list = viewByCustomer.get(r.customer_id) ?? [];
      list.push(r);
      viewByCustomer.set(r.customer_id, list);
    }
    expect(new Set(viewByCustomer.keys())).toEqual(new Set(topicByCustomer.keys()));
    const problems: string[] = [];
    for (const [customer, changes] of topicByCustomer) {
      const seqs = changes.map((c) => c.seq);
      if (seqs.some((s, i) => s !== i + 1)) problems.push(`${customer}: topic order ${seqs.join(',')}`);
      if (changes[0]!.fromSegment !== null) problems.push(`${customer}: first change from ${changes[0]!.fromSegment}`);
      for (let i = 1; i < changes.length; i++) {
        if (changes[i]!.fromSegment !== changes[i - 1]!.toSegment) {
          problems.push(
            `${customer}:${changes[i]!.seq} from ${changes[i]!.fromSegment}, before ended in ${changes[i - 1]!.toSegment}`,
          );
        }
      }
      const inView = [...(viewByCustomer.get(customer) ?? [])].sort((a, b) => a.seq - b.seq);
      const asTopic = inView.map((r) => ({
        changeId: r.change_id,
        fromSegment: r.from_segment === 0 ? null : r.from_segment,
        toSegment: r.to_segment === 0 ? null : r.to_segment,
        reason: r.reason,
        modelVersion: r.model_version,
        at: `${r.at.replace(' ', 'T')}.000Z`,
      }));
      const expected = changes.map((c) => ({
        changeId: c.changeId,
        fromSegment: c.fromSegment,
        toSegment: c.toSegment,
        reason: c.reason,
        modelVersion: c.modelVersion,
        at: c.at,
      }));
      if (JSON.stringify(asTopic) !== JSON.stringify(expected)) {
        problems.push(`${customer}: view ${JSON.stringify(asTopic)} != topic ${JSON.stringify(expected)}`);
      }
    }
    expect(problems.slice(0, 10)).toEqual([]);
    expect([...topicByCustomer.values()].some((c) => c.length >= 3)).toBe(true);

    // And Redis counted the same number of changes per customer (sc).
    const sample = [...topicByCustomer.keys()].slice(0, 500);
    const reads = pipeline.redis.pipeline();
    for (const id of sample) reads.hget(pipeline.keys.customer(id), 'sc');
    const counts = ((await reads.exec()) ?? []).map(([, v]) => Number(v));
    expect(counts).toEqual(sample.map((id) => topicByCustomer.get(id)!.length));
  });
});
