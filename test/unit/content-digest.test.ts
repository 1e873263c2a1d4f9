// The content digest stored in an event's dedupe field: equal for the same content, different
// when anything compared differs, whatever the eventId and the fields that are not compared.
import { describe, expect, it } from 'vitest';
import { contentDigest } from '../../src/state/state-store.js';
import { line, order } from '../support/events.js';

describe('contentDigest', () => {
  const base = order('c1', '536365', '2010-12-01T08:26:00Z', [line('85123A', 6, 2550), line('71053', 6, 3390)]);

  it('is 8 base64url characters, the same for the same content whatever the id, order or country', () => {
    expect(contentDigest(base)).toMatch(/^[A-Za-z0-9_-]{8}$/);
    expect(contentDigest({ ...base, eventId: 'other', orderId: 'X', country: 'EIRE' })).toBe(contentDigest(base));
  });

  it('changes with the kind, the instant and every part of every line', () => {
    const changed = [
      { ...base, kind: 'return' as const },
      { ...base, occurredAtMs: base.occurredAtMs + 1 },
      { ...base, occurredAtMs: base.occurredAtMs + 2 ** 32 },
      { ...base, lines: [line('85123B', 6, 2550), line('71053', 6, 3390)] },
      { ...base, lines: [line('85123A', 7, 2550), line('71053', 6, 3390)] },
      { ...base, lines: [line('85123A', 6, 2551), line('71053', 6, 3390)] },
      { ...base, lines: [line('71053', 6, 3390), line('85123A', 6, 2550)] },
      { ...base, lines: [line('85123A', 6, 2550)] },
      // the same characters split differently between stock codes
      { ...base, lines: [line('85123A7', 6, 2550), line('1053', 6, 3390)] },
    ];
    const digests = new Set([base, ...changed].map(contentDigest));
    expect(digests.size).toBe(changed.length + 1);
  });
});
