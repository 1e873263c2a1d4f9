// Segments of a fitted model: their rank by value, their names and what marketing should do with
// each, and ids that stay with a segment across refits. Profiles are in original units (mills, days).
import { matchCentres } from './hungarian.js';
import type { FeatureName, Matrix, Segment } from './types.js';

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

/** Which features stand for recency, frequency and monetary value when naming segments. */
export interface NamingAxes {
  readonly recency: FeatureName;
  readonly frequency: FeatureName;
  readonly monetary: FeatureName;
}

/**
 * Frequency is read from `products` by default, not from the `frequency` feature: that one is orders
 * per active day, 1 for a customer with a single order and small for one who bought every month of
 * the year, so it does not tell repeat buyers from one-off buyers. Distinct products bought in the
 * window grows with repeat orders and is in the study's feature set; use `orders` where the profiles
 * carry it.
 */
export const DEFAULT_NAMING_AXES: NamingAxes = {
  recency: 'recencyDays',
  frequency: 'products',
  monetary: 'grossRevenueMills',
};

/** Thresholds on a segment's value divided by the population reference's value of the same feature. */
export interface NamingThresholds {
  /** recency ratio at or below this: very recent (new customers) */
  readonly veryRecentAtMost: number;
  /** recency ratio at or below this: recent */
  readonly recentAtMost: number;
  /** recency ratio above this: lapsed, long ago */
  readonly lapsedAbove: number;
  /** frequency and monetary ratios at or above this: high */
  readonly highAtLeast: number;
}

export const DEFAULT_NAMING_THRESHOLDS: NamingThresholds = {
  veryRecentAtMost: 0.5,
  recentAtMost: 1,
  lapsedAbove: 2,
  highAtLeast: 1,
};

export interface NamingOptions {
  readonly axes?: NamingAxes;
  readonly thresholds?: NamingThresholds;
}

/** A machine-readable segment kind, for code that branches on it (names carry " 2" suffixes). */
export type SegmentKind =
  'insiders' | 'loyal' | 'new' | 'promising' | 'potential-loyalist' | 'at-risk' | 'need-attention' | 'hibernating';

interface KindInfo {
  readonly name: string;
  readonly description: string;
}

/** The name and the marketing action of each kind. */
export const SEGMENT_KINDS: Readonly<Record<SegmentKind, KindInfo>> = {
  insiders: {
    name: 'Insiders',
    description: 'Most valuable customers: reward and retain with the loyalty programme, early access and service.',
  },
  loyal: {
    name: 'Loyal',
    description: 'Recent, frequent, high-value buyers: upsell, invite referrals, groom as the next Insiders.',
  },
  new: {
    name: 'New',
    description: 'First orders very recently: onboard with a welcome series and an incentive for a second order.',
  },
  promising: {
    name: 'Promising',
    description: 'Recent but few orders: build the habit with recommendations and a repeat-purchase offer.',
  },
  'potential-loyalist': {
    name: 'Potential loyalist',
    description: 'Recent, frequent, small baskets: raise basket value with bundles, cross-sell, shipping thresholds.',
  },
  'at-risk': {
    name: 'At risk',
    description: 'Were valuable, now quiet for long: personal win-back before they churn, ask what went wrong.',
  },
  'need-attention': {
    name: 'Need attention',
    description: 'Modest value, purchases slipping: time-limited reactivation offer based on past purchases.',
  },
  hibernating: {
    name: 'Hibernating',
    description: 'Low value, last order long ago: low-cost reminders only, or suppress from paid campaigns.',
  },
};

/** A segment's recency, frequency and monetary value divided by the population reference's. */
export interface RelativeProfile {
  readonly recency: number;
  readonly frequency: number;
  readonly monetary: number;
}

export interface SegmentNaming {
  readonly kind: SegmentKind;
  /** unique within the version: the kind's name, with " 2", " 3"… for later-ranked repeats */
  readonly name: string;
  /** one line on what marketing should do with the segment */
  readonly description: string;
  readonly relative: RelativeProfile;
}

function ratio(value: number, reference: number): number {
  if (reference > 0) return value / reference;
  return value > 0 ? Infinity : 1;
}

/**
 * The kind of a segment from its profile relative to the population (first matching row wins;
 * R, F, M = the segment's recency, frequency, monetary value ÷ the population reference's;
 * thresholds are the defaults, all configurable):
 *
 * | kind               | rank | R            | F     | M     |
 * |--------------------|------|--------------|-------|-------|
 * | Insiders           | 1    | any          | any   | any   |
 * | Loyal              | > 1  | ≤ 1          | ≥ 1   | ≥ 1   |
 * | New                | > 1  | ≤ 0.5        | < 1   | any   |
 * | Promising          | > 1  | ≤ 1          | < 1   | any   |
 * | Potential loyalist | > 1  | ≤ 1          | ≥ 1   | < 1   |
 * | At risk            | > 1  | > 1          | any   | ≥ 1   |
 * | Need attention     | > 1  | > 1 and ≤ 2  | any   | < 1   |
 * | Hibernating        | > 1  | > 2          | any   | < 1   |
 *
 * Every profile gets exactly one kind. Low recency is good (days since the last purchase).
 */
export function kindOf(rank: number, relative: RelativeProfile, thresholds = DEFAULT_NAMING_THRESHOLDS): SegmentKind {
  if (rank === 1) return 'insiders';
  const { recency: r, frequency: f, monetary: m } = relative;
  const t = thresholds;
  const highF = f >= t.highAtLeast;
  const highM = m >= t.highAtLeast;
  if (r <= t.recentAtMost) {
    if (highF && highM) return 'loyal';
    if (!highF) return r <= t.veryRecentAtMost ? 'new' : 'promising';
    return 'potential-loyalist';
  }
  if (highM) return 'at-risk';
  return r <= t.lapsedAbove ? 'need-attention' : 'hibernating';
}

/**
 * Names for segments with the given centres and ranks (as from rankSegments), judged against
 * `population`: the population's medians or its overall mean, in the same units as the centres.
 * Rank 1 is the Insiders; a name that several segments earn goes plain to the best ranked of them
 * and with " 2", " 3"… to the others in rank order.
 */
export function nameSegments(
  centres: readonly SegmentProfile[],
  ranks: readonly number[],
  population: SegmentProfile,
  options: NamingOptions = {},
): SegmentNaming[] {
  if (ranks.length !== centres.length) {
    throw new RangeError(`${ranks.length} ranks for ${centres.length} segments`);
  }
  const axes = options.axes ?? DEFAULT_NAMING_AXES;
  const thresholds = options.thresholds ?? DEFAULT_NAMING_THRESHOLDS;
  const reference = {
    recency: valueOf(population, axes.recency, 'the population reference'),
    frequency: valueOf(population, axes.frequency, 'the population reference'),
    monetary: valueOf(population, axes.monetary, 'the population reference'),
  };
  const kinds = centres.map((centre, i) => {
    const relative: RelativeProfile = {
      recency: ratio(valueOf(centre, axes.recency, `segment ${i}`), reference.recency),
      frequency: ratio(valueOf(centre, axes.frequency, `segment ${i}`), reference.frequency),
      monetary: ratio(valueOf(centre, axes.monetary, `segment ${i}`), reference.monetary),
    };
    return { relative, kind: kindOf(ranks[i]!, relative, thresholds) };
  });

  const byRank = centres.map((_, i) => i).sort((a, b) => ranks[a]! - ranks[b]! || a - b);
  const taken = new Set<string>();
  const names = new Array<string>(centres.length);
  for (const i of byRank) {
    const base = SEGMENT_KINDS[kinds[i]!.kind].name;
    let name = base;
    for (let n = 2; taken.has(name); n++) name = `${base} ${n}`;
    taken.add(name);
    names[i] = name;
  }
  return kinds.map(({ kind, relative }, i) => ({
    kind,
    name: names[i]!,
    description: SEGMENT_KINDS[kind].description,
    relative,
  }));
}

/** The ids and centres of the version being replaced. */
export interface PreviousSegments {
  /** id of the segment of each centre row */
  readonly ids: readonly number[];
  /** in the same space as the new centres: rescale them first when the scaler was refit */
  readonly centres: Matrix;
  /** the highest id ever given, when ids of dropped segments must never come back */
  readonly highestIdEver?: number;
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

export interface DescribedSegment extends Segment {
  readonly kind: SegmentKind;
  readonly description: string;
}

export interface BuildSegmentsInput {
  /** row i: segment i's centre in the scaled space, as fitted */
  readonly scaledCentres: Matrix;
  /** segment i's centre in original units */
  readonly centres: readonly SegmentProfile[];
  /** customers assigned to each segment at fit time */
  readonly sizes: readonly number[];
  /** population medians or overall mean, in original units */
  readonly population: SegmentProfile;
  readonly previous?: PreviousSegments;
  readonly rankRule?: RankRule;
  readonly naming?: NamingOptions;
}

/** Ids, ranks, names and actions of a fitted version's segments, in centre-row order. */
export function buildSegments(input: BuildSegmentsInput): {
  segments: DescribedSegment[];
  insidersId: number;
} {
  const k = input.scaledCentres.rows;
  if (input.centres.length !== k || input.sizes.length !== k) {
    throw new RangeError(`${k} centres but ${input.centres.length} profiles and ${input.sizes.length} sizes`);
  }
  const ids = assignSegmentIds(input.previous, input.scaledCentres);
  const ranks = rankSegments(input.centres, input.rankRule);
  const names = nameSegments(input.centres, ranks, input.population, input.naming);
  const segments = names.map((naming, i): DescribedSegment => ({
    id: ids[i]!,
    rank: ranks[i]!,
    name: naming.name,
    kind: naming.kind,
    description: naming.description,
    centre: input.centres[i]!,
    size: input.sizes[i]!,
  }));
  const insiders = segments.find((s) => s.rank === 1);
  if (insiders === undefined) throw new RangeError('no segments');
  return { segments, insidersId: insiders.id };
}
