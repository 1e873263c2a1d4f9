// The pure half of consuming a batch: decode every message, apply the business rules, and sort
// the outcome into state changes for Redis and dead letters for the dead-letter topic.
//
// Containment: whatever one message makes the code throw (a defect, a hostile value no check
// foresaw) dead-letters that message with reason `internal` and the error's name and message; it
// never fails the batch, so no single message can stop its partition or the consumer.
import type { KafkaMessage } from 'kafkajs';
import { decodeEvent, type DecodeOptions, type Decoded } from '../events/decode.js';
import { classify, type BusinessRules, type Classified } from '../features/filters.js';
import type { StateChange } from '../state/state-store.js';
import { deadLetter, errorDetail, type DeadLetter, type Source } from './dead-letter.js';

export interface PreparedBatch {
  readonly changes: StateChange[];
  /** the message each change came from, index for index (a change Redis refuses is dead-lettered) */
  readonly changeMessages: KafkaMessage[];
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

/** What handling one message came to; the steps that can throw, run for one message. */
type Handled = { readonly decoded: Decoded; readonly classified?: Classified } | { readonly error: unknown };

function handle(message: KafkaMessage, options: DecodeOptions, rules: BusinessRules): Handled {
  try {
    const decoded = decodeEvent(message.value, options);
    return decoded.ok ? { decoded, classified: classify(decoded.event, rules) } : { decoded };
  } catch (error) {
    return { error };
  }
}

export function prepareBatch(
  messages: readonly KafkaMessage[],
  source: Source,
  options: DecodeOptions,
  rules: BusinessRules,
): PreparedBatch {
  const changes: StateChange[] = [];
  const changeMessages: KafkaMessage[] = [];
  const deadLetters: DeadLetter[] = [];
  let watermarkCandidateMs: number | undefined;
  let valid = 0;
  let ignored = 0;
  let guests = 0;
  for (const message of messages) {
    const handled = handle(message, options, rules);
    if ('error' in handled) {
      deadLetters.push(
        deadLetter(message, source, { reason: 'internal', detail: errorDetail(handled.error) }, options.wallClockMs),
      );
      continue;
    }
    const { decoded, classified: c } = handled;
    if (!decoded.ok) {
      deadLetters.push(deadLetter(message, source, decoded.rejection, options.wallClockMs));
      continue;
    }
    valid++;
    const { event } = decoded;
    if (watermarkCandidateMs === undefined || event.occurredAtMs > watermarkCandidateMs) {
      watermarkCandidateMs = event.occurredAtMs;
    }
    if (c === undefined || c.kind === 'ignored') {
      ignored++;
      continue;
    }
    if (c.kind === 'guest') guests++;
    changes.push({ event, customerId: c.kind === 'guest' ? null : c.customerId, lines: c.lines });
    changeMessages.push(message);
  }
  return {
    changes,
    changeMessages,
    deadLetters,
    watermarkCandidateMs,
    counts: { valid, ignored, guests, rejected: deadLetters.length },
  };
}
