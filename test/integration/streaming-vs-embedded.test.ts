// After a full replay through the service at default settings (k chosen by the Insiders policy),
// the streaming segments agree with `insiders segment`'s on the same file (adjusted Rand index
// >= 0.9), the Insiders fall in the policy's band with >= 40 % of revenue, every name is distinct
// and no clustered segment is without revenue; a second refit on unchanged data keeps >= 99 % of
// customers in their segment, the Insiders' id and every name.
import { describe, expect, it } from 'vitest';
import { featuresFromCsv } from '../../src/embedded/csv-features.js';
import { defaultRules } from '../../src/features/filters.js';
import { adjustedRandIndex } from '../../src/model/agreement.js';
import { fitModel, placeCustomers } from '../../src/model/model.js';
import { segmentProfiles } from '../../src/model/profiles.js';
import { type Service } from '../../src/service/service.js';
import { onlineRetailCsv } from '../support/data-set.js';
import { usePipeline } from '../support/use-pipeline.js';
import { customerFields } from '../support/state.js';

describe('streaming and embedded segmentation agree', () => {
  const pipeline = usePipeline({
    ORDERS_PARTITIONS: '3',
    REFIT_INTERVAL_MS: '3600000',
    SWEEP_INTERVAL_MS: '3600000',
  });
  const { config } = pipeline;
  let service: Service | undefined;

  async function streamingSegments(): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const [id, [s]] of await customerFields(pipeline.redis, config, ['s'])) {
      if (typeof s === 'string' && s !== '') out.set(id, Number(s));
    }
    return out;
  }

  it('gives the same partition of customers, and keeps it across a refit', async () => {
    service = await pipeline.startOnDataSet();
    const first = await service.refitNow();
    expect(first.kind).toBe('fitted');
    if (first.kind !== 'fitted') return;
    const streamed = await streamingSegments();

    const csv = await featuresFromCsv(onlineRetailCsv, {
      currency: config.events.currency,
      rules: defaultRules,
      windowDays: config.state.windowDays,
      wallClockMs: Date.now(),
    });
    const embeddedModel = fitModel(csv.features, {
      seed: 42,
      insidersShareBand: config.model.insidersShareBand,
    });
    expect(first.model.k).toBe(embeddedModel.k);
    const embedded = new Map(placeCustomers(embeddedModel, csv.features).map((p) => [p.customerId, p.segmentId]));
    expect(streamed.size).toBe(embedded.size);
    const ids = [...embedded.keys()];
    const ari = adjustedRandIndex(
      ids.map((id) => embedded.get(id)!),
      ids.map((id) => streamed.get(id) ?? -1),
    );
    expect(ari).toBeGreaterThanOrEqual(0.9);

    // The Insiders policy and the names, on the streaming model.
    const model = first.model;
    expect(model.selection).toMatchObject({ insidersInBand: true });
    expect(model.selection!.insidersShareOfRevenue).toBeGreaterThanOrEqual(0.4);
    expect(new Set(model.segments.map((s) => s.name)).size).toBe(model.segments.length);
    const profiles = segmentProfiles(model, csv.features, placeCustomers(model, csv.features));
    for (const p of profiles.filter((r) => !r.ruleBased)) expect(p.mean.grossRevenueMills, p.name).toBeGreaterThan(0);
    const insiders = profiles.find((p) => p.segmentId === model.insidersId)!;
    expect(insiders.shareOfCustomers).toBeGreaterThanOrEqual(config.model.insidersShareBand[0]);
    expect(insiders.shareOfCustomers).toBeLessThanOrEqual(config.model.insidersShareBand[1]);
    expect(insiders.shareOfRevenue).toBeGreaterThanOrEqual(0.4);

    // A second refit on unchanged data: the same segments, the same Insiders.
    const second = await service.refitNow();
    expect(second.kind).toBe('fitted');
    if (second.kind !== 'fitted') return;
    expect(second.model.insidersId).toBe(first.model.insidersId);
    const names = (m: typeof model) => m.segments.map((s) => [s.id, s.name]).sort();
    expect(names(second.model)).toEqual(names(first.model));
    const after = await streamingSegments();
    let kept = 0;
    for (const [id, segment] of streamed) if (after.get(id) === segment) kept++;
    expect(kept / streamed.size).toBeGreaterThanOrEqual(0.99);
    process.stdout.write(
      `streaming vs embedded ARI ${ari.toFixed(4)}; kept across refit ${((100 * kept) / streamed.size).toFixed(2)}%; ` +
        `k = ${model.k}, Insiders ${(100 * insiders.shareOfCustomers).toFixed(1)}% of customers, ` +
        `${(100 * insiders.shareOfRevenue).toFixed(1)}% of revenue; ${profiles.map((p) => `${p.name} ${p.customers}`).join(', ')}\n`,
    );
  });
});
