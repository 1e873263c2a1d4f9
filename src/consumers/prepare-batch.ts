// The pure half of consuming a batch: decode every message, apply the business rules, and sort
// the outcome into state changes for Redis and dead letters for the dead-letter topic.
import type { IHeaders, KafkaMessage } from 'kafkajs';
import { decodeEvent, type DecodeOptions, type Rejection } from '../events/decode.js';
import { classify, type BusinessRules } from '../features/filters.js';
import type { StateChange } from '../state/state-store.js';

export interface DeadLetter {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: IHeaders;
}

export interface PreparedBatch {
  readonly changes: StateChange[];
  readonly deadLetters: DeadLetter[];
  /** latest event time among valid events (also those that change no state), epoch ms */
  readonly watermarkCandidateMs: number | undefined;
  readonly counts: {
    readonly valid: number;
    readonly ignored: number;
    readonly guests: number;
    readonly rejected: number;
  };
}

export interface Source {
  readonly topic: string;
  readonly partition: number;
}

/** The dead-letter record: the original key, bytes and headers, plus why and where it came from. */
export function deadLetter(message: KafkaMessage, source: Source, rejection: Rejection, atMs: number): DeadLetter {
  return {
    key: message.key,
    value: message.value,
    headers: {
      ...message.headers,
      'dlq-reason': rejection.reason,
      'dlq-detail': rejection.detail.slice(0, 1000),
      'dlq-source-topic': source.topic,
      'dlq-source-partition': String(source.partition),
      'dlq-source-offset': message.offset,
      'dlq-at': new Date(atMs).toISOString(),
    },
  };
}

export function prepareBatch(
  messages: readonly KafkaMessage[],
  source: Source,
  options: DecodeOptions,
  rules: BusinessRules,
): PreparedBatch {
  const changes: StateChange[] = [];
  const deadLetters: DeadLetter[] = [];
  let watermarkCandidateMs: number | undefined;
  let valid = 0;
  let ignored = 0;
  let guests = 0;
  for (const message of messages) {
    const decoded = decodeEvent(message.value, options);
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
