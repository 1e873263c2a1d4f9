// Small builders for accepted events in tests.
import type { AcceptedEvent, EventLine } from '../../src/events/decode.js';

export function line(sku: string, quantity: number, unitPriceMills: number): EventLine {
  return { sku, quantity, unitPriceMills };
}

export function order(
  customerId: string | null,
  orderId: string,
  at: string,
  lines: EventLine[],
  extra: Partial<AcceptedEvent> = {},
): AcceptedEvent {
  return {
    kind: 'order',
    eventId: `order:${orderId}`,
    orderId,
    customerId,
    country: 'United Kingdom',
    occurredAtMs: Date.parse(at),
    lines,
    ...extra,
  };
}

export function returned(customerId: string | null, orderId: string, at: string, lines: EventLine[]): AcceptedEvent {
  return { ...order(customerId, orderId, at, lines), kind: 'return', eventId: `return:${orderId}` };
}
