// A membership change between two segments of a fitted model, as the assigner records it: the
// segments' names and whether the customer entered or left the Insiders follow from the model.
import type { FittedModel } from '../../src/model/model.js';
import type { SegmentChange } from '../../src/segmentation/changes.js';

export function segmentChange(
  model: FittedModel,
  customerId: string,
  seq: number,
  from: number | null,
  to: number | null,
  reason: SegmentChange['reason'],
  atMs: number,
): SegmentChange {
  const name = (id: number | null) => model.segments.find((s) => s.id === id)?.name ?? null;
  const insider = (id: number | null) => id !== null && id === model.insidersId;
  return {
    changeId: `${customerId}:${seq}`,
    customerId,
    seq,
    fromSegment: from,
    toSegment: to,
    fromName: name(from),
    toName: name(to),
    insiders: insider(from) === insider(to) ? 'unchanged' : insider(to) ? 'entered' : 'left',
    modelVersion: model.version,
    reason,
    atMs,
  };
}
