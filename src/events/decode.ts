// Turns the bytes of one Kafka message into an accepted event in the form the state layer applies,
// or a rejection with a machine-readable reason for the dead-letter topic. Pure: the wall clock
// used to reject far-future dates is passed in.
import { isUtf8 } from 'node:buffer';
import { hash } from 'node:crypto';
import { z } from 'zod';
import { MILLS_PER_UNIT, parseMills } from '../money.js';
import { eventSchema, limits, type CheckoutEvent } from './schema.js';

/**
 * The contract compiled once by zod (z.compile): generated code accepts a valid event ~8x faster
 * than the runtime parser; anything it does not accept is parsed again by the runtime, so every
 * rejection and its message are what eventSchema.safeParse gives (bench/ingest/micro.ts checks).
 */
const compiledEventSchema = z.compile(eventSchema);

export interface EventLine {
  readonly sku: string;
  readonly quantity: number;
  /** unit price in mills (thousandths of the currency unit) */
  readonly unitPriceMills: number;
}

export interface AcceptedEvent {
  readonly kind: 'order' | 'return';
  /** the producer's eventId, or one derived from the content (see deriveEventId) */
  readonly eventId: string;
  readonly orderId: string;
  /** null for guest orders */
  readonly customerId: string | null;
  readonly country: string;
  /** epoch milliseconds, UTC */
  readonly occurredAtMs: number;
  readonly lines: readonly EventLine[];
}

export type RejectReason = 'too_large' | 'bad_json' | 'unknown_type' | 'schema' | 'bad_date' | 'wrong_currency';

export interface Rejection {
  readonly reason: RejectReason;
  readonly detail: string;
}

export type Decoded =
  { readonly ok: true; readonly event: AcceptedEvent } | { readonly ok: false; readonly rejection: Rejection };

/** Events dated before this are rejected as absurd. */
export const EARLIEST_EVENT_MS = Date.UTC(2000, 0, 1);
/** Events dated more than this ahead of the wall clock are rejected as absurd. */
export const MAX_FUTURE_MS = 86_400_000;

export interface DecodeOptions {
  readonly maxBytes: number;
  readonly currency: string;
  /** events before this time (epoch ms) are rejected as absurd */
  readonly earliestMs: number;
  /** events more than this far ahead of wallClockMs are rejected */
  readonly maxFutureMs: number;
  readonly wallClockMs: number;
}

/** The longest detail a rejection carries (the dead-letter header's limit). */
export const MAX_DETAIL_LENGTH = 1000;

const reject = (reason: RejectReason, detail: string): Decoded => ({
  ok: false,
  rejection: { reason, detail: detail.length > MAX_DETAIL_LENGTH ? detail.slice(0, MAX_DETAIL_LENGTH) : detail },
});

/**
 * A short description of any JSON value for a rejection's detail: a string or a scalar as JSON (a
 * string cut to 64 characters), an array or an object by its kind only. Bounded in time and length
 * whatever the value holds: serialising a hostile value (10,000 nested arrays) would overflow the stack.
 */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'missing';
  if (typeof value === 'string') return JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}...` : value);
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  return typeof value === 'object' ? 'an object' : typeof value;
}

/** Could a number in this text be written with an exponent or more than 3 decimals? (a cheap pre-check) */
const suspectNumber = /\d[eE]|\.\d{4}/;

/**
 * The first JSON number token of `text` (strings skipped) written with an exponent or with a
 * non-zero digit after the 3rd decimal place: such a number is rounded by the float parser
 * (2.5500000000000000001 reads as 2.55, 1e-400 as 0), and the contract rejects it rather than
 * apply a value the producer did not write. Undefined when there is none. `text` is valid JSON.
 */
export function numberBeyondContract(text: string): string | undefined {
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      for (i++; i < n; i++) {
        const d = text.charCodeAt(i);
        if (d === 92 /* backslash: skip the escaped character */) i++;
        else if (d === 34) break;
      }
    } else if (c === 45 /* - */ || (c >= 48 && c <= 57)) {
      // In valid JSON a number ends at a comma, a bracket, a brace or white space.
      let end = i + 1;
      let point = -1;
      let beyond = false;
      for (; end < n; end++) {
        const d = text.charCodeAt(end);
        if (d === 44 || d === 93 || d === 125 || d === 32 || d === 10 || d === 13 || d === 9) break;
        if (d === 46 /* . */) point = end;
        else if (d === 101 || d === 69 /* e E */) beyond = true;
        else if (point >= 0 && end - point > 3 && d !== 48 /* 0 */) beyond = true;
      }
      if (beyond) return text.slice(i, end);
      i = end - 1;
    }
  }
  return undefined;
}

/** Does any string (or member name) in this JSON value hold a lone surrogate, escaped as \uD800 without its pair? */
const loneSurrogate = /[\uD800-\uDFFF]/u; // with the u flag, a well-formed pair is one code point and does not match

function hasLoneSurrogate(json: unknown): boolean {
  const stack: unknown[] = [json];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'string') {
      if (loneSurrogate.test(v)) return true;
    } else if (typeof v === 'object' && v !== null) {
      for (const [k, child] of Object.entries(v)) {
        if (loneSurrogate.test(k)) return true;
        stack.push(child);
      }
    }
  }
  return false;
}

/**
 * A stable id for an event that came without one: the hash of what it says, so the same event
 * sent twice gets the same id and is applied once.
 */
export function deriveEventId(e: Omit<AcceptedEvent, 'eventId'>): string {
  // JSON of a fixed field order: unambiguous whatever characters the strings hold.
  const content = JSON.stringify([
    e.kind,
    e.orderId,
    e.customerId,
    e.country,
    e.occurredAtMs,
    e.lines.map((l) => [l.sku, l.quantity, l.unitPriceMills]),
  ]);
  return `sha256:${hash('sha256', content, 'hex').slice(0, 32)}`;
}

/** Two 32-bit multiply-xor lanes (FNV-1a's step; murmur2's constant with a shift), as one state. */
class ContentLanes {
  a = 0x811c9dc5;
  b = 0x9747b28c;

  number(x: number): void {
    this.a = Math.imul(this.a ^ x, 0x01000193);
    const m = Math.imul(this.b ^ x, 0x5bd1e995);
    this.b = m ^ (m >>> 15);
  }

  /** The length first, so that the sequence of strings is unambiguous. */
  text(s: string | null): void {
    if (s === null) {
      this.number(-1);
      return;
    }
    this.number(s.length);
    for (let i = 0; i < s.length; i++) this.number(s.charCodeAt(i));
  }
}

/** An event's lines as columns: entries [0, count) (the embedded path keeps them so). */
export interface EventLineColumns {
  readonly count: number;
  readonly skus: readonly string[];
  readonly quantities: readonly number[];
  readonly unitPriceMills: readonly number[];
}

/** The lanes over an event's content but its lines, in the order localEventId reads it. */
function headerLanes(
  kind: AcceptedEvent['kind'],
  orderId: string,
  customerId: string | null,
  country: string,
  occurredAtMs: number,
  lineCount: number,
): ContentLanes {
  const lanes = new ContentLanes();
  lanes.number(kind === 'order' ? 1 : 2);
  lanes.text(orderId);
  lanes.text(customerId);
  lanes.text(country);
  // epoch ms is past 2^32: both halves
  lanes.number(occurredAtMs >>> 0);
  lanes.number(Math.floor(occurredAtMs / 0x1_0000_0000));
  lanes.number(lineCount);
  return lanes;
}

/**
 * deriveEventId's cheaper stand-in where the id never leaves the process (the embedded path): 64
 * bits of two lanes over the same content, so that the same content gets the same id and other
 * content another, up to collisions at odds near n^2 / 2^65 among n events; no JSON text, no
 * SHA-256. Not for ids that are stored or published: those are deriveEventId's.
 */
export function localEventId(e: Omit<AcceptedEvent, 'eventId'>): string {
  const lanes = headerLanes(e.kind, e.orderId, e.customerId, e.country, e.occurredAtMs, e.lines.length);
  for (const l of e.lines) {
    lanes.text(l.sku);
    lanes.number(l.quantity);
    lanes.number(l.unitPriceMills);
  }
  return `local:${lanes.a >>> 0}.${lanes.b >>> 0}`;
}

/**
 * localEventId's lanes over an event kept as columns, as one number below 2^53 (53 of the 64 bits)
 * instead of a string: the key of a content-derived id for state kept in numbers, with no event
 * object and no id text. The same content gives the same key; odds of a collision as above.
 */
export function localEventKey(
  kind: AcceptedEvent['kind'],
  orderId: string,
  customerId: string | null,
  country: string,
  occurredAtMs: number,
  lines: EventLineColumns,
): number {
  const lanes = headerLanes(kind, orderId, customerId, country, occurredAtMs, lines.count);
  for (let i = 0; i < lines.count; i++) {
    lanes.text(lines.skus[i]!);
    lanes.number(lines.quantities[i]!);
    lanes.number(lines.unitPriceMills[i]!);
  }
  return (lanes.b >>> 11) * 0x1_0000_0000 + (lanes.a >>> 0);
}

/** Whether an event at this time (epoch ms) is inside the range normalizeEvent accepts. */
export function isAcceptedTime(occurredAtMs: number, options: Omit<DecodeOptions, 'maxBytes'>): boolean {
  return occurredAtMs >= options.earliestMs && occurredAtMs <= options.wallClockMs + options.maxFutureMs;
}

/** Whether an event's total value (mills) is inside the contract's limit. */
export const isAcceptedValue = (valueMills: number): boolean => valueMills <= limits.maxEventValue * MILLS_PER_UNIT;

export function decodeEvent(value: Buffer | null, options: DecodeOptions): Decoded {
  if (value === null || value.length === 0) return reject('bad_json', 'empty message');
  if (value.length > options.maxBytes) {
    return reject('too_large', `${value.length} bytes, over the ${options.maxBytes} byte limit`);
  }
  // Strict UTF-8: decoding would replace invalid bytes by U+FFFD, so that different bad bytes
  // became one and the same stock code.
  if (!isUtf8(value)) return reject('bad_json', 'not valid UTF-8');
  const text = value.toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return reject('bad_json', err instanceof Error ? err.message : 'not JSON');
  }
  // An escaped lone surrogate ("\ud800") is valid JSON but no Unicode text: Redis would store it
  // as U+FFFD, like an invalid byte. Pre-checked on the text, so the common event pays one regex.
  if (/\\u[dD][89a-fA-F]/.test(text) && hasLoneSurrogate(json)) {
    return reject('bad_json', 'a string holds a lone surrogate (\\uD800-\\uDFFF without its pair)');
  }
  const decoded = acceptEvent(json, options);
  if (decoded.ok && suspectNumber.test(text)) {
    const token = numberBeyondContract(text);
    if (token !== undefined) {
      return reject(
        'schema',
        `the number ${token.length > 40 ? `${token.slice(0, 40)}...` : token} has an exponent or more than 3 decimal places; numbers are checked as written, not rounded`,
      );
    }
  }
  return decoded;
}

/** Validates an already-parsed event (a JSON value) and normalizes it; the size check is the caller's. */
export function acceptEvent(json: unknown, options: Omit<DecodeOptions, 'maxBytes'>): Decoded {
  const type = (json as { type?: unknown } | null)?.type;
  if (typeof json !== 'object' || json === null || (type !== 'order' && type !== 'return')) {
    return reject('unknown_type', `type ${describeValue(type)}; expected "order" or "return"`);
  }
  const parsed = compiledEventSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return reject('schema', `${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
  }
  return normalizeEvent(parsed.data, options);
}

/**
 * The checks beyond the contract (currency, date range, total value) and the normalized form, for
 * an event the contract already accepted: acceptEvent without validating it a second time (the
 * embedded path, whose events were checked as they were assembled). `deriveId` gives the id of an
 * event sent without one (deriveEventId unless the id stays in process, see localEventId).
 */
export function normalizeEvent(
  e: CheckoutEvent,
  options: Omit<DecodeOptions, 'maxBytes'>,
  deriveId: (content: Omit<AcceptedEvent, 'eventId'>) => string = deriveEventId,
): Decoded {
  if (e.currency !== options.currency) {
    return reject('wrong_currency', `currency ${e.currency}; this shop accounts in ${options.currency}`);
  }
  const occurredAtMs = Date.parse(e.occurredAt);
  if (!isAcceptedTime(occurredAtMs, options)) {
    return reject('bad_date', `occurredAt ${e.occurredAt} is outside the accepted range`);
  }
  const lines: EventLine[] = new Array<EventLine>(e.lines.length);
  let valueMills = 0;
  for (let i = 0; i < e.lines.length; i++) {
    const l = e.lines[i]!;
    const unitPriceMills = parseMills(l.unitPrice);
    if (unitPriceMills === undefined) return reject('schema', `lines.${i}.unitPrice: not an exact decimal amount`);
    lines[i] = { sku: l.sku, quantity: l.quantity, unitPriceMills };
    valueMills += l.quantity * unitPriceMills;
  }
  if (!isAcceptedValue(valueMills)) {
    return reject('schema', `lines: total value over ${limits.maxEventValue}`);
  }
  const { type: kind, orderId, customerId, country } = e;
  const eventId = e.eventId ?? deriveId({ kind, orderId, customerId, country, occurredAtMs, lines });
  return { ok: true, event: { kind, eventId, orderId, customerId, country, occurredAtMs, lines } };
}
