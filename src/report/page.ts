// The segment report as one self-contained HTML page: styles and SVG charts inline, no script, and
// a Content-Security-Policy that lets the page load nothing. Pure: ReportData in, HTML out.
import { formatMills } from '../money.js';
import {
  featureLabels,
  histogramChart,
  insidersProfileChart,
  scatterChart,
  segmentColour,
  segmentSharesChart,
  silhouetteChart,
} from './charts.js';
import { reportFeatures, type ReportData, type ReportFeature } from './report-data.js';

const escapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const esc = (text: string): string => text.replace(/[&<>"']/g, (c) => escapes[c]!);

/**
 * A share as the page shows it: percent with two decimals, read from the same four decimals as
 * segments.csv's share columns, so the two agree digit for digit.
 */
export const shareText = (share: number): string => `${(Number(share.toFixed(4)) * 100).toFixed(2)} %`;

const count = (n: number): string => n.toLocaleString('en-GB');
const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const instant = (ms: number): string => `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;

function featureValue(feature: ReportFeature, value: number): string {
  if (feature === 'grossRevenueMills') return formatMills(Math.round(value));
  if (feature === 'frequency') return value.toFixed(3);
  return value.toFixed(1);
}

const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; color: #222; margin: 0 auto; max-width: 1180px; padding: 16px 24px 48px; }
h1 { font-size: 22px; margin: 8px 0 2px; }
h2 { font-size: 17px; margin: 28px 0 6px; border-bottom: 1px solid #ddd; padding-bottom: 3px; }
p.note, figcaption { color: #555; font-size: 12.5px; margin: 4px 0; }
table { border-collapse: collapse; font-size: 12.5px; }
th, td { padding: 3px 7px; border-bottom: 1px solid #e6e6e6; vertical-align: top; }
th { text-align: left; background: #f6f6f6; font-weight: 600; }
td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.what { min-width: 260px; color: #444; }
.median { color: #777; }
span.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 5px; }
figure { margin: 8px 0; display: table; }
figcaption { display: table-caption; caption-side: bottom; }
.row { display: flex; flex-wrap: wrap; gap: 12px; }
dl.summary { display: grid; grid-template-columns: max-content auto; gap: 2px 16px; margin: 6px 0; }
dl.summary dt { color: #555; }
dl.summary dd { margin: 0; font-variant-numeric: tabular-nums; }
`;

function segmentTable(data: ReportData): string {
  const head = [
    'segment',
    'what sets it apart / what to do',
    'customers',
    'share of customers',
    `revenue (${esc(data.currency)})`,
    'share of revenue',
    ...reportFeatures.map((f) => `${esc(featureLabels[f])}<br>mean, <span class="median">median</span>`),
  ];
  const rows = data.segments.map((s) => {
    const cells = [
      `<td class="segment"><span class="swatch" style="background:${segmentColour(data, s.segmentId)}"></span>${esc(s.name)}</td>`,
      `<td class="what">${esc(s.description)}${s.action === '' ? '' : `. <em>${esc(s.action)}</em>`}</td>`,
      `<td class="n" data-field="customers">${s.customers}</td>`,
      `<td class="n" data-field="share_of_customers">${shareText(s.shareOfCustomers)}</td>`,
      `<td class="n" data-field="revenue">${s.revenueMills === undefined ? '—' : formatMills(s.revenueMills)}</td>`,
      `<td class="n" data-field="share_of_revenue">${shareText(s.shareOfRevenue)}</td>`,
      ...reportFeatures.map(
        (f) =>
          `<td class="n">${featureValue(f, s.mean[f])}<br><span class="median">${featureValue(f, s.median[f])}</span></td>`,
      ),
    ];
    return `<tr data-segment-id="${s.segmentId}">${cells.join('')}</tr>`;
  });
  return `<table class="segments"><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function figure(name: string, svg: string, caption: string): string {
  return `<figure class="chart" data-chart="${esc(name)}">${svg}<figcaption>${caption}</figcaption></figure>`;
}

function summaryList(data: ReportData): string {
  const s = data.summary;
  const items: [string, string][] = [['source', esc(s.source)]];
  if (s.rows !== undefined) items.push(['rows read', count(s.rows)]);
  if (s.events !== undefined) items.push(['events (invoices, returns)', count(s.events)]);
  if (s.problemsByKind !== undefined) {
    const kinds = Object.entries(s.problemsByKind).sort((a, b) => b[1] - a[1]);
    const total = kinds.reduce((a, [, n]) => a + n, 0);
    items.push([
      'problem rows',
      kinds.length === 0 ? '0' : `${count(total)}: ${kinds.map(([k, n]) => `${esc(k)} ${count(n)}`).join(', ')}`,
    ]);
  }
  items.push(['customers', count(s.customers)]);
  items.push(['guest orders (no customer id, not segmented)', count(s.guestOrders)]);
  if (s.firstEventMs !== undefined && s.watermarkMs !== undefined) {
    items.push(['time span', `${day(s.firstEventMs)} to ${day(s.watermarkMs)}`]);
  }
  if (s.watermarkMs !== undefined) items.push(['watermark (the features\u2019 “now”)', instant(s.watermarkMs)]);
  items.push(['feature window', `the last ${s.windowDays} days`]);
  return `<dl class="summary">${items.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join('')}</dl>`;
}

/** The whole page. */
export function renderReport(data: ReportData): string {
  const m = data.model;
  const sampleNote =
    data.sample === undefined
      ? `Every customer: ${count(data.placed)} placed.`
      : `Customers per segment and their shares are exact (the sizes kept in the service's state). ` +
        `Shares of revenue, means and medians, the profile, the scatter plots and the distributions come from ` +
        `a uniform sample of ${count(data.sample.read)} of ${count(data.sample.of)} customers (${count(data.placed)} of them placed).`;
  const insiders = data.segments.find((s) => s.insiders);
  const sel = m.selection;
  const recency = scatterChart(data, 'recencyDays');
  const frequency = scatterChart(data, 'frequency');
  const scatterNote = (c: typeof recency) =>
    `${count(data.points.length)} customers drawn at random of ${count(data.placed)} placed` +
    (c.leftOut === 0 ? '' : `; ${count(c.leftOut)} with a zero on a log axis are not drawn`) +
    '. Colours as in the table.';
  const body = [
    `<h1>${esc(data.title)}</h1>`,
    `<p class="note">Model version ${m.version}: k = ${m.k}, silhouette ${m.silhouette.toFixed(3)}, fitted on ${count(m.trainedOn)} customers. ` +
      `Built ${instant(data.builtAtMs)}. ${sampleNote}</p>`,
    insiders === undefined
      ? ''
      : `<p>The Insiders: <strong>${shareText(insiders.shareOfCustomers)}</strong> of customers, <strong>${shareText(insiders.shareOfRevenue)}</strong> of revenue${data.sample === undefined ? '' : ' (sample)'}.` +
        (sel === undefined
          ? ''
          : ` Policy: ${sel.policy.shareBand.map((x) => (100 * x).toFixed(0)).join('–')} % of customers, picked by ${esc(sel.policy.rankRule)}${sel.insidersInBand ? '' : ' (<strong>outside the band</strong>)'}; ${esc(sel.reason)}.`) +
        '</p>',
    '<h2>Segments</h2>',
    segmentTable(data),
    '<div class="row">',
    figure(
      'segment-shares',
      segmentSharesChart(data),
      `Share of customers and of revenue${data.sample === undefined ? '' : ' (revenue: sample)'} per segment.`,
    ),
    figure(
      'silhouette',
      silhouetteChart(data),
      'Silhouette of each k tried (higher: better separated); the chosen k in red.',
    ),
    '</div>',
    '<h2>The Insiders against everyone else</h2>',
    figure(
      'insiders-profile',
      insidersProfileChart(data),
      `Medians in original units (revenue in ${esc(data.currency)}, in the window); others: every other placed customer.`,
    ),
    '<h2>Customers</h2>',
    '<div class="row">',
    figure('scatter-recency', recency.svg, scatterNote(recency)),
    figure('scatter-frequency', frequency.svg, scatterNote(frequency)),
    '</div>',
    '<h2>Distributions of the five features</h2>',
    '<div class="row">',
    ...data.histograms.map((h) =>
      figure(
        `histogram-${h.feature}`,
        histogramChart(h),
        `${esc(featureLabels[h.feature])}${h.feature === 'grossRevenueMills' ? ` (${esc(data.currency)})` : ''}: ` +
          `${h.logBins ? 'bins of equal width on a log scale (a heavy tail), zeros in a bar of their own' : 'bins of equal width'}; ` +
          `from ${featureValue(h.feature, h.edges[0]!)} to ${featureValue(h.feature, h.edges[h.edges.length - 1]!)}.`,
      ),
    ),
    '</div>',
    '<h2>The data</h2>',
    summaryList(data),
  ].join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(data.title)}</title>
<style>${STYLE}</style>
</head>
<body>
${body}
</body>
</html>
`;
}
