// The segment report's data and page, built from a small fitted model: the binning and scale rules
// by hand, the exact sizes of a sampled report, and a page that is whole, escaped and self-contained.
import { describe, expect, it } from 'vitest';
import type { Features } from '../../src/features/features.js';
import { fitModel, placeCustomers } from '../../src/model/model.js';
import { segmentProfiles } from '../../src/model/profiles.js';
import { createRng } from '../../src/model/rng.js';
import { renderReport, shareText } from '../../src/report/page.js';
import {
  histogram,
  MAX_SCATTER_POINTS,
  needsLogScale,
  reportData,
  type ReportInput,
} from '../../src/report/report-data.js';
import { clusteredCustomer, features } from '../support/features.js';
import { reportCharts } from '../support/report-charts.js';

const rng = createRng(11);
const customers: Features[] = Array.from({ length: 2400 }, (_, i) => {
  const group = i % 3;
  return features(`c${String(i).padStart(4, '0')}`, ...clusteredCustomer(group, rng), {
    frequency: [1, 0.1, 0.03][group]! * (0.5 + rng()),
    returns: i % 4,
  });
});
const model = fitModel(customers, { seed: 4, k: 3 });
const placements = placeCustomers(model, customers);
const summary = { source: 'test.csv', customers: customers.length, guestOrders: 3, windowDays: 365 };
const input: ReportInput = {
  title: 'Segments of <test>',
  builtAtMs: Date.UTC(2026, 11, 3),
  currency: 'GBP',
  model,
  features: customers,
  placements,
  summary,
  seed: 1,
};

describe('report scales and bins', () => {
  it('asks for a log scale only for a heavy tail', () => {
    expect(needsLogScale([1, 2, 3, 4, 5000])).toBe(true);
    expect(needsLogScale(Array.from({ length: 373 }, (_, i) => i))).toBe(false);
    expect(needsLogScale([0, 0, 7])).toBe(false);
  });

  it('bins evenly, the last bin closed', () => {
    const h = histogram('recencyDays', Float64Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 20]));
    expect(h.logBins).toBe(false);
    expect(h.edges).toHaveLength(21);
    expect(h.edges[0]).toBe(0);
    expect(h.edges[20]).toBe(20);
    // width 1: 0..9 one per bin (10 and 11 empty bins hold nothing), 10 in bin 10, 20 in the last
    expect(h.counts.slice(0, 11)).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
    expect(h.counts[19]).toBe(1);
    expect(h.counts.reduce((a, b) => a + b, 0)).toBe(12);
  });

  it('bins a heavy tail on a log scale and counts zeros apart', () => {
    const values = Float64Array.from([0, 0, 1, 1, 2, 3, 10, 100, 10_000]);
    const h = histogram('grossRevenueMills', values);
    expect(h.logBins).toBe(true);
    expect(h.zeros).toBe(2);
    expect(h.edges[0]).toBe(1);
    expect(h.edges[20]).toBe(10_000);
    // log10 from 0 to 4 in 20 bins: 0.2 a bin; 10 = 10^1 starts bin 5, 100 bin 10, 10 000 the last
    expect(h.counts[0]).toBe(2);
    expect(h.counts[5]).toBe(1);
    expect(h.counts[10]).toBe(1);
    expect(h.counts[19]).toBe(1);
    expect(h.counts.reduce((a, b) => a + b, 0)).toBe(7);
  });
});

describe('reportData', () => {
  it('shows every customer as `insiders segment` profiles them', () => {
    const data = reportData(input);
    const profiles = segmentProfiles(model, customers, placements);
    expect(data.segments.map((s) => [s.name, s.customers, s.revenueMills, s.shareOfRevenue])).toEqual(
      profiles.map((p) => [p.name, p.customers, p.revenueMills, p.shareOfRevenue]),
    );
    expect(data.segments[0]!.insiders).toBe(true);
    expect(data.sample).toBeUndefined();
    expect(data.placed).toBe(customers.length);
    expect(data.points).toHaveLength(MAX_SCATTER_POINTS);
    expect(data.histograms.map((h) => h.counts.reduce((a, b) => a + b, h.zeros))).toEqual([
      2400, 2400, 2400, 2400, 2400,
    ]);
    // the scales the model clusters on: money and counts logged, recency not
    expect(data.logScale).toMatchObject({ grossRevenueMills: true, frequency: true, recencyDays: false });
    const insiders = data.insidersProfile.find((p) => p.feature === 'grossRevenueMills')!;
    expect(insiders.insiders.median).toBeGreaterThan(10 * insiders.others.median);
    // the same input draws the same points
    expect(reportData(input).points).toEqual(data.points);
  });

  it('takes exact sizes from the service and the rest from its sample', () => {
    const sample = customers.slice(0, 300);
    const sizes = new Map(model.segments.map((s, i) => [s.id, 1000 * (i + 1)]));
    const total = [...sizes.values()].reduce((a, b) => a + b, 0);
    const data = reportData({
      ...input,
      features: sample,
      placements: placeCustomers(model, sample),
      sample: { sizes, of: 1_000_000 },
    });
    expect(data.sample).toEqual({ read: 300, of: 1_000_000 });
    for (const s of data.segments) {
      expect(s.customers).toBe(sizes.get(s.segmentId));
      expect(s.shareOfCustomers).toBeCloseTo(sizes.get(s.segmentId)! / total, 12);
      expect(s.revenueMills).toBeUndefined();
    }
    expect(data.segments.reduce((a, s) => a + s.shareOfRevenue, 0)).toBeCloseTo(1, 9);
    expect(data.points).toHaveLength(300);
  });
});

describe('renderReport', () => {
  const html = renderReport(reportData(input));

  it('is one page with every chart inline and nothing to load or run', () => {
    const charts = [...html.matchAll(/<figure class="chart" data-chart="([^"]+)"><svg /g)].map((m) => m[1]);
    expect(charts).toEqual(reportCharts);
    expect(html).not.toMatch(/<script|<link|<img|<iframe|url\(/i);
    expect(html).not.toMatch(/(src|href)="(?!#)/);
    expect(html).toContain("default-src 'none'");
  });

  it('escapes text and shows shares as segments.csv rounds them', () => {
    expect(html).toContain('<title>Segments of &lt;test&gt;</title>');
    expect(shareText(0.16364)).toBe('16.36 %');
    expect(shareText(0.00005)).toBe('0.01 %');
    const data = reportData(input);
    for (const s of data.segments) {
      expect(html).toContain(`<td class="n" data-field="customers">${s.customers}</td>`);
      expect(html).toContain(`<td class="n" data-field="share_of_customers">${shareText(s.shareOfCustomers)}</td>`);
    }
  });
});
