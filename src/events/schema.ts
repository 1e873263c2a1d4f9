// The event contract with the checkout: what may be published to the orders topic. One zod schema
// per event type; docs/schema/*.json is generated from these (npm run docs:schema) and
// docs/events.md explains them with examples. Objects are strict: an unknown field is an error,
// so a typo in a producer is caught instead of being silently ignored.
import { z } from 'zod';

export const SCHEMA_VERSION = 1;

/** Limits that keep every amount exact (see src/money.ts) and reject absurd input. */
export const limits = {
  // the largest real order in the UCI data has 1,114 lines
  maxLines: 5000,
  /** the value of one event, in currency units: keeps every sum of mills exact (< 2^53) */
  maxEventValue: 1_000_000_000,
  maxQuantity: 100_000,
  maxUnitPrice: 100_000,
  maxIdLength: 64,
  maxTextLength: 256,
} as const;

/** The form of every id in the contract (event, customer, stock code ids), at most maxIdLength long. */
export const idPattern = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;

const id = z
  .string()
  .min(1)
  .max(limits.maxIdLength)
  .regex(idPattern, 'letters, digits and . _ : - (starting with a letter or digit)');

const amount = z
  .union([
    z.number().nonnegative().max(limits.maxUnitPrice),
    z.string().regex(/^\d{1,6}(\.\d{1,3})?$/, 'a decimal with at most 3 places, e.g. "2.55"'),
  ])
  .refine((v) => Number(v) <= limits.maxUnitPrice, `at most ${limits.maxUnitPrice}`)
  .describe('unit price in the shop currency, >= 0, at most 3 decimal places; a JSON number or a decimal string');

const quantity = z.number().int().positive().max(limits.maxQuantity).describe('units, a positive integer');

const line = z.strictObject({
  sku: z.string().min(1).max(limits.maxIdLength).describe("the product's stock code"),
  description: z.string().max(limits.maxTextLength).optional(),
  quantity,
  unitPrice: amount,
});

const common = {
  schemaVersion: z.literal(SCHEMA_VERSION),
  eventId: id
    .optional()
    .describe(
      'idempotency key, unique per customer: an event is identified by (customerId, eventId), guest orders by eventId among guest orders; re-sent with other content it is rejected as a conflict; when absent it is derived from the content, so a re-sent event is still counted once',
    ),
  customerId: id.nullable().describe('null for a guest order: counted, never segmented'),
  occurredAt: z.iso
    .datetime({ offset: true })
    .describe('when it happened, ISO-8601 with a UTC offset or Z; event time drives recency and windows'),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as GBP')
    .describe('ISO 4217; must be the shop currency'),
  country: z.string().min(1).max(limits.maxTextLength),
};

export const orderEventSchema = z
  .strictObject({
    type: z.literal('order'),
    orderId: id.describe('the order (invoice) number'),
    ...common,
    lines: z.array(line).min(1).max(limits.maxLines),
  })
  .describe('A completed order: one event per order.');

export const returnEventSchema = z
  .strictObject({
    type: z.literal('return'),
    orderId: id.describe('the return or cancellation document number (e.g. C536379)'),
    originalOrderId: id.optional().describe('the order the goods came from, when known'),
    reason: z.enum(['return', 'cancellation']).default('return'),
    ...common,
    lines: z.array(line).min(1).max(limits.maxLines).describe('lines returned, with positive quantities'),
  })
  .describe('Goods returned or an order (partly) cancelled after purchase.');

export const eventSchema = z.discriminatedUnion('type', [orderEventSchema, returnEventSchema]);

export type OrderEvent = z.infer<typeof orderEventSchema>;
export type ReturnEvent = z.infer<typeof returnEventSchema>;
export type CheckoutEvent = z.infer<typeof eventSchema>;
export type CheckoutEventInput = z.input<typeof eventSchema>;
