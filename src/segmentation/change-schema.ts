// The contract of the membership-change topic (insiders.segment-changes) that CRM and email tools
// read. docs/schema/segment-change.json is generated from this; docs/segment-changes.md explains it.
import { z } from 'zod';

export const segmentChangeSchema = z
  .strictObject({
    schemaVersion: z.literal(1),
    changeId: z.string().describe('"<customerId>:<seq>": the same change published again has the same id'),
    customerId: z.string(),
    seq: z.number().int().positive().describe("this customer's change count; increases by one per change"),
    fromSegment: z.number().int().nullable().describe('segment id before; null when the customer had none'),
    fromName: z.string().nullable(),
    toSegment: z.number().int().nullable().describe('segment id after; null when the customer has none any more'),
    toName: z.string().nullable(),
    insiders: z
      .enum(['entered', 'left', 'unchanged'])
      .describe('whether the change moved the customer into or out of the Insiders: what benefit tools act on'),
    modelVersion: z.number().int().positive(),
    reason: z
      .enum(['event', 'refit', 'time'])
      .describe('event: an order or return of theirs; refit: a new model version; time: the clock moved on'),
    at: z.iso.datetime().describe('when it happened on the service clock (the latest event time, by default)'),
  })
  .describe('A customer moved from one segment to another.');

export type SegmentChangeMessage = z.infer<typeof segmentChangeSchema>;
