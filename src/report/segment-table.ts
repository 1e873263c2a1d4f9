// The segment table as text, for a terminal: `insiders segment` prints it for the model it fitted,
// `insiders report` for the segments read back from ClickHouse. Pure: rows in, lines out.
import type { FittedModel } from '../model/model.js';
import type { SegmentProfileRow } from '../model/profiles.js';
import { formatMills } from '../money.js';

/** A share (0..1) as a percentage with one decimal. */
export const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/**
 * The header and rows as lines of columns two spaces apart, each as wide as its widest cell: the
 * first `textColumns` columns left-aligned (names), the others right-aligned (numbers).
 */
export function textTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  textColumns: number,
): string[] {
  const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j]!.length)));
  return [header, ...rows].map((cells) =>
    cells.map((c, j) => (j < textColumns ? c.padEnd(widths[j]!) : c.padStart(widths[j]!))).join('  '),
  );
}

/** One line per segment: its name, what sets it apart and what marketing should do with it. */
export function segmentDescriptions(
  segments: readonly { readonly name: string; readonly description: string; readonly action: string }[],
): string[] {
  const width = Math.max(0, ...segments.map((s) => s.name.length));
  return segments.map((s) =>
    s.description === '' ? s.name : `${s.name.padEnd(width)}  ${s.description}. ${s.action}`,
  );
}

/** The Insiders policy of a model run and where its Insiders stand, in two lines. */
export function policyLines(
  band: readonly [number, number],
  rule: string,
  shareOfCustomers: number,
  shareOfRevenue: number,
  inBand: boolean,
  reason: string,
): string[] {
  return [
    `Insiders policy: ${band.map((x) => (100 * x).toFixed(0)).join('–')} % of segmented customers, picked by ${rule}; ` +
      `Insiders ${pct(shareOfCustomers)} of customers, ${pct(shareOfRevenue)} of revenue${inBand ? '' : ' (OUTSIDE the band)'}`,
    `why this k: ${reason}`,
  ];
}

/** A fitted model's segments, their descriptions, the k chosen and the Insiders policy. */
export function formatSegmentTable(model: FittedModel, profiles: readonly SegmentProfileRow[]): string {
  const header = [
    'rank',
    'segment',
    'customers',
    'share',
    'revenue share',
    'mean revenue',
    'recency d',
    'frequency',
    'products',
    'returns',
  ];
  const rows = profiles.map((p) => [
    String(p.rank),
    p.name,
    String(p.customers),
    pct(p.shareOfCustomers),
    pct(p.shareOfRevenue),
    formatMills(Math.round(p.mean.grossRevenueMills)),
    p.mean.recencyDays.toFixed(1),
    p.mean.frequency.toFixed(3),
    p.mean.products.toFixed(1),
    p.mean.returns.toFixed(1),
  ]);
  const silhouettes = Object.entries(model.silhouetteByK)
    .map(([k, s]) => `k=${k}: ${s.toFixed(3)}`)
    .join(', ');
  const s = model.selection;
  return [
    ...textTable(header, rows, 2),
    '',
    ...segmentDescriptions(profiles),
    '',
    `k = ${model.k}, silhouette ${model.silhouette.toFixed(3)} (tried ${silhouettes}), ${model.trainedOn} customers clustered`,
    ...(s === undefined
      ? []
      : policyLines(
          s.policy.shareBand,
          s.policy.rankRule,
          s.insidersShareOfCustomers,
          s.insidersShareOfRevenue,
          s.insidersInBand,
          s.reason,
        )),
  ].join('\n');
}
