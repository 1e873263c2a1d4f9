// Consumes checkout events from the orders topic into customer state in Redis.
//
// Delivery contract: an offset is resolved only after everything its message caused is durable —
// its dead letter acknowledged by Kafka, or its state change applied in Redis. A failure of either
// is retried with backoff while the partition waits (no offset moves); a crash replays from the
// last committed offset, and the idempotent Lua scripts make the replay change nothing twice.
// Results written through buffered sinks (ClickHouse) are made durable by `beforeCommit`, which
// every checkpoint runs before it commits the offsets resolved so far: a commit never gets ahead of
// the results of the messages it covers.
//
// Failure contract: when kafkajs crashes on an error it retries (a broker away too long), it
// restarts the consumer itself and nothing changes here. When it crashes on one it does not retry
// (an authorization refused), it has disconnected the consumer for good: `failed` resolves, and
// the owner decides what becomes of the process (the service shuts down and exits non-zero).
import type { Consumer, EachBatchPayload, Kafka, Producer } from 'kafkajs';
import type { Config } from '../config.js';
import { ConsumerFailedError } from '../errors.js';
import { EARLIEST_EVENT_MS, MAX_FUTURE_MS } from '../events/decode.js';
import type { BusinessRules } from '../features/filters.js';
import { createProducer, ensureTopics } from '../infra/kafka.js';
import type { Logger } from '../log.js';
import { RetryAbandoned, retryUntilDone } from '../retry.js';
import type { SegmentAssigner } from '../segmentation/assigner.js';
import type { BatchResult, StateStore } from '../state/state-store.js';
import { prepareBatch, type PreparedBatch } from './prepare-batch.js';

export interface OrderConsumerOptions {
  readonly kafka: Kafka;
  readonly store: StateStore;
  readonly config: Pick<Config, 'kafka' | 'events'>;
  readonly rules: BusinessRules;
  readonly logger: Logger;
  /** wall clock, epoch ms: only used to reject events dated absurdly far ahead */
  readonly wallClock?: () => number;
  /**
   * When given, every customer an event changed is placed in a segment right after the write
   * (reason "event"), as soon as a model is loaded.
   */
  readonly assigner?: SegmentAssigner;
  readonly clock?: 'watermark' | 'wall';
  /** makes buffered results durable (the sinks' flush); runs before every offset commit */
  readonly beforeCommit?: () => Promise<void>;
  /** told about every batch applied, for metrics */
  readonly onBatch?: (report: BatchReport) => void;
  /** how often resolved offsets are committed, ms (default 1000) */
  readonly commitIntervalMs?: number;
}

/** One applied batch: what its messages came to and how long it took (decode to resolved offset). */
export interface BatchReport {
  readonly topic: string;
  readonly partition: number;
  readonly messages: number;
  readonly applied: number;
  readonly duplicates: number;
  readonly ignored: number;
  readonly guests: number;
  readonly deadLettered: number;
  readonly ms: number;
}

export interface ConsumerTotals {
  batches: number;
  valid: number;
  applied: number;
  duplicates: number;
  /** events of erased customers, dropped */
  erased: number;
  ignored: number;
  guests: number;
  deadLettered: number;
}

/**
 * How the consumer fetches. kafkajs fetches again only once every batch of the last fetch is
 * handled, so fetch and handling alternate: large fetches (KAFKA_FETCH_BYTES per partition, 4 MiB
 * by default, up to 6 partitions' worth) make that alternation rare under load, and cost nothing
 * when traffic is light (a fetch returns as soon as any message is there). bench/ingest measured
 * 1 MiB against 4 MiB (docs/benchmarks.md). A partition's fetch always has room for one event of
 * the largest accepted size.
 */
export function fetchSettings(config: Pick<Config, 'kafka' | 'events'>): {
  readonly maxBytesPerPartition: number;
  readonly maxBytes: number;
  readonly partitionsConcurrently: number;
} {
  const maxBytesPerPartition = Math.max(config.kafka.fetchBytesPerPartition, config.events.maxBytes + 64 * 1024);
  const partitionsConcurrently = Math.min(Math.max(config.kafka.ordersPartitions, 1), 6);
  return { maxBytesPerPartition, maxBytes: maxBytesPerPartition * 6, partitionsConcurrently };
}

/**
 * Messages decoded before their writes go to Redis: small enough that Redis starts early and
 * decoding the next slice overlaps it, large enough that a slice is one efficient round trip.
 */
const MESSAGES_PER_SLICE = 500;

export class OrderConsumer {
  readonly totals: ConsumerTotals = {
    batches: 0,
    valid: 0,
    applied: 0,
    duplicates: 0,
    erased: 0,
    ignored: 0,
    guests: 0,
    deadLettered: 0,
  };
  private readonly consumer: Consumer;
  private readonly fetch: ReturnType<typeof fetchSettings>;
  private readonly producer: Producer;
  private readonly log: Logger;
  private readonly wallClock: () => number;
  private closing: Promise<void> | undefined;
  private stopping = false;
  private readonly inFlight = new Set<Promise<void>>();
  /** per "topic:partition": the next offset to read, once every message before it is done */
  private readonly resolved = new Map<string, { topic: string; partition: number; offset: string }>();
  private readonly committed = new Map<string, string>();
  private checkpointing: Promise<void> | undefined;
  private checkpointTimer: NodeJS.Timeout | undefined;
  private started = false;
  /** set when kafkajs gave up on the consumer for good */
  private failure: ConsumerFailedError | undefined;
  private reportFailure: (failure: ConsumerFailedError) => void = () => undefined;
  /**
   * Resolves once the consumer has stopped for good: kafkajs crashed on an error it does not
   * retry and will not restart it (it has disconnected the consumer). Never settles otherwise;
   * never rejects. The owner should close() this consumer and stop what depends on it.
   */
  readonly failed: Promise<ConsumerFailedError> = new Promise((resolve) => (this.reportFailure = resolve));

  constructor(private readonly options: OrderConsumerOptions) {
    this.fetch = fetchSettings(options.config);
    this.consumer = options.kafka.consumer({
      groupId: options.config.kafka.consumerGroup,
      maxBytesPerPartition: this.fetch.maxBytesPerPartition,
      maxBytes: this.fetch.maxBytes,
      sessionTimeout: 30_000,
      heartbeatInterval: 3_000,
    });
    this.producer = createProducer(options.kafka);
    this.log = options.logger.child({ component: 'order-consumer' });
    this.wallClock = options.wallClock ?? Date.now;
  }

  /** Creates the topics if absent and starts consuming; resolves once the consumer runs. */
  async start(): Promise<void> {
    const { kafka: k } = this.options.config;
    const admin = this.options.kafka.admin();
    await admin.connect();
    try {
      await ensureTopics(admin, [
        { topic: k.ordersTopic, numPartitions: k.ordersPartitions },
        { topic: k.deadLetterTopic, numPartitions: 1 },
      ]);
    } finally {
      await admin.disconnect();
    }
    await this.producer.connect();
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: k.ordersTopic, fromBeginning: true });
    // After a rebalance, forget offsets of partitions this member no longer owns: their new owner
    // commits them.
    this.consumer.on(this.consumer.events.GROUP_JOIN, ({ payload }) => {
      const owned = new Set(
        Object.entries(payload.memberAssignment).flatMap(([topic, partitions]) =>
          partitions.map((p) => `${topic}:${p}`),
        ),
      );
      for (const key of this.resolved.keys()) if (!owned.has(key)) this.resolved.delete(key);
    });
    // Listened to before run(): a crash while joining the group happens inside run(). kafkajs
    // logs every crash itself ("Crash: ...", "Restarting the consumer ..."); the owner logs a
    // failure for good.
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
      if (payload.restart || this.failure !== undefined) return;
      this.failure = new ConsumerFailedError(payload.groupId, payload.error);
      clearInterval(this.checkpointTimer);
      this.reportFailure(this.failure);
    });
    await this.consumer.run({
      // Offsets are committed by checkpoint(), after the sinks are flushed, never by kafkajs itself.
      autoCommit: false,
      eachBatchAutoResolve: false,
      // Several partitions' batches at once: one decodes while another's pipeline runs in Redis.
      // Each partition's batches still run one after the other, in offset order.
      partitionsConsumedConcurrently: this.fetch.partitionsConcurrently,
      eachBatch: (payload) => this.track(this.handleBatch(payload)),
    });
    this.started = true;
    if (this.failure !== undefined) return; // crashed while joining: nothing to checkpoint
    this.checkpointTimer = setInterval(() => {
      this.checkpoint().catch((err: unknown) =>
        this.log.warn({ err }, 'offset commit failed; retrying at the next checkpoint'),
      );
    }, this.options.commitIntervalMs ?? 1000);
    this.checkpointTimer.unref();
    this.log.info({ topic: k.ordersTopic, group: k.consumerGroup }, 'consuming');
  }

  private track(batch: Promise<void>): Promise<void> {
    this.inFlight.add(batch);
    return batch.finally(() => this.inFlight.delete(batch));
  }

  /**
   * Makes the results of every resolved message durable (beforeCommit), then commits their
   * offsets. One at a time; a call while one runs waits for it.
   */
  private checkpoint(): Promise<void> {
    this.checkpointing ??= (async () => {
      const due = [...this.resolved.entries()].filter(([key, o]) => this.committed.get(key) !== o.offset);
      if (due.length === 0) return;
      await this.options.beforeCommit?.();
      await this.consumer.commitOffsets(due.map(([, o]) => o));
      for (const [key, o] of due) this.committed.set(key, o.offset);
    })().finally(() => (this.checkpointing = undefined));
    return this.checkpointing;
  }

  /** After a failure for good: says which resolved offsets are left uncommitted. */
  private uncommitted(): Promise<void> {
    const left = [...this.resolved.entries()].filter(([key, o]) => this.committed.get(key) !== o.offset);
    if (left.length > 0) {
      this.log.warn(
        { partitions: left.map(([key, o]) => ({ partition: key, offset: o.offset })) },
        'offsets left uncommitted: the consumer failed; their messages are consumed again',
      );
    }
    return Promise.resolve();
  }

  private async handleBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    // Stopping: leave these messages to whoever consumes the partition next.
    if (batch.messages.length === 0 || this.stopping) return;
    const started = performance.now();
    const source = { topic: batch.topic, partition: batch.partition };
    const decodeOptions = {
      maxBytes: this.options.config.events.maxBytes,
      currency: this.options.config.events.currency,
      earliestMs: EARLIEST_EVENT_MS,
      maxFutureMs: MAX_FUTURE_MS,
      wallClockMs: this.wallClock(),
    };
    // Decoded and written a slice at a time: while Redis applies one slice's writes, the next
    // slice is decoded. A slice whose first write fails is retried on its own below (the state
    // does not depend on the order events are applied in, and applying one twice changes nothing).
    const slices: { prepared: PreparedBatch; write: Promise<BatchResult> }[] = [];
    for (let from = 0; from < batch.messages.length; from += MESSAGES_PER_SLICE) {
      const messages = batch.messages.slice(from, from + MESSAGES_PER_SLICE);
      const prepared = prepareBatch(messages, source, decodeOptions, this.options.rules);
      const write = this.options.store.applyBatch(prepared.changes, prepared.watermarkCandidateMs);
      write.catch(() => undefined); // settled below, with a retry when it failed
      slices.push({ prepared, write });
    }
    const retry = {
      initialDelayMs: 100,
      maxDelayMs: 5_000,
      shouldStop: () => this.stopping || !payload.isRunning() || payload.isStale(),
      onFailure: async (err: unknown, attempt: number, delayMs: number) => {
        this.log.warn({ err, attempt, delayMs, ...source }, 'batch write failed; retrying, offsets held');
        await payload.heartbeat().catch(() => undefined);
      },
    };
    try {
      const deadLetters = slices.flatMap((s) => s.prepared.deadLetters);
      if (deadLetters.length > 0) {
        await retryUntilDone(
          () =>
            this.producer.send({
              topic: this.options.config.kafka.deadLetterTopic,
              acks: -1,
              messages: deadLetters,
            }),
          retry,
        );
      }
      // What the slices came to: Redis' answers, and what decoding counted.
      const sum = { applied: 0, duplicates: 0, erased: 0, valid: 0, ignored: 0, guests: 0 };
      let watermarkMs: number | undefined;
      for (const { prepared, write } of slices) {
        let result: BatchResult;
        try {
          result = await write;
        } catch (err) {
          this.log.warn({ err, ...source }, 'batch write failed; retrying, offsets held');
          result = await retryUntilDone(
            () => this.options.store.applyBatch(prepared.changes, prepared.watermarkCandidateMs),
            retry,
          );
        }
        sum.applied += result.applied;
        sum.duplicates += result.duplicates;
        sum.erased += result.erased;
        sum.valid += prepared.counts.valid;
        sum.ignored += prepared.counts.ignored;
        sum.guests += prepared.counts.guests;
        if (result.watermarkMs !== undefined)
          watermarkMs = Math.max(watermarkMs ?? result.watermarkMs, result.watermarkMs);
      }
      const changes = slices.flatMap((s) => s.prepared.changes);
      await retryUntilDone(() => this.placeChangedCustomers(changes), retry);
      const lastOffset = batch.messages[batch.messages.length - 1]?.offset;
      if (lastOffset !== undefined) {
        payload.resolveOffset(lastOffset);
        this.resolved.set(`${batch.topic}:${batch.partition}`, {
          ...source,
          offset: (BigInt(lastOffset) + 1n).toString(),
        });
      }
      await payload.heartbeat();

      const t = this.totals;
      t.batches++;
      t.valid += sum.valid;
      t.applied += sum.applied;
      t.duplicates += sum.duplicates;
      t.erased += sum.erased;
      t.ignored += sum.ignored;
      t.guests += sum.guests;
      t.deadLettered += deadLetters.length;
      const report: BatchReport = {
        ...source,
        messages: batch.messages.length,
        applied: sum.applied,
        duplicates: sum.duplicates,
        ignored: sum.ignored,
        guests: sum.guests,
        deadLettered: deadLetters.length,
        ms: performance.now() - started,
      };
      this.options.onBatch?.(report);
      this.log.info({ ...report, watermarkMs, ms: Math.round(report.ms) }, 'batch applied');
    } catch (err) {
      // The partition was taken away or the consumer is stopping: leave the offsets where they
      // are; whoever owns the partition next replays these messages.
      if (err instanceof RetryAbandoned) return;
      throw err;
    }
  }

  private async placeChangedCustomers(changes: readonly { customerId: string | null }[]): Promise<void> {
    const { assigner, store } = this.options;
    if (assigner?.currentModel === undefined) return;
    const ids = [...new Set(changes.flatMap((c) => (c.customerId === null ? [] : [c.customerId])))];
    const states = await store.customersById(ids);
    await assigner.assign(states, await store.now(this.options.clock ?? 'watermark'), 'event');
  }

  /**
   * Stops fetching, lets the in-flight batches finish, flushes the sinks and commits (one last
   * checkpoint), then disconnects. Every step runs even if one before it failed. Idempotent.
   * After a failure for good there is no group left to commit to: the messages resolved since
   * the last commit are consumed again by the group's next member (which changes nothing twice).
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.stopping = true;
      clearInterval(this.checkpointTimer);
      const errors: unknown[] = [];
      for (const step of [
        () => {
          if (this.started && this.failure === undefined) {
            this.consumer.pause([{ topic: this.options.config.kafka.ordersTopic }]);
          }
          return Promise.resolve();
        },
        () => Promise.allSettled([...this.inFlight]),
        () => (this.failure === undefined ? this.checkpoint() : this.uncommitted()),
        () => this.consumer.disconnect(),
        () => this.producer.disconnect(),
      ]) {
        try {
          await step();
        } catch (err) {
          errors.push(err);
        }
      }
      if (errors.length > 0) throw new AggregateError(errors, 'order consumer did not close cleanly');
    })();
    return this.closing;
  }
}
