// The customer view the HTTP API serves: the segment from state, named by the model in use, the
// model's explanation when the customer can be placed, and the ClickHouse literal the lookup uses.
import { describe, expect, it } from 'vitest';
import { fitModel, placeCustomers } from '../../src/model/model.js';
import { LAPSED_SEGMENT_ID } from '../../src/model/segments.js';
import type { CustomerState } from '../../src/state/customer-state.js';
import { customerView } from '../../src/segmentation/customer-view.js';
import type { RecentChange } from '../../src/segmentation/changes.js';
import { sqlString } from '../../src/sinks/recent-changes.js';
import { features } from '../support/features.js';

function state(id: string, segmentId: number | null, version: number | null): CustomerState {
  return {
    customerId: id,
    firstPurchaseMs: undefined,
    lastPurchaseMs: undefined,
    lifetime: { orders: 0, lines: 0, items: 0, revenueMills: 0, returns: 0, returnedItems: 0, returnedMills: 0 },
    days: new Map(),
    productLastDay: new Map(),
    segmentId,
    segmentModelVersion: version,
  };
}

const population = [
  ...[0, 1, 2, 3].map((i) => features(`big${i}`, 20_000 + i * 500, 2 + i, 100 + i)),
  ...[0, 1, 2, 3, 4, 5].map((i) => features(`mid${i}`, 900 + i * 30, 20 + i, 30 + i)),
  ...[0, 1, 2, 3, 4, 5].map((i) => features(`low${i}`, 50 + i * 5, 200 + i * 4, 2)),
];
const model = fitModel(population, { seed: 5, k: 3 });
const nowMs = Date.UTC(2011, 11, 9);

describe('customerView', () => {
  it('shows the segment, the explanation by the model in use, and the changes', () => {
    const f = population[0]!;
    const [placement] = placeCustomers(model, [f]);
    const segmentId = placement!.segmentId;
    const change: RecentChange = {
      changeId: 'big0:1',
      seq: 1,
      fromSegment: null,
      fromName: null,
      toSegment: segmentId,
      toName: 'x',
      insiders: 'entered',
      reason: 'refit',
      modelVersion: model.version,
      at: '2011-12-09T00:00:00Z',
    };
    const view = customerView(state('big0', segmentId, model.version), f, nowMs, model, [change]);
    expect(view.customerId).toBe('big0');
    expect(view.asOf).toBe('2011-12-09T00:00:00.000Z');
    expect(view.features).toMatchObject({ customer_id: 'big0', recency_days: 2, gross_revenue: '20000.00' });
    const segment = model.segments.find((s) => s.id === segmentId)!;
    expect(view.segment).toEqual({
      id: segmentId,
      name: segment.name,
      description: segment.description,
      action: segment.action,
      insider: segmentId === model.insidersId,
      modelVersion: model.version,
    });
    expect(view.explanation?.segmentId).toBe(segmentId);
    expect(view.explanation?.contributions.map((c) => c.feature)).toEqual(model.scaler.features.map((t) => t.name));
    expect(view.explanation?.insidersChange.goal).toBe(segmentId === model.insidersId ? 'leave' : 'enter');
    // squared distances per feature sum to the squared distance to the assigned centre
    const sum = view.explanation!.contributions.reduce((a, c) => a + c.toAssigned, 0);
    expect(Math.sqrt(sum)).toBeCloseTo(view.explanation!.distance, 12);
    expect(view.recentChanges).toEqual([change]);
    // serialisable as the API sends it
    expect(() => JSON.stringify(view)).not.toThrow();
  });

  it('has no explanation without a model or for a customer who never bought', () => {
    expect(customerView(state('r1', null, null), features('r1', 0, null, 0), nowMs, model, []).explanation).toBeNull();
    const noModel = customerView(state('big0', 2, 1), population[0]!, nowMs, undefined, []);
    expect(noModel.explanation).toBeNull();
    expect(noModel.segment).toEqual({
      id: 2,
      name: null,
      description: null,
      action: null,
      insider: false,
      modelVersion: 1,
    });
  });

  it('shows a Lapsed customer in the Lapsed group, with its description and no explanation', () => {
    const lapsed = features('old1', 0, 400, 0, { orders: 0 });
    const [placement] = placeCustomers(model, [lapsed]);
    expect(placement!.segmentId).toBe(LAPSED_SEGMENT_ID);
    const view = customerView(state('old1', LAPSED_SEGMENT_ID, model.version), lapsed, nowMs, model, []);
    expect(view.explanation).toBeNull();
    expect(view.segment).toMatchObject({ id: LAPSED_SEGMENT_ID, name: 'Lapsed', insider: false });
    expect(view.segment?.description).toMatch(/^no purchase in the window/);
  });
});

describe('sqlString', () => {
  it('escapes quotes and backslashes for a ClickHouse string literal', () => {
    expect(sqlString('17850')).toBe("'17850'");
    expect(sqlString("a'b")).toBe("'a\\'b'");
    expect(sqlString('a\\')).toBe("'a\\\\'");
    expect(sqlString("\\'; DROP")).toBe("'\\\\\\'; DROP'");
  });
});
