// Events to the orders topic: batched sends acknowledged by all in-sync replicas, keyed so that one
// customer's events stay in order on one partition, optionally paced and capped.
import { setTimeout as delay } from 'node:timers/promises';
import type { Message, Producer } from 'kafkajs';
import type { CheckoutEvent } from '../events/schema.js';
import { TokenBucket } from './token-bucket.js';

export interface PublishOptions {
  readonly topic: string;
  /** events per second at most; unset: as fast as the broker takes them */
  readonly ratePerSecond?: number;
  /** stop after this many events */
  readonly limit?: number;
  /** messages per producer.send; default 500 */
  readonly batchSize?: number;
  /** a batch is sent before its values pass this many bytes; default 512 KiB, under the broker's 1 MiB */
  readonly maxBatchBytes?: number;
  /** called after each acknowledged send with the events it carried */
  readonly onPublished?: (events: readonly CheckoutEvent[]) => void;
  /** the clock and sleep used for pacing (tests pass fakes) */
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * Pacing waits shorter than this are carried as debt rather than slept, so high rates still send
 * whole batches; an event may then leave up to this much before its turn.
 */
const MIN_SLEEP_MS = 20;

/**
 * The Kafka message for an event. Key: the customer id, so a customer's events share a partition
 * and keep their order; a guest's order id otherwise. No eventId is set: the consumer derives one
 * from the content, so replaying a file twice yields the same ids.
 */
export function toMessage(event: CheckoutEvent): Message {
  return {
    key: event.customerId ?? event.orderId,
    value: JSON.stringify(event),
    headers: { 'content-type': 'application/json', 'schema-version': String(event.schemaVersion) },
  };
}

/** Publishes events in order until the source ends or the limit is reached; returns how many. */
export async function publishEvents(
  events: AsyncIterable<CheckoutEvent>,
  producer: Pick<Producer, 'send'>,
  options: PublishOptions,
): Promise<number> {
  const batchSize = options.batchSize ?? 500;
  const maxBatchBytes = options.maxBatchBytes ?? 512 * 1024;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => delay(ms));
  const limit = options.limit ?? Infinity;
  const rate = options.ratePerSecond;
  // A tenth of a second of burst: smooth pacing without a send per event at high rates.
  const bucket =
    rate === undefined ? undefined : new TokenBucket(rate, Math.max(1, Math.min(batchSize, rate / 10)), now);

  let published = 0;
  let pending: CheckoutEvent[] = [];
  let messages: Message[] = [];
  let bytes = 0;
  const flush = async (): Promise<void> => {
    if (messages.length === 0) return;
    const sent = pending;
    await producer.send({ topic: options.topic, acks: -1, messages });
    published += sent.length;
    pending = [];
    messages = [];
    bytes = 0;
    options.onPublished?.(sent);
  };

  if (limit <= 0) return 0;
  let taken = 0;
  for await (const event of events) {
    if (bucket !== undefined) {
      const debtMs = bucket.take();
      if (debtMs >= MIN_SLEEP_MS) {
        const until = now() + debtMs;
        await flush();
        const left = until - now();
        if (left > 0) await sleep(left);
      }
    }
    const message = toMessage(event);
    const size = Buffer.byteLength(message.value as string);
    if (messages.length > 0 && bytes + size > maxBatchBytes) await flush();
    pending.push(event);
    messages.push(message);
    bytes += size;
    if (messages.length >= batchSize) await flush();
    if (++taken >= limit) break;
  }
  await flush();
  return published;
}
