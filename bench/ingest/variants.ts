// Alternatives to parts of the ingest path, prototyped here to measure them before proposing a
// change to src/, or to measure src against what it replaced. Each keeps the service's semantics;
// micro.ts checks them against src. The z.compile decoder went into src in 9ceadff; it stays here
// as the recipe for the next prototype.
//
// decode variants (consume.ts --decode NAME, micro.ts):
//   zod-compile  src's decodeEvent/prepareBatch with the event schema AOT-compiled by zod's own
//                z.compile(): a generated fast path for valid input, zod's runtime parser (and so
//                the very same rejection) for anything else
// store variants (consume.ts --store NAME, micro.ts --stores): src's StateStore.applyBatch, line
// for line, except that every event is its own script call (bench/ingest/lua/NAME.lua for customer
// events, apply-guest-event.lua for guests), as src did before apply-events.lua:
//   per-event                     the same state as src, one EVALSHA per event (src until the
//                                 batched script; micro.ts checks both give the same hashes)
//   noop, commands-only           probes: the cost of a per-event call alone, of its commands alone
//   fields-now, fields-packed     probes: an in-order order's hash-field work now, and with the
//                                 scalars packed into one field (a layout not in src)
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { KafkaMessage } from 'kafkajs';
import type { Redis } from 'ioredis';
import { deadLetter, type PreparedBatch, type Source } from '../../src/consumers/prepare-batch.js';
import {
  deriveEventId,
  type AcceptedEvent,
  type Decoded,
  type DecodeOptions,
  type EventLine,
  type Rejection,
} from '../../src/events/decode.js';
import { eventSchema, limits } from '../../src/events/schema.js';
import { classify, type BusinessRules } from '../../src/features/filters.js';
import { MILLS_PER_UNIT, parseMills } from '../../src/money.js';
import { dayOf } from '../../src/state/customer-state.js';
import { stateKeys, type StateKeys } from '../../src/state/keys.js';
import { readScripts } from '../../src/state/scripts.js';
import { eventDigest, StateStore, type BatchResult, type StateChange } from '../../src/state/state-store.js';

export interface BatchApplier {
  applyBatch(changes: readonly StateChange[], watermarkCandidateMs: number | undefined): Promise<BatchResult>;
}

// ------------------------------------------------------------------------------------ decoding

/** The contract, compiled once: same accepts, same output, same rejections (via the runtime). */
export const compiledEventSchema = z.compile(eventSchema);

const reject = (reason: Rejection['reason'], detail: string): Decoded => ({ ok: false, rejection: { reason, detail } });

/** src/events/decode.ts acceptEvent, line for line, with the compiled schema. */
export function acceptEventCompiled(json: unknown, options: Omit<DecodeOptions, 'maxBytes'>): Decoded {
  const type = (json as { type?: unknown } | null)?.type;
  if (typeof json !== 'object' || json === null || (type !== 'order' && type !== 'return')) {
    return reject('unknown_type', `type ${JSON.stringify(type) ?? 'missing'}; expected "order" or "return"`);
  }
  const parsed = compiledEventSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return reject('schema', `${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
  }
  const e = parsed.data;
  if (e.currency !== options.currency) {
    return reject('wrong_currency', `currency ${e.currency}; this shop accounts in ${options.currency}`);
  }
  const occurredAtMs = Date.parse(e.occurredAt);
  if (!(occurredAtMs >= options.earliestMs) || occurredAtMs > options.wallClockMs + options.maxFutureMs) {
    return reject('bad_date', `occurredAt ${e.occurredAt} is outside the accepted range`);
  }
  const lines: EventLine[] = [];
  let valueMills = 0;
  for (const [i, l] of e.lines.entries()) {
    const unitPriceMills = parseMills(l.unitPrice);
    if (unitPriceMills === undefined) return reject('schema', `lines.${i}.unitPrice: not an exact decimal amount`);
    lines.push({ sku: l.sku, quantity: l.quantity, unitPriceMills });
    valueMills += l.quantity * unitPriceMills;
  }
  if (valueMills > limits.maxEventValue * MILLS_PER_UNIT) {
    return reject('schema', `lines: total value over ${limits.maxEventValue}`);
  }
  const body = { kind: e.type, orderId: e.orderId, customerId: e.customerId, country: e.country, occurredAtMs, lines };
  const event: AcceptedEvent = { ...body, eventId: e.eventId ?? deriveEventId(body) };
  return { ok: true, event };
}

/** src/events/decode.ts decodeEvent with the compiled schema. */
export function decodeEventCompiled(value: Buffer | null, options: DecodeOptions): Decoded {
  if (value === null || value.length === 0) return reject('bad_json', 'empty message');
  if (value.length > options.maxBytes) {
    return reject('too_large', `${value.length} bytes, over the ${options.maxBytes} byte limit`);
  }
  let json: unknown;
  try {
    json = JSON.parse(value.toString('utf8'));
  } catch (err) {
    return reject('bad_json', err instanceof Error ? err.message : 'not JSON');
  }
  return acceptEventCompiled(json, options);
}

/** src/consumers/prepare-batch.ts prepareBatch with a pluggable decoder. */
export function prepareBatchWith(
  decode: (value: Buffer | null, options: DecodeOptions) => Decoded,
  messages: readonly KafkaMessage[],
  source: Source,
  options: DecodeOptions,
  rules: BusinessRules,
): PreparedBatch {
  const changes: StateChange[] = [];
  const deadLetters: ReturnType<typeof deadLetter>[] = [];
  let watermarkCandidateMs: number | undefined;
  let valid = 0;
  let ignored = 0;
  let guests = 0;
  for (const message of messages) {
    const decoded = decode(message.value, options);
    if (!decoded.ok) {
      deadLetters.push(deadLetter(message, source, decoded.rejection, options.wallClockMs));
      continue;
    }
    valid++;
    const { event } = decoded;
    if (watermarkCandidateMs === undefined || event.occurredAtMs > watermarkCandidateMs) {
      watermarkCandidateMs = event.occurredAtMs;
    }
    const c = classify(event, rules);
    if (c.kind === 'ignored') {
      ignored++;
    } else if (c.kind === 'guest') {
      guests++;
      changes.push({ event, customerId: null, lines: c.lines });
    } else {
      changes.push({ event, customerId: c.customerId, lines: c.lines });
    }
  }
  return {
    changes,
    deadLetters,
    watermarkCandidateMs,
    counts: { valid, ignored, guests, rejected: deadLetters.length },
  };
}

export function prepareVariant(
  name: string,
  messages: readonly KafkaMessage[],
  source: Source,
  options: DecodeOptions,
  rules: BusinessRules,
): PreparedBatch {
  if (name === 'zod-compile') return prepareBatchWith(decodeEventCompiled, messages, source, options, rules);
  throw new Error(`unknown decode variant ${name}`);
}

// ------------------------------------------------------------------------------------ state

const variantScripts: Record<string, string> = {
  'per-event': 'apply-customer-event.lua',
  noop: 'noop.lua',
  'commands-only': 'commands-only.lua',
  'fields-now': 'fields-now.lua',
  'fields-packed': 'fields-packed.lua',
};

function sums(lines: readonly EventLine[]): { items: number; valueMills: number } {
  let items = 0;
  let valueMills = 0;
  for (const l of lines) {
    items += l.quantity;
    valueMills += l.quantity * l.unitPriceMills;
  }
  return { items, valueMills };
}

/** StateStore.applyBatch with one EVALSHA per event: a customer-event script, and the guest script. */
class ScriptStore implements BatchApplier {
  private readonly keys: StateKeys;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly windowDays: number,
    private readonly sha: { customer: string; guest: string; watermark: string },
  ) {
    this.keys = stateKeys(prefix);
  }

  async applyBatch(changes: readonly StateChange[], watermarkCandidateMs: number | undefined): Promise<BatchResult> {
    const pipeline = this.redis.pipeline();
    for (const { event, customerId, lines } of changes) {
      const kind = event.kind === 'order' ? 'o' : 'r';
      const { items, valueMills } = sums(lines);
      const digest = eventDigest(event.eventId);
      if (customerId === null) {
        pipeline.evalsha(this.sha.guest, 2, this.keys.guestStats, this.keys.guestSeen, digest, kind, items, valueMills);
      } else {
        const skus = kind === 'o' ? [...new Set(lines.map((l) => l.sku))] : [];
        pipeline.evalsha(
          this.sha.customer,
          1,
          this.keys.customer(customerId),
          `e:${digest}`,
          kind,
          event.occurredAtMs,
          dayOf(event.occurredAtMs),
          this.windowDays,
          lines.length,
          items,
          valueMills,
          ...skus,
        );
      }
    }
    if (watermarkCandidateMs !== undefined) {
      pipeline.evalsha(this.sha.watermark, 1, this.keys.watermark, watermarkCandidateMs);
    }
    const replies = await pipeline.exec();
    if (replies === null) throw new Error('pipeline discarded');
    let applied = 0;
    let erased = 0;
    for (const [i, [err, reply]] of replies.entries()) {
      if (err !== null) throw err;
      if (i < changes.length && reply === 1) applied++;
      if (i < changes.length && reply === 2) erased++;
    }
    const watermark = watermarkCandidateMs === undefined ? undefined : Number(replies[replies.length - 1]?.[1]);
    return { applied, duplicates: changes.length - applied - erased, erased, watermarkMs: watermark };
  }
}

async function load(redis: Redis, lua: string): Promise<string> {
  const sha = String(await redis.script('LOAD', lua));
  if (sha !== createHash('sha1').update(lua).digest('hex')) throw new Error('unexpected script sha');
  return sha;
}

export async function openVariantStore(
  redis: Redis,
  name: string,
  options: { keyPrefix: string; windowDays: number },
): Promise<BatchApplier> {
  if (name === 'src') return StateStore.open(redis, options);
  const file = variantScripts[name];
  if (file === undefined) throw new Error(`unknown store variant ${name}`);
  const src = new Map((await readScripts()).map((s) => [s.name, s.lua]));
  const bench = (file: string) => readFile(new URL(`./lua/${file}`, import.meta.url), 'utf8');
  const customer = await bench(file);
  return new ScriptStore(redis, options.keyPrefix, options.windowDays, {
    customer: await load(redis, customer),
    guest: await load(redis, await bench('apply-guest-event.lua')),
    watermark: await load(redis, src.get('advanceWatermark') ?? ''),
  });
}
