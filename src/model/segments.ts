// Segments of a fitted model: their rank by value, their names (src/model/naming.ts), ids that stay
// with a segment across refits, and the rule-based Lapsed group. Profiles are in original units
// (mills, days).
import { matchCentres } from './hungarian.js';
import { nameSegments, SEGMENT_KINDS, type SegmentKind, type SegmentTraits } from './naming.js';
import type { FeatureName, Matrix, Segment } from './types.js';

/**
 * The segment id of the Lapsed group: customers without a purchase in the window, placed by rule
 * and never clustered. Reserved: fitted segments get ids from 1 up, 0 means "no segment" in
 * ClickHouse, so -1 can never be a cluster's.
 */
export const LAPSED_SEGMENT_ID = -1;

/** The clustered segments of a segment list, in centre-row order (the rule-based ones left out). */
export function clusteredSegments<T extends { readonly ruleBased?: boolean }>(segments: readonly T[]): T[] {
  return segments.filter((s) => s.ruleBased !== true);
}

/** A segment's centre, or a population reference, in original units keyed by feature name. */
export type SegmentProfile = Readonly<Record<string, number>>;

export interface RankKey {
  readonly by: FeatureName;
  readonly order: 'asc' | 'desc';
}

/** Segments are ordered by `by`, then by each `thenBy` key, then by their index (lower first). */
export interface RankRule extends RankKey {
  readonly thenBy?: readonly RankKey[];
}

/** The origin study: the segment with the highest mean gross revenue is the Insiders. */
export const DEFAULT_RANK_RULE: RankRule = {
  by: 'grossRevenueMills',
  order: 'desc',
  thenBy: [{ by: 'recencyDays', order: 'asc' }],
};

/** The rules that can pick the Insiders (INSIDERS_RULE): the segment each ranks first. */
export const INSIDERS_RULES = {
  /** the highest-value segment: highest revenue in the window, then the most recent */
  revenue: DEFAULT_RANK_RULE,
  /** the widest buyers: most distinct products, then the highest revenue */
  products: { by: 'products', order: 'desc', thenBy: [{ by: 'grossRevenueMills', order: 'desc' }] },
  /** the most recent buyers: fewest days since the last purchase, then the highest revenue */
  recency: { by: 'recencyDays', order: 'asc', thenBy: [{ by: 'grossRevenueMills', order: 'desc' }] },
} as const satisfies Record<string, RankRule>;

export type InsidersRuleName = keyof typeof INSIDERS_RULES;

function valueOf(profile: SegmentProfile, feature: string, owner: string): number {
  const value = profile[feature];
  if (value === undefined || Number.isNaN(value)) throw new RangeError(`${owner} has no value for ${feature}`);
  return value;
}

/**
 * The rank of each segment, 1 = most valuable, by `rule`. Result i is the rank of `centres[i]`;
 * ranks are 1..k with no ties (the index decides last).
 */
export function rankSegments(centres: readonly SegmentProfile[], rule: RankRule = DEFAULT_RANK_RULE): number[] {
  const keys: readonly RankKey[] = [rule, ...(rule.thenBy ?? [])];
  const values = centres.map((centre, i) => keys.map((key) => valueOf(centre, key.by, `segment ${i}`)));
  const order = centres.map((_, i) => i);
  order.sort((a, b) => {
    for (let k = 0; k < keys.length; k++) {
      const va = values[a]![k]!;
      const vb = values[b]![k]!;
      if (va !== vb) return keys[k]!.order === 'asc' ? va - vb : vb - va;
    }
    return a - b;
  });
  const ranks = new Array<number>(centres.length);
  order.forEach((segment, position) => {
    ranks[segment] = position + 1;
  });
  return ranks;
}

/** The ids and centres of the version being replaced. */
export interface PreviousSegments {
  /** id of the segment of each centre row */
  readonly ids: readonly number[];
  /** in the same space as the new centres: rescale them first when the scaler was refit */
  readonly centres: Matrix;
  /** the highest id ever given, when ids of dropped segments must never come back */
  readonly highestIdEver?: number;
  /** the kind (name) of the segment of each centre row, to keep names across refits */
  readonly kinds?: readonly (SegmentKind | undefined)[];
}

/**
 * Segment ids for the rows of `next`. A first version gets 1..k. After that a centre that continues a
 * previous centre (matchCentres) keeps its id; the others get fresh ids above every previous id, in
 * row order.
 */
export function assignSegmentIds(previous: PreviousSegments | undefined, next: Matrix): number[] {
  if (previous === undefined) return Array.from({ length: next.rows }, (_, i) => i + 1);
  if (previous.ids.length !== previous.centres.rows) {
    throw new RangeError(`${previous.ids.length} previous ids for ${previous.centres.rows} previous centres`);
  }
  if (new Set(previous.ids).size !== previous.ids.length) throw new RangeError('previous segment ids repeat');
  const continues = matchCentres(previous.centres, next);
  let nextFresh = Math.max(0, previous.highestIdEver ?? 0, ...previous.ids) + 1;
  return Array.from(continues, (j) => (j >= 0 ? previous.ids[j]! : nextFresh++));
}

export interface BuildSegmentsInput {
  /** row i: segment i's centre in the scaled space, as fitted */
  readonly scaledCentres: Matrix;
  /** segment i's centre in original units, for the rank rule */
  readonly centres: readonly SegmentProfile[];
  /** customers assigned to each segment at fit time */
  readonly sizes: readonly number[];
  /** segment i's members, for naming and the description */
  readonly traits: readonly SegmentTraits[];
  /** all clustered customers together */
  readonly population: SegmentTraits;
  /** customers of the fit without a purchase in the window: the Lapsed group's fit-time size */
  readonly lapsed: number;
  readonly previous?: PreviousSegments;
  readonly rankRule?: RankRule;
}

/** The Lapsed group as a segment: ranked after every clustered one, no centre. */
export function lapsedSegment(rank: number, size: number): Segment {
  return {
    id: LAPSED_SEGMENT_ID,
    rank,
    name: SEGMENT_KINDS.lapsed.name,
    kind: 'lapsed',
    description: 'no purchase in the window: every purchase expired, or only returns',
    action: SEGMENT_KINDS.lapsed.action,
    ruleBased: true,
    centre: {},
    size,
  };
}

/**
 * Ids, ranks, names, descriptions and actions of a fitted version's segments, in centre-row order,
 * followed by the Lapsed group.
 */
export function buildSegments(input: BuildSegmentsInput): { segments: Segment[]; insidersId: number } {
  const k = input.scaledCentres.rows;
  if (input.centres.length !== k || input.sizes.length !== k || input.traits.length !== k) {
    throw new RangeError(
      `${k} centres but ${input.centres.length} profiles, ${input.sizes.length} sizes and ${input.traits.length} traits`,
    );
  }
  const ids = assignSegmentIds(input.previous, input.scaledCentres);
  const ranks = rankSegments(input.centres, input.rankRule);
  const previousKind = new Map<number, SegmentKind>();
  input.previous?.ids.forEach((id, j) => {
    const kind = input.previous?.kinds?.[j];
    if (kind !== undefined) previousKind.set(id, kind);
  });
  const names = nameSegments({
    traits: input.traits,
    ranks,
    population: input.population,
    previousKinds: ids.map((id) => previousKind.get(id)),
  });
  const segments = names.map((naming, i): Segment => ({
    id: ids[i]!,
    rank: ranks[i]!,
    ...naming,
    ruleBased: false,
    centre: input.centres[i]!,
    size: input.sizes[i]!,
  }));
  const insiders = segments.find((s) => s.rank === 1);
  if (insiders === undefined) throw new RangeError('no segments');
  return { segments: [...segments, lapsedSegment(k + 1, input.lapsed)], insidersId: insiders.id };
}
