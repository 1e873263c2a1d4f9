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
//
// Retry by kind (isRetryable): a server unavailable (Redis, Kafka) is retried with backoff while
// the partition waits. A deterministic failure is never retried for ever: when it belongs to one
// message it dead-letters that message (reason `internal`; decoding is contained the same way in
// prepare-batch.ts), and when it is the system's — no event of a slice can be applied and the
// events are several customers' or Redis refuses any script (see refusalIsSystemic), a dead letter
// cannot be sent even bare — the consumer fails for good as above.
import type { Consumer, EachBatchPayload, Kafka, Producer } from 'kafkajs';
import type { Config } from '../config.js';
import { ConsumerFailedError, InsidersError, isRetryable } from '../errors.js';
import { EARLIEST_EVENT_MS, MAX_FUTURE_MS } from '../events/decode.js';
import type { BusinessRules } from '../features/filters.js';
import { consumerRetry, createProducer, ensureTopics } from '../infra/kafka.js';
import type { Logger } from '../log.js';
import { RetryAbandoned, retryUntilDone } from '../retry.js';
import type { SegmentAssigner } from '../segmentation/assigner.js';
import { contentDigest, type BatchResult, type StateStore } from '../state/state-store.js';
import { bareDeadLetter, deadLetter, errorDetail, type DeadLetter, type Source } from './dead-letter.js';
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
  /** events whose id was applied before with other content; dead-lettered (among deadLettered) */
  readonly conflicts: number;
  readonly deadLettered: number;
  readonly ms: number;
}

/** A partition's progress: how long it has had messages pending without an offset committed. */
export interface PartitionProgress {
  readonly topic: string;
  readonly partition: number;
  /** seconds since its last commit while messages of it were pending; 0 when none are */
  readonly secondsSinceCommit: number;
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
  conflicts: number;
  deadLettered: number;
}

type Retry = Parameters<typeof retryUntilDone>[1];

/**
 * The partitions that have had messages pending without a commit for longer than `stallSeconds`,
 * in a sentence for readiness; undefined when there are none.
 */
export function stalledPartitions(progress: readonly PartitionProgress[], stallSeconds: number): string | undefined {
  const stalled = progress.filter((p) => p.secondsSinceCommit > stallSeconds);
  if (stalled.length === 0) return undefined;
  const list = stalled.map((p) => `${p.topic}:${p.partition} (${Math.round(p.secondsSinceCommit)} s)`).join(', ');
  return `no offset committed for over ${stallSeconds} s with messages pending: ${list}`;
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
    conflicts: 0,
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
  /**
   * per "topic:partition": the offset this member last committed, in its current membership only.
   * kafkajs' commitOffsets resolves without committing anything when its runner is not running (a
   * crash it restarts from): such a "commit" must not count, or the offset it claims, delivered
   * again after the restart and resolved to the same value, would never be committed at all.
   */
  private readonly committed = new Map<string, string>();
  /** counts the group joins: a commit made in an earlier membership is not trusted (see committed) */
  private membership = 0;
  /**
   * per "topic:partition" with messages pending (fetched, or resolved and not yet committed): since
   * when, epoch ms (the later of its last commit and the moment it had work again)
   */
  private readonly pendingSince = new Map<string, { topic: string; partition: number; sinceMs: number }>();
  /** per "topic:partition": batches being handled */
  private readonly handling = new Map<string, number>();
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
      sessionTimeout: options.config.kafka.sessionTimeoutMs,
      // a third of the session at most, so that one lost heartbeat never ends it
      heartbeatInterval: Math.min(3_000, Math.floor(options.config.kafka.sessionTimeoutMs / 3)),
      retry: consumerRetry(options.config.kafka),
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
    // After a rebalance, forget offsets of partitions this member no longer owns (their new owner
    // commits them), and after any join what this member committed before: the next checkpoint
    // commits every resolved offset again, which costs one request and is harmless when it was in.
    this.consumer.on(this.consumer.events.GROUP_JOIN, ({ payload }) => {
      this.membership++;
      this.committed.clear();
      const owned = new Set(
        Object.entries(payload.memberAssignment).flatMap(([topic, partitions]) =>
          partitions.map((p) => `${topic}:${p}`),
        ),
      );
      for (const key of this.resolved.keys()) if (!owned.has(key)) this.resolved.delete(key);
      for (const key of this.pendingSince.keys()) if (!owned.has(key)) this.pendingSince.delete(key);
    });
    // Listened to before run(): a crash while joining the group happens inside run(). kafkajs
    // logs every crash itself ("Crash: ...", "Restarting the consumer ..."); the owner logs a
    // failure for good.
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
      if (payload.restart) return;
      this.fail(payload.error);
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

  /** The consumer stops for good (see the failure contract): `failed` resolves with the cause. */
  private fail(cause: unknown): void {
    if (this.failure !== undefined) return;
    this.failure = new ConsumerFailedError(this.options.config.kafka.consumerGroup, cause);
    this.stopping = true;
    clearInterval(this.checkpointTimer);
    this.reportFailure(this.failure);
  }

  /** Every partition this member has seen, with how long it has waited for a commit (for metrics and readiness). */
  partitionProgress(nowMs: number = Date.now()): PartitionProgress[] {
    return [...this.pendingSince.values()].map((p) => ({
      topic: p.topic,
      partition: p.partition,
      secondsSinceCommit: p.sinceMs === 0 ? 0 : Math.max(0, (nowMs - p.sinceMs) / 1000),
    }));
  }

  /** After a commit of `key`: its clock restarts when it still has work, else it has none pending. */
  private committedNow(key: string): void {
    const p = this.pendingSince.get(key);
    if (p !== undefined) p.sinceMs = (this.handling.get(key) ?? 0) > 0 ? Date.now() : 0;
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
      const membership = this.membership;
      await this.consumer.commitOffsets(due.map(([, o]) => o));
      if (membership !== this.membership) return; // the group was joined again meanwhile: commit again
      for (const [key, o] of due) {
        this.committed.set(key, o.offset);
        this.committedNow(key);
      }
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
    const key = `${batch.topic}:${batch.partition}`;
    this.handling.set(key, (this.handling.get(key) ?? 0) + 1);
    const pending = this.pendingSince.get(key);
    if (pending === undefined)
      this.pendingSince.set(key, { topic: batch.topic, partition: batch.partition, sinceMs: Date.now() });
    else if (pending.sinceMs === 0) pending.sinceMs = Date.now();
    try {
      await this.applyMessages(payload);
    } catch (err) {
      // The partition was taken away or the consumer is stopping: leave the offsets where they
      // are; whoever owns the partition next replays these messages.
      if (err instanceof RetryAbandoned) return;
      // Deterministic, and not one message's (those are dead-lettered): retrying cannot help.
      this.log.error({ err, topic: batch.topic, partition: batch.partition }, 'batch failed for good');
      this.fail(err);
    } finally {
      this.handling.set(key, (this.handling.get(key) ?? 1) - 1);
    }
  }

  private async applyMessages(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
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
    const retry: Retry = {
      initialDelayMs: 100,
      maxDelayMs: 5_000,
      shouldStop: () => this.stopping || !payload.isRunning() || payload.isStale(),
      onFailure: async (err: unknown, attempt: number, delayMs: number) => {
        this.log.warn({ err, attempt, delayMs, ...source }, 'batch write failed; retrying, offsets held');
        await payload.heartbeat().catch(() => undefined);
      },
    };
    const rejected = slices.flatMap((s) => s.prepared.deadLetters);
    await this.sendDeadLetters(rejected, retry);
    // What the slices came to: Redis' answers, and what decoding counted. Events Redis answered
    // with a conflict, or refused alone, are dead-lettered after the writes.
    const sum = { applied: 0, duplicates: 0, erased: 0, valid: 0, ignored: 0, guests: 0, conflicts: 0 };
    const refused: DeadLetter[] = [];
    let watermarkMs: number | undefined;
    for (const { prepared, write } of slices) {
      const result = await this.settleSlice(prepared, write, retry, source, refused, decodeOptions.wallClockMs);
      sum.applied += result.applied;
      sum.duplicates += result.duplicates;
      sum.erased += result.erased;
      sum.conflicts += result.conflicts.length;
      sum.valid += prepared.counts.valid;
      sum.ignored += prepared.counts.ignored;
      sum.guests += prepared.counts.guests;
      if (result.watermarkMs !== undefined)
        watermarkMs = Math.max(watermarkMs ?? result.watermarkMs, result.watermarkMs);
    }
    await this.sendDeadLetters(refused, retry);
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
    // Best effort: the batch's effects are durable and its offset resolved. When the group moved on
    // while it ran (the member was expelled after a stall longer than the session, or a rebalance
    // began), kafkajs rejoins by itself at its next fetch; failing the consumer here would stop a
    // service that has lost nothing.
    await payload
      .heartbeat()
      .catch((err: unknown) =>
        this.log.warn({ err, ...source }, 'heartbeat after a batch failed; kafkajs rejoins the group if it moved on'),
      );

    const deadLettered = rejected.length + refused.length;
    const t = this.totals;
    t.batches++;
    t.valid += sum.valid;
    t.applied += sum.applied;
    t.duplicates += sum.duplicates;
    t.erased += sum.erased;
    t.ignored += sum.ignored;
    t.guests += sum.guests;
    t.conflicts += sum.conflicts;
    t.deadLettered += deadLettered;
    const report: BatchReport = {
      ...source,
      messages: batch.messages.length,
      applied: sum.applied,
      duplicates: sum.duplicates,
      ignored: sum.ignored,
      guests: sum.guests,
      conflicts: sum.conflicts,
      deadLettered,
      ms: performance.now() - started,
    };
    this.options.onBatch?.(report);
    this.log.info({ ...report, watermarkMs, ms: Math.round(report.ms) }, 'batch applied');
  }

  /**
   * Waits for a slice's write; retries it while Redis is unavailable. When Redis refuses it
   * (deterministically), applies its events one at a time: an event refused alone is dead-lettered
   * (`internal`), unless the refusal is the system's (refusalIsSystemic), which is thrown.
   * Conflicts are dead-lettered too. Dead letters go to `refused`.
   */
  private async settleSlice(
    prepared: PreparedBatch,
    write: Promise<BatchResult>,
    retry: Retry,
    source: Source,
    refused: DeadLetter[],
    atMs: number,
  ): Promise<BatchResult> {
    const apply = () => this.options.store.applyBatch(prepared.changes, prepared.watermarkCandidateMs);
    let result: BatchResult;
    try {
      result = await write.catch((err: unknown) => {
        if (!isRetryable(err)) throw err;
        this.log.warn({ err, ...source }, 'batch write failed; retrying, offsets held');
        return retryUntilDone(apply, retry);
      });
    } catch (err) {
      if (err instanceof RetryAbandoned) throw err;
      result = await this.applyOneByOne(prepared, err, retry, source, refused, atMs);
    }
    for (const i of result.conflicts) {
      const change = prepared.changes[i];
      const message = prepared.changeMessages[i];
      if (change === undefined || message === undefined) continue;
      const who = change.customerId === null ? 'among guest events' : `for customer ${change.customerId}`;
      const detail = `eventId ${change.event.eventId} was applied before ${who} with other content; this one's content digest is ${contentDigest(change.event)}`;
      this.log.warn({ ...source, offset: message.offset, eventId: change.event.eventId, detail }, 'event conflict');
      refused.push(deadLetter(message, source, { reason: 'conflict', detail }, atMs));
    }
    return result;
  }

  private async applyOneByOne(
    prepared: PreparedBatch,
    refusal: unknown,
    retry: Retry,
    source: Source,
    refused: DeadLetter[],
    atMs: number,
  ): Promise<BatchResult> {
    const { changes, changeMessages } = prepared;
    this.log.error(
      { err: refusal, ...source, events: changes.length },
      'redis refused a write; applying its events one at a time',
    );
    let applied = 0;
    let duplicates = 0;
    let erased = 0;
    const conflicts: number[] = [];
    const failed: { index: number; err: unknown }[] = [];
    for (const [index, change] of changes.entries()) {
      try {
        const r = await retryUntilDone(() => this.options.store.applyBatch([change], undefined), retry);
        applied += r.applied;
        duplicates += r.duplicates;
        erased += r.erased;
        if (r.conflicts.length > 0) conflicts.push(index);
      } catch (err) {
        if (err instanceof RetryAbandoned) throw err;
        failed.push({ index, err });
      }
    }
    if (failed.length === changes.length && (await this.refusalIsSystemic(prepared, retry))) {
      throw new InsidersError('STATE_WRITE_FAILED', 'redis refuses every event of a slice', {
        cause: failed[0]?.err ?? refusal,
      });
    }
    for (const { index, err } of failed) {
      const message = changeMessages[index]!;
      this.log.error({ err, ...source, offset: message.offset }, 'event refused by redis; dead-lettered');
      refused.push(deadLetter(message, source, { reason: 'internal', detail: errorDetail(err) }, atMs));
    }
    const { watermarkMs } = await retryUntilDone(
      () => this.options.store.applyBatch([], prepared.watermarkCandidateMs),
      retry,
    );
    return { applied, duplicates, conflicts, erased, watermarkMs };
  }

  /**
   * When Redis refused every event of a slice: is that the system's failure rather than the
   * events' own? It is when the events belong to more than one customer (a customer's corrupt
   * state touches only that customer; a broken script or a refused permission touches everyone),
   * or when Redis refuses a script call that touches no event (the watermark's) as well.
   */
  private async refusalIsSystemic(prepared: PreparedBatch, retry: Retry): Promise<boolean> {
    const { changes, watermarkCandidateMs } = prepared;
    if (changes.length === 0 || watermarkCandidateMs === undefined) return true;
    if (new Set(changes.map((c) => c.customerId)).size > 1) return true;
    try {
      await retryUntilDone(() => this.options.store.applyBatch([], watermarkCandidateMs), retry);
      return false;
    } catch (err) {
      if (err instanceof RetryAbandoned) throw err;
      return true;
    }
  }

  /**
   * Sends dead letters, retried while Kafka is unavailable. Should the broker refuse them
   * (deterministically), they are sent one by one, and one refused alone goes bare (see
   * bareDeadLetter); a bare one refused too is the system's failure and is thrown.
   */
  private async sendDeadLetters(deadLetters: readonly DeadLetter[], retry: Retry): Promise<void> {
    if (deadLetters.length === 0) return;
    const send = (messages: DeadLetter[]) =>
      this.producer.send({ topic: this.options.config.kafka.deadLetterTopic, acks: -1, messages });
    try {
      await retryUntilDone(() => send([...deadLetters]), retry);
      return;
    } catch (err) {
      if (err instanceof RetryAbandoned) throw err;
      this.log.error({ err, count: deadLetters.length }, 'dead letters refused; sending them one at a time');
    }
    for (const dl of deadLetters) {
      try {
        await retryUntilDone(() => send([dl]), retry);
      } catch (err) {
        if (err instanceof RetryAbandoned) throw err;
        this.log.error({ err, offset: dl.headers['dlq-source-offset'] }, 'dead letter refused; sending it bare');
        await retryUntilDone(() => send([bareDeadLetter(dl, err)]), retry);
      }
    }
  }

  private async placeChangedCustomers(changes: readonly { customerId: string | null }[]): Promise<void> {
    const { assigner, store } = this.options;
    if (assigner?.currentModel === undefined) return;
    const ids = [...new Set(changes.flatMap((c) => (c.customerId === null ? [] : [c.customerId])))];
    const nowMs = await store.now(this.options.clock ?? 'watermark');
    await assigner.assign(await store.placementStates(ids, nowMs), nowMs, 'event');
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
