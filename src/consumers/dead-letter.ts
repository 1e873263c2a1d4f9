// The dead-letter record of a message the service cannot use: the original key, bytes and headers,
// plus why and where it came from (docs/events.md lists the headers). Building one never throws,
// whatever the message holds: a dead letter that cannot be built would stop its partition.
import type { IHeaders, KafkaMessage } from 'kafkajs';
import { MAX_DETAIL_LENGTH, type RejectReason } from '../events/decode.js';

/**
 * Why a message was dead-lettered: a rejection by the contract (decode.ts); `conflict`, an
 * eventId applied before for this customer with other content; `internal`, handling the message
 * threw (a defect of the service, contained to the message).
 */
export type DeadLetterReason = RejectReason | 'conflict' | 'internal';

export interface DeadLetterCause {
  readonly reason: DeadLetterReason;
  readonly detail: string;
}

export interface DeadLetter {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: IHeaders;
}

export interface Source {
  readonly topic: string;
  readonly partition: number;
}

const headerValue = (v: unknown): v is Buffer | string => Buffer.isBuffer(v) || typeof v === 'string';

/**
 * The message's headers as data: own keys only, values kept only when they are bytes or text.
 * kafkajs builds a message's headers by reading `obj[key]` of a plain object, so a header named
 * `__proto__` or `constructor` arrives as [Object.prototype, value] or [Object, value]: the
 * inherited member is dropped here and the header's own values are kept.
 */
export function originalHeaders(headers: IHeaders | undefined): [string, Buffer | string | (Buffer | string)[]][] {
  if (headers === undefined || headers === null || typeof headers !== 'object') return [];
  const out: [string, Buffer | string | (Buffer | string)[]][] = [];
  for (const key of Object.keys(headers)) {
    const value: unknown = Object.getOwnPropertyDescriptor(headers, key)?.value;
    if (headerValue(value)) out.push([key, value]);
    else if (Array.isArray(value)) {
      const kept = value.filter(headerValue);
      if (kept.length > 0) out.push([key, kept.length === 1 ? kept[0]! : kept]);
    }
  }
  return out;
}

/** A thrown value's name and message, in at most MAX_DETAIL_LENGTH characters; never throws. */
export function errorDetail(err: unknown): string {
  let text: string;
  try {
    text = err instanceof Error ? `${String(err.name).slice(0, 100)}: ${String(err.message)}` : `thrown: ${typeof err}`;
  } catch {
    text = 'an error that cannot be described';
  }
  return text.length > MAX_DETAIL_LENGTH ? text.slice(0, MAX_DETAIL_LENGTH) : text;
}

/**
 * The dead-letter record. Header keys are set as data (Object.fromEntries defines own properties,
 * so a `__proto__` key stays a header); should the original headers still be unusable, they are
 * left out and the dlq-* headers say why the message was dead-lettered. An original dlq-* header (a message
 * dead-lettered before) is replaced by this one's.
 */
export function deadLetter(message: KafkaMessage, source: Source, cause: DeadLetterCause, atMs: number): DeadLetter {
  const ours: [string, string][] = [
    ['dlq-reason', cause.reason],
    ['dlq-detail', cause.detail.slice(0, MAX_DETAIL_LENGTH)],
    ['dlq-source-topic', source.topic],
    ['dlq-source-partition', String(source.partition)],
    ['dlq-source-offset', String(message.offset)],
    ['dlq-at', new Date(atMs).toISOString()],
  ];
  let original: ReturnType<typeof originalHeaders>;
  try {
    original = originalHeaders(message.headers);
  } catch {
    original = [];
  }
  return {
    key: Buffer.isBuffer(message.key) ? message.key : null,
    value: Buffer.isBuffer(message.value) ? message.value : null,
    headers: Object.fromEntries([...original, ...ours]),
  };
}

/**
 * What is sent when the broker refuses a dead letter itself (too large with its headers, say): its
 * dlq-* headers only, without the original key, value and headers, as reason `internal`, with the
 * refusal and the original reason in the detail. The message's position still says where it is.
 */
export function bareDeadLetter(refused: DeadLetter, err: unknown): DeadLetter {
  const ours = Object.entries(refused.headers).filter(([k]) => k.startsWith('dlq-'));
  const was = `${String(refused.headers['dlq-reason'])}: ${String(refused.headers['dlq-detail'])}`;
  const detail = `the dead letter was refused (${errorDetail(err)}); sent without the original key, value and headers; it was ${was}`;
  return {
    key: null,
    value: null,
    headers: Object.fromEntries([
      ...ours,
      ['dlq-reason', 'internal'],
      ['dlq-detail', detail.slice(0, MAX_DETAIL_LENGTH)],
    ]),
  };
}
