// The Redis side of customer state: applies batches of events with the Lua scripts in ./lua, keeps
// each customer's segment and due time, and reads state back. Every call touches one shard (one
// hash slot, see keys.ts): a batch goes out as one pipeline per shard, so it runs on Redis Cluster.
// Idempotent: every event is applied at most once, keyed by a digest of its eventId within its
// customer's hash (guests: within their shard's guest events), so at-least-once delivery from
// Kafka counts each event exactly once. The identity of an event is (customerId, eventId).
import { hash } from 'node:crypto';
import type { Result } from 'ioredis';
import type { Config } from '../config.js';
import type { RedisClient } from '../infra/redis.js';
import type { AcceptedEvent, EventLine } from '../events/decode.js';
import { InsidersError, isRetryable } from '../errors.js';
import { productWindowOfDays } from '../features/features.js';
import {
  decodeCustomerState,
  decodePlacementStates,
  type CustomerState,
  type PlacementState,
} from './customer-state.js';
import { STATE_LAYOUT, stateKeys, type ShardKeys, type StateKeys } from './keys.js';
import { defineScripts, readScripts } from './scripts.js';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    /** numberOfKeys, keys..., args...: see apply-events.lua */
    applyEvents(numberOfKeysKeysAndArgs: readonly string[]): Result<string, Context>;
    advanceWatermark(key: string, candidateMs: number): Result<string, Context>;
    forgetCustomer(
      key: string,
      dueKey: string,
      outboxKey: string,
      sizesKey: string,
      marksKey: string,
      atMs: number,
      customerId: string,
    ): Result<[number, number], Context>;
    /** numberOfKeys, keys..., args...: see set-segments.lua */
    setSegments(numberOfKeysKeysAndArgs: readonly string[]): Result<(string | number)[], Context>;
    /** numberOfKeys, keys..., args...: see read-placement.lua */
    readPlacement(numberOfKeysKeysAndArgs: readonly string[]): Result<string, Context>;
  }
}

/** An event after the business rules: the customer it belongs to (null: a guest) and its product lines. */
export interface StateChange {
  readonly event: AcceptedEvent;
  readonly customerId: string | null;
  readonly lines: readonly EventLine[];
}

export interface BatchResult {
  readonly applied: number;
  readonly duplicates: number;
  /**
   * indexes into the changes of the events whose id was applied before for their customer (or
   * among guest events) with other content: nothing written
   */
  readonly conflicts: readonly number[];
  /** events of erased customers, dropped (see forget) */
  readonly erased: number;
  readonly watermarkMs: number | undefined;
}

export interface GuestStats {
  readonly orders: number;
  readonly items: number;
  readonly revenueMills: number;
  readonly returns: number;
  readonly returnedItems: number;
  readonly returnedMills: number;
}

/** A customer's segment and next due time, as a placement pass decided them. */
export interface SegmentRecord {
  readonly customerId: string;
  /** null: the model places them nowhere */
  readonly segmentId: number | null;
  /** epoch ms (event time), or Infinity */
  readonly dueMs: number;
  readonly reason: string;
}

/** What set-segments.lua answered for one customer. */
export interface SegmentOutcome {
  /** 1 changed, 0 unchanged, -1 no such customer (never seen or erased) */
  readonly changed: 1 | 0 | -1;
  readonly previous: string;
  readonly seq: number;
}

/** An entry of a shard's outbox: the changes one set-segments.lua call recorded, until published. */
export interface OutboxEntry {
  readonly shard: number;
  readonly id: number;
}

/** An outbox entry read back: its changes, each "<customerId>|<seq>|<from>|<to>|<version>|<reason>|<at>". */
export interface StoredOutboxEntry extends OutboxEntry {
  /** when it was written, wall ms */
  readonly wallMs: number;
  readonly changes: readonly string[];
}

export interface StoreOptions {
  readonly keyPrefix: string;
  readonly windowDays: number;
  /** the shard count; undefined: the stored state's, or `newStateShards` for a new state */
  readonly shards?: number | undefined;
  readonly newStateShards?: number;
}

/**
 * The store's settings from the service configuration: STATE_SHARDS, or else the shard count the
 * state was written with, or else (a new state) one shard per partition of the orders topic.
 */
export function storeOptions(config: Pick<Config, 'redis' | 'state' | 'kafka'>): StoreOptions {
  return {
    keyPrefix: config.redis.keyPrefix,
    windowDays: config.state.windowDays,
    shards: config.state.shards,
    newStateShards: config.kafka.ordersPartitions,
  };
}

/** 96 bits of the eventId's SHA-256: collisions among one customer's events are out of reach. */
export function eventDigest(eventId: string): string {
  return hash('sha256', eventId, 'base64url').slice(0, 16);
}

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** The two lanes of contentDigest: FNV-1a's step, and a multiply-xor-shift with murmur2's constant. */
const laneA = (h: number, x: number): number => Math.imul(h ^ x, 0x01000193);
const laneB = (h: number, x: number): number => {
  const m = Math.imul(h ^ x, 0x5bd1e995);
  return m ^ (m >>> 15);
};

/** murmur3's 32-bit finaliser: every input bit reaches every output bit. */
function fmix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * A 48-bit digest of what an event says (kind, instant, lines as sent: stock code, units, price),
 * in 8 base64url characters: the value of its dedupe field, so that the same id re-sent with other
 * content is told from a duplicate (a conflict) at the cost of one string compare in Redis. Two
 * 32-bit multiply-xor lanes over the numbers and the stock codes' characters, without building a
 * string: on 20-line orders, measured alternating in one run on a loaded 2-core machine, 1.2-5 us
 * per event against 9-14 us for a SHA-256 of the content as text and 60-76 us to decode the
 * event. Not cryptographic: it detects a producer's mistake, it does not resist one crafting
 * collisions (which could only hide that producer's own conflict).
 */
export function contentDigest(event: AcceptedEvent): string {
  const digest = contentDigestValue(event);
  const hi = Math.floor(digest / 0x1_0000);
  const lo = digest & 0xffff;
  // 48 bits, 6 per character
  return (
    BASE64URL[hi >>> 26]! +
    BASE64URL[(hi >>> 20) & 63]! +
    BASE64URL[(hi >>> 14) & 63]! +
    BASE64URL[(hi >>> 8) & 63]! +
    BASE64URL[(hi >>> 2) & 63]! +
    BASE64URL[((hi & 3) << 4) | (lo >>> 12)]! +
    BASE64URL[(lo >>> 6) & 63]! +
    BASE64URL[lo & 63]!
  );
}

/** contentDigest as the number it encodes, an integer below 2^48 (for state kept in numbers). */
export function contentDigestValue(event: AcceptedEvent): number {
  let a = 0x811c9dc5;
  let b = 0x9747b28c;
  const kind = event.kind === 'order' ? 1 : 2;
  // epoch ms is past 2^32: both halves
  const msLow = event.occurredAtMs >>> 0;
  const msHigh = Math.floor(event.occurredAtMs / 0x1_0000_0000);
  a = laneA(laneA(laneA(a, kind), msLow), msHigh);
  b = laneB(laneB(laneB(b, kind), msLow), msHigh);
  for (const l of event.lines) {
    // the length first keeps the sequence unambiguous whatever characters a stock code holds
    const { sku, quantity, unitPriceMills } = l;
    a = laneA(a, sku.length);
    b = laneB(b, sku.length);
    for (let i = 0; i < sku.length; i++) {
      const c = sku.charCodeAt(i);
      a = laneA(a, c);
      b = laneB(b, c);
    }
    // units and mills are below 2^32 (the contract's limits)
    a = laneA(laneA(a, quantity), unitPriceMills);
    b = laneB(laneB(b, quantity), unitPriceMills);
  }
  const hi = fmix32(a);
  const lo = fmix32(b ^ hi) & 0xffff;
  return hi * 0x1_0000 + lo;
}

/**
 * 53 bits of an eventId, from the same two lanes over its characters: how the in-memory state
 * tells one customer's events apart without keeping their ids (Redis keeps 96 bits of the id's
 * SHA-256). Two ids of one customer collide with odds near n^2 / 2^54 for n events.
 */
export function eventIdValue(eventId: string): number {
  let a = 0x811c9dc5;
  let b = 0x9747b28c;
  for (let i = 0; i < eventId.length; i++) {
    const c = eventId.charCodeAt(i);
    a = laneA(a, c);
    b = laneB(b, c);
  }
  a = laneA(a, eventId.length);
  b = laneB(b, eventId.length);
  const hi = fmix32(a);
  return (fmix32(b ^ hi) & 0x1f_ffff) * 0x1_0000_0000 + hi;
}

/**
 * Events per apply-events call. A call runs atomically, so this bounds how long Redis serves
 * nobody else (a few ms for 200 real-sized orders); per call, client and server overhead is a
 * small fraction of 200 events' work.
 */
export const EVENTS_PER_CALL = 200;
/**
 * A customer's first event enters them in their shard's due index with a score below this (epoch
 * ms; apply-events.lua): due at once, at every "now", until their first placement gives them a
 * real due time. Their scores differ (the first event's time / 10^13), which keeps the sorted set
 * from ordering equal scores by id.
 */
export const FIRST_EVENT_DUE_BELOW_MS = 1;
/** Customers per set-segments call: like EVENTS_PER_CALL, bounds the time Redis serves no one else. */
export const SEGMENTS_PER_CALL = 200;
/** Customers per read-placement call: the same bound, for a read. */
export const READS_PER_CALL = 200;
/** Also ends a call early once its arguments reach this many (orders of thousands of lines). */
const ARGS_PER_CALL = 20_000;

type Replies = [Error | null, unknown][];

async function exec(pipeline: ReturnType<RedisClient['pipeline']>, what: string): Promise<Replies> {
  let replies: Replies | null;
  try {
    replies = await pipeline.exec();
  } catch (err) {
    throw new InsidersError('STATE_WRITE_FAILED', `redis ${what} failed`, { retryable: isRetryable(err), cause: err });
  }
  if (replies === null)
    throw new InsidersError('STATE_WRITE_FAILED', `redis ${what} was discarded`, { retryable: true });
  for (const [err] of replies) {
    if (err !== null) {
      // Retryable when Redis is unavailable (connection lost, loading, failing over); not when it
      // refuses the work itself (a script error): that fails the same way every time.
      throw new InsidersError('STATE_WRITE_FAILED', `redis ${what} failed: ${err.message}`, {
        retryable: isRetryable(err),
        cause: err,
      });
    }
  }
  return replies;
}

/** Groups items by shard, keeping their order within each shard. */
function byShard<T>(items: Iterable<T>, shardOf: (item: T) => number): Map<number, T[]> {
  const groups = new Map<number, T[]>();
  for (const item of items) {
    const shard = shardOf(item);
    let group = groups.get(shard);
    if (group === undefined) groups.set(shard, (group = []));
    group.push(item);
  }
  return groups;
}

function dueArg(dueMs: number): string {
  return Number.isFinite(dueMs) ? String(Math.ceil(dueMs)) : '+inf';
}

export class StateStore {
  readonly keys: StateKeys;

  private constructor(
    private readonly redis: RedisClient,
    prefix: string,
    shards: number,
    private readonly windowDays: number,
  ) {
    this.keys = stateKeys(prefix, shards);
  }

  /**
   * Loads the Lua scripts onto the client and reads the stored layout: a state written with
   * another layout, or with another shard count than `shards` asks for, stops start-up (it would be
   * read wrongly), naming the setting. A new state records its layout. The client stays the
   * caller's to close.
   */
  static async open(redis: RedisClient, options: StoreOptions): Promise<StateStore> {
    defineScripts(redis, await readScripts());
    const shards = await StateStore.layoutShards(redis, options);
    return new StateStore(redis, options.keyPrefix, shards, options.windowDays);
  }

  private static async layoutShards(redis: RedisClient, options: StoreOptions): Promise<number> {
    const prefix = options.keyPrefix;
    const layoutKey = stateKeys(prefix, 1).layout;
    const stored = await redis.get(layoutKey);
    if (stored === null) {
      // An earlier layout kept no marker but always a watermark once it had consumed anything.
      if ((await redis.exists(stateKeys(prefix, 1).watermark)) === 1) {
        throw new InsidersError(
          'CONFIG_INVALID',
          `Redis under prefix "${prefix}" holds state of an earlier, unsharded layout; ` +
            'rebuild it by replaying the orders topic into an empty prefix (docs/operations.md: "State layout")',
        );
      }
      const shards = options.shards ?? options.newStateShards ?? 1;
      // NX: of two processes starting on an empty state, the first one's count stands.
      await redis.set(layoutKey, `${STATE_LAYOUT}:${shards}`, 'NX');
      return StateStore.layoutShards(redis, options);
    }
    const [layout, shardsText] = stored.split(':');
    const shards = Number(shardsText);
    if (Number(layout) !== STATE_LAYOUT) {
      throw new InsidersError(
        'CONFIG_INVALID',
        `Redis under prefix "${prefix}" holds state layout ${layout}; this version reads layout ${STATE_LAYOUT}: ` +
          (Number(layout) === 3
            ? 'run `insiders migrate` with the service stopped (docs/operations.md: "State layout")'
            : 'rebuild it by replaying the orders topic into an empty prefix (docs/operations.md: "State layout")'),
      );
    }
    if (options.shards !== undefined && options.shards !== shards) {
      throw new InsidersError(
        'CONFIG_INVALID',
        `STATE_SHARDS is ${options.shards} but the state under prefix "${prefix}" was written with ${shards} shards`,
      );
    }
    return shards;
  }

  /**
   * Applies the changes and advances the watermark to `watermarkCandidateMs` (the latest event
   * time of the batch, including events that changed no state): one pipeline per shard of a few
   * apply-events calls, then the watermark. Throws a retryable InsidersError when Redis fails;
   * retrying the same batch is safe.
   */
  async applyBatch(changes: readonly StateChange[], watermarkCandidateMs: number | undefined): Promise<BatchResult> {
    const groups = byShard(
      changes.map((change, index) => ({ change, index })),
      ({ change: c }) =>
        c.customerId === null ? this.keys.shardOfGuest(c.event.orderId) : this.keys.shardOfCustomer(c.customerId),
    );
    const outcomes = await Promise.all([...groups].map(([shard, group]) => this.applyShard(shard, group)));
    let applied = 0;
    let erased = 0;
    const conflicts: number[] = [];
    for (const o of outcomes) {
      applied += o.applied;
      erased += o.erased;
      conflicts.push(...o.conflicts);
    }
    conflicts.sort((x, y) => x - y);
    let watermarkMs: number | undefined;
    if (watermarkCandidateMs !== undefined) {
      try {
        watermarkMs = Number(await this.redis.advanceWatermark(this.keys.watermark, watermarkCandidateMs));
      } catch (err) {
        throw new InsidersError('STATE_WRITE_FAILED', `redis watermark failed: ${(err as Error).message}`, {
          retryable: isRetryable(err),
          cause: err,
        });
      }
    }
    return {
      applied,
      duplicates: changes.length - applied - erased - conflicts.length,
      conflicts,
      erased,
      watermarkMs,
    };
  }

  /** One shard's events (with their places in the batch): a pipeline of a few apply-events calls. */
  private async applyShard(
    shard: number,
    changes: readonly { readonly change: StateChange; readonly index: number }[],
  ): Promise<{ applied: number; erased: number; conflicts: number[] }> {
    const keys = this.keys.shard(shard);
    const pipeline = this.redis.pipeline();
    // One apply-events call per run of events (see its header): its keys after the shard's three
    // (each customer event's two hashes), then the window and the customer keys' head length, then
    // one record per event. Passed to
    // ioredis as one array (it flattens it): spreading thousands of arguments would copy them twice more.
    const head = [this.windowDays, keys.customer('').length].map(String);
    let customerKeys: string[] = [];
    let args: string[] = [];
    let events = 0;
    const calls: number[] = []; // events in each call, in order
    const flush = () => {
      const command: string[] = [String(customerKeys.length + 3), keys.guestStats, keys.guestSeen, keys.due];
      for (const k of customerKeys) command.push(k);
      for (const h of head) command.push(h);
      for (const a of args) command.push(a);
      pipeline.applyEvents(command);
      calls.push(events);
      customerKeys = [];
      args = [];
      events = 0;
    };
    for (const {
      change: { event, customerId, lines },
    } of changes) {
      const isOrder = event.kind === 'order';
      let items = 0;
      let valueMills = 0;
      for (const l of lines) {
        items += l.quantity;
        valueMills += l.quantity * l.unitPriceMills;
      }
      const digest = eventDigest(event.eventId) + contentDigest(event);
      const at = String(event.occurredAtMs);
      if (customerId === null) {
        args.push(isOrder ? 'go' : 'gr', digest, at, String(lines.length), String(items), String(valueMills), '0');
      } else {
        customerKeys.push(keys.customer(customerId), keys.customerMarks(customerId));
        args.push(isOrder ? 'o' : 'r', digest, at, String(lines.length), String(items), String(valueMills));
        if (isOrder) {
          const skus = new Set<string>();
          for (const l of lines) skus.add(l.sku);
          args.push(String(skus.size));
          for (const sku of skus) args.push(sku);
        } else {
          args.push('0');
        }
      }
      events++;
      if (events >= EVENTS_PER_CALL || args.length >= ARGS_PER_CALL) flush();
    }
    if (events > 0) flush();
    const replies = await exec(pipeline, 'script');
    let applied = 0;
    let erased = 0;
    const conflicts: number[] = [];
    let at = 0;
    for (const [i, expected] of calls.entries()) {
      const outcome = String(replies[i]?.[1]);
      if (outcome.length !== expected) {
        throw new InsidersError(
          'STATE_WRITE_FAILED',
          `apply-events answered for ${outcome.length} of ${expected} events`,
        );
      }
      for (let j = 0; j < outcome.length; j++, at++) {
        const c = outcome.charCodeAt(j);
        if (c === 49 /* '1' */) applied++;
        else if (c === 50 /* '2' */) erased++;
        else if (c === 51 /* '3' */) conflicts.push(changes[at]!.index);
      }
    }
    return { applied, erased, conflicts };
  }

  /**
   * Erases a customer's state (GDPR): their hash is replaced by the erasure marker, so that no
   * event of theirs consumed later — a late duplicate included — rebuilds it, and every reader
   * (placement passes, refit, features) sees no such customer. Idempotent; atomic against the
   * consumers. `removed`: there was state to remove; `alreadyErased`: an earlier call did it.
   */
  async forget(customerId: string, atMs: number): Promise<{ removed: boolean; alreadyErased: boolean }> {
    const shard = this.keys.shard(this.keys.shardOfCustomer(customerId));
    const [removed, already] = await this.redis.forgetCustomer(
      shard.customer(customerId),
      shard.due,
      shard.outbox,
      shard.sizes,
      shard.customerMarks(customerId),
      atMs,
      customerId,
    );
    return { removed: removed === 1, alreadyErased: already === 1 };
  }

  async watermarkMs(): Promise<number | undefined> {
    const value = await this.redis.get(this.keys.watermark);
    return value === null ? undefined : Number(value);
  }

  /** The service's "now", epoch ms: the watermark, or the wall clock with clock = 'wall'. */
  async now(clock: 'watermark' | 'wall'): Promise<number> {
    if (clock === 'wall') return Date.now();
    return (await this.watermarkMs()) ?? Date.now();
  }

  async customer(customerId: string): Promise<CustomerState | undefined> {
    const [state] = await this.customersById([customerId]);
    return state;
  }

  /** The states of these customers (one pipeline per shard); unknown and erased ids are left out. */
  async customersById(customerIds: readonly string[]): Promise<CustomerState[]> {
    if (customerIds.length === 0) return [];
    const groups = byShard(customerIds, (id) => this.keys.shardOfCustomer(id));
    const pages = await Promise.all([...groups].map(([shard, ids]) => this.readShard(this.keys.shard(shard), ids)));
    return pages.flat();
  }

  /**
   * The whole state of these customers of one shard, both hashes (one pipeline), decoded. HGETALL
   * goes through `call`, which leaves the reply flat (field, value, ...): ioredis' `hgetall` would
   * first build an object of it.
   */
  private async readShard(shard: ShardKeys, customerIds: readonly string[]): Promise<CustomerState[]> {
    const pipeline = this.redis.pipeline();
    for (const id of customerIds) {
      pipeline.call('HGETALL', shard.customer(id));
      pipeline.call('HGETALL', shard.customerMarks(id));
    }
    const replies = (await pipeline.exec()) ?? [];
    const flat = (i: number, key: string): string[] => {
      const [err, reply] = replies[i] ?? [new Error('no reply'), null];
      if (err) throw err;
      if (!Array.isArray(reply)) throw new Error(`HGETALL ${key}: expected a flat reply`);
      return reply as string[];
    };
    const states: CustomerState[] = [];
    for (const [i, id] of customerIds.entries()) {
      const customer = flat(2 * i, shard.customer(id));
      const marks = flat(2 * i + 1, shard.customerMarks(id));
      const state = decodeCustomerState(id, marks.length === 0 ? customer : [...customer, ...marks]);
      if (state) states.push(state);
    }
    return states;
  }

  /**
   * What placing these customers of one shard reads, as of `nowMs` (read-placement.lua, one
   * pipeline of calls of READS_PER_CALL customers): unknown and erased ids are left out.
   */
  private async readPlacementShard(
    shard: ShardKeys,
    customerIds: readonly string[],
    nowMs: number,
  ): Promise<PlacementState[]> {
    const pipeline = this.redis.pipeline();
    for (let from = 0; from < customerIds.length; from += READS_PER_CALL) {
      const run = customerIds.slice(from, from + READS_PER_CALL);
      const command: string[] = [String(run.length)];
      for (const id of run) command.push(shard.customer(id));
      pipeline.readPlacement(command);
    }
    const replies = await exec(pipeline, 'read-placement');
    const productsOf = (lastBought: readonly number[], pairs: number) =>
      productWindowOfDays(lastBought, pairs, nowMs, this.windowDays);
    const states: PlacementState[] = [];
    for (const [c, [, reply]] of replies.entries()) {
      const from = c * READS_PER_CALL;
      decodePlacementStates(String(reply), customerIds.slice(from, from + READS_PER_CALL), productsOf, states);
    }
    return states;
  }

  /** What placing these customers reads, as of `nowMs` (see readPlacementShard). */
  async placementStates(customerIds: readonly string[], nowMs: number): Promise<PlacementState[]> {
    if (customerIds.length === 0) return [];
    const groups = byShard(customerIds, (id) => this.keys.shardOfCustomer(id));
    const pages = await Promise.all(
      [...groups].map(([shard, ids]) => this.readPlacementShard(this.keys.shard(shard), ids, nowMs)),
    );
    return pages.flat();
  }

  /**
   * Every customer of a shard, as placing them at `nowMs` reads them, in pages, from its due index
   * (ZSCAN: a customer present for the whole scan comes at least once; one met twice is harmless
   * to an idempotent placement). The next page is read while the caller works on this one.
   */
  async *customersOfShard(shard: number, nowMs: number, pageSize = 1000): AsyncGenerator<PlacementState[]> {
    const keys = this.keys.shard(shard);
    const readPage = async (cursor: string): Promise<{ next: string; page: PlacementState[] }> => {
      const [next, flat] = await this.redis.zscan(keys.due, cursor, 'COUNT', pageSize);
      const ids: string[] = [];
      for (let i = 0; i < flat.length; i += 2) ids.push(flat[i]!);
      return { next, page: ids.length === 0 ? [] : await this.readPlacementShard(keys, ids, nowMs) };
    };
    let pending = readPage('0');
    for (;;) {
      const { next, page } = await pending;
      if (next !== '0') {
        pending = readPage(next);
        // a caller that stops early leaves this read behind: its failure is nobody's to handle
        pending.catch(() => undefined);
      }
      if (page.length > 0) yield page;
      if (next === '0') return;
    }
  }

  /** Every customer, as placing them at `nowMs` reads them, shard by shard, in pages. */
  async *customers(nowMs: number, pageSize = 1000): AsyncGenerator<PlacementState[]> {
    for (let shard = 0; shard < this.keys.shards; shard++) yield* this.customersOfShard(shard, nowMs, pageSize);
  }

  /**
   * Customers of a shard whose due time is at or before `nowMs`, earliest first, at most `limit`:
   * their ids and due times (epoch ms), and what placing those that still exist reads.
   */
  async dueCustomers(
    shard: number,
    nowMs: number,
    limit: number,
  ): Promise<{ ids: string[]; dueMs: number[]; states: PlacementState[] }> {
    const keys = this.keys.shard(shard);
    const flat = await this.redis.zrangebyscore(keys.due, '-inf', nowMs, 'WITHSCORES', 'LIMIT', 0, limit);
    const ids: string[] = [];
    const dueMs: number[] = [];
    for (let i = 0; i < flat.length; i += 2) {
      ids.push(flat[i]!);
      dueMs.push(Number(flat[i + 1]));
    }
    return { ids, dueMs, states: ids.length === 0 ? [] : await this.readPlacementShard(keys, ids, nowMs) };
  }

  /**
   * The earliest due time over all shards (event time, epoch ms; Infinity when nobody is in a due
   * index): one ZRANGE per shard, cheap enough to ask every few seconds.
   */
  async earliestDueMs(): Promise<number> {
    const firsts = await Promise.all(
      Array.from({ length: this.keys.shards }, (_, s) =>
        this.redis.zrange(this.keys.shard(s).due, '0', '0', 'WITHSCORES'),
      ),
    );
    let earliest = Infinity;
    // Redis writes an infinite score as "inf": a customer no model change can move
    for (const flat of firsts)
      if (flat.length === 2 && flat[1] !== 'inf') earliest = Math.min(earliest, Number(flat[1]));
    return earliest;
  }

  /** How many customers each shard's due index holds (every customer ever seen, less the erased). */
  async customerCounts(): Promise<number[]> {
    return Promise.all(Array.from({ length: this.keys.shards }, (_, s) => this.redis.zcard(this.keys.shard(s).due)));
  }

  /**
   * A uniform random sample of about `size` customers, as placing them at `nowMs` reads them
   * (ZRANDMEMBER on each shard's due index, in proportion to its size): the refit reads its
   * sample, not every customer.
   */
  async sampleCustomers(size: number, nowMs: number): Promise<{ states: PlacementState[]; customers: number }> {
    const counts = await this.customerCounts();
    const total = counts.reduce((a, b) => a + b, 0);
    if (total === 0) return { states: [], customers: 0 };
    const pages = await Promise.all(
      counts.map(async (count, shard) => {
        const want = size >= total ? count : Math.round((size * count) / total);
        if (want === 0) return [];
        const keys = this.keys.shard(shard);
        const ids = await this.redis.zrandmember(keys.due, want);
        return this.readPlacementShard(keys, ids, nowMs);
      }),
    );
    return { states: pages.flat(), customers: total };
  }

  /**
   * Records segments and due times: set-segments.lua, each customer atomically, a run of up to
   * SEGMENTS_PER_CALL customers per call, one pipeline per shard. Answers in the order of
   * `records`, with the outbox entries holding the changes (cleared by clearOutbox once published).
   */
  async recordSegments(
    records: readonly SegmentRecord[],
    modelVersion: number,
    atMs: number,
  ): Promise<{ outcomes: SegmentOutcome[]; outbox: OutboxEntry[] }> {
    const indexed = records.map((record, i) => ({ record, i }));
    const groups = byShard(indexed, ({ record }) => this.keys.shardOfCustomer(record.customerId));
    const out = new Array<SegmentOutcome>(records.length);
    const outbox: OutboxEntry[] = [];
    const head = [String(modelVersion), String(atMs), String(Date.now())];
    await Promise.all(
      [...groups].map(async ([shard, group]) => {
        const keys = this.keys.shard(shard);
        const pipeline = this.redis.pipeline();
        const shardHead = [...head, String(keys.customer('').length)];
        for (let from = 0; from < group.length; from += SEGMENTS_PER_CALL) {
          const run = group.slice(from, from + SEGMENTS_PER_CALL);
          const command: string[] = [String(run.length + 4), keys.due, keys.outbox, keys.outboxSeq, keys.sizes];
          for (const { record } of run) command.push(keys.customer(record.customerId));
          for (const h of shardHead) command.push(h);
          for (const { record: r } of run) {
            command.push(r.segmentId === null ? '' : String(r.segmentId), r.reason, dueArg(r.dueMs));
          }
          pipeline.setSegments(command);
        }
        const replies = await exec(pipeline, 'set-segments');
        for (const [c, [, reply]] of replies.entries()) {
          const flat = reply as (string | number)[];
          const customers = (flat.length - 1) / 3;
          for (let j = 0; j < customers; j++) {
            const { i } = group[c * SEGMENTS_PER_CALL + j]!;
            out[i] = {
              changed: Number(flat[j * 3]) as 1 | 0 | -1,
              previous: String(flat[j * 3 + 1]),
              seq: Number(flat[j * 3 + 2]),
            };
          }
          const entry = Number(flat[flat.length - 1]);
          if (entry > 0) outbox.push({ shard, id: entry });
        }
      }),
    );
    return { outcomes: out, outbox };
  }

  /** Removes outbox entries whose changes every sink holds: one HDEL per shard. Idempotent. */
  async clearOutbox(entries: readonly OutboxEntry[]): Promise<void> {
    const byShardIds = new Map<number, string[]>();
    for (const e of entries) {
      const ids = byShardIds.get(e.shard);
      if (ids === undefined) byShardIds.set(e.shard, [String(e.id)]);
      else ids.push(String(e.id));
    }
    await Promise.all([...byShardIds].map(([shard, ids]) => this.redis.hdel(this.keys.shard(shard).outbox, ...ids)));
  }

  /**
   * The oldest of a shard's outbox entries, up to `limit`, that were written before `beforeWallMs`
   * (a crash, most likely, kept them from being published and cleared), oldest first. Entry ids
   * grow with time, so the first entry written later ends the list.
   */
  async staleOutbox(shard: number, beforeWallMs: number, limit: number): Promise<StoredOutboxEntry[]> {
    const key = this.keys.shard(shard).outbox;
    const ids = (await this.redis.hkeys(key))
      .map(Number)
      .sort((a, b) => a - b)
      .slice(0, limit);
    if (ids.length === 0) return [];
    const texts = await this.redis.hmget(key, ...ids.map(String));
    const found: StoredOutboxEntry[] = [];
    for (const [i, text] of texts.entries()) {
      if (text === null) continue; // cleared meanwhile
      const lines = text.split('\n');
      const wallMs = Number(lines[0]);
      if (wallMs >= beforeWallMs) break;
      found.push({ shard, id: ids[i]!, wallMs, changes: lines.slice(1) });
    }
    return found;
  }

  /** The model version every customer of the shard has been placed under (0: none yet). */
  async placedVersion(shard: number): Promise<number> {
    return Number((await this.redis.get(this.keys.shard(shard).placed)) ?? '0');
  }

  async setPlacedVersion(shard: number, version: number): Promise<void> {
    await this.redis.set(this.keys.shard(shard).placed, String(version));
  }

  /** Customers in each segment (by segment id), summed over the shards. */
  async segmentSizes(): Promise<Map<number, number>> {
    const all = await Promise.all(
      Array.from({ length: this.keys.shards }, (_, s) => this.redis.hgetall(this.keys.shard(s).sizes)),
    );
    const sizes = new Map<number, number>();
    for (const h of all) {
      for (const [id, n] of Object.entries(h)) sizes.set(Number(id), (sizes.get(Number(id)) ?? 0) + Number(n));
    }
    for (const [id, n] of sizes) if (n === 0) sizes.delete(id);
    return sizes;
  }

  /**
   * Lists customers a due pass is about to place, until their placements are durable in the sinks
   * (clearPlacing): a pass that dies in between leaves them listed, for the next pass to place again.
   */
  async markPlacing(shard: number, customerIds: readonly string[]): Promise<void> {
    if (customerIds.length > 0) await this.redis.sadd(this.keys.shard(shard).placing, ...customerIds);
  }

  /** The customers a dead due pass left listed (markPlacing), as placing them at `nowMs` reads them. */
  async placingCustomers(shard: number, nowMs: number): Promise<{ ids: string[]; states: PlacementState[] }> {
    const keys = this.keys.shard(shard);
    const ids = await this.redis.smembers(keys.placing);
    return { ids, states: ids.length === 0 ? [] : await this.readPlacementShard(keys, ids, nowMs) };
  }

  /** Their placements are durable in the sinks: the shard's list of customers being placed is emptied. */
  async clearPlacing(shard: number): Promise<void> {
    await this.redis.del(this.keys.shard(shard).placing);
  }

  /** Takes customers out of a shard's due index (their state is gone). */
  async dropFromDue(shard: number, customerIds: readonly string[]): Promise<void> {
    if (customerIds.length > 0) await this.redis.zrem(this.keys.shard(shard).due, ...customerIds);
  }

  /** Guest totals, summed over the shards. */
  async guestStats(): Promise<GuestStats> {
    const all = await Promise.all(
      Array.from({ length: this.keys.shards }, (_, s) => this.redis.hgetall(this.keys.shard(s).guestStats)),
    );
    const n = (v: string | undefined) => (v === undefined ? 0 : Number(v));
    const sum = (field: string) => all.reduce((acc, h) => acc + n(h[field]), 0);
    return {
      orders: sum('orders'),
      items: sum('items'),
      revenueMills: sum('revenue'),
      returns: sum('returns'),
      returnedItems: sum('returnedItems'),
      returnedMills: sum('returnedValue'),
    };
  }
}
