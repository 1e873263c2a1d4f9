// Segment names marketing can act on: every segment of a version gets a different name from one
// vocabulary (the usual RFM groups), chosen by how well the segment's customers fit each name, a
// line saying in plain words what sets the segment apart, and the suggested action. Pure.
import { minCostAssignment } from './hungarian.js';

/** What a segment's customers look like, over its members at fit time (original units). */
export interface SegmentTraits {
  /** median whole days since the last purchase */
  readonly recencyDays: number;
  /** median orders in the window */
  readonly orders: number;
  /** median gross revenue in the window, mills */
  readonly grossRevenueMills: number;
  /** median distinct products in the window */
  readonly products: number;
  /** share of the members with exactly one order in the window, 0..1 */
  readonly oneOrderShare: number;
}

/** A machine-readable name, for code that branches on it. `lapsed` is the rule-based group. */
export type SegmentKind =
  | 'insiders'
  | 'loyal'
  | 'potential-loyalist'
  | 'new'
  | 'promising'
  | 'need-attention'
  | 'about-to-sleep'
  | 'at-risk'
  | 'cant-lose'
  | 'hibernating'
  | 'lost'
  | 'one-time'
  | 'lapsed';

interface KindInfo {
  readonly name: string;
  /** the suggested action */
  readonly action: string;
  /**
   * Where a typical segment of this kind sits against the population's medians: R, F, M =
   * log2(segment / population) of recency (+1 day), orders and revenue (+1 mill); O = the share of
   * one-order customers. Null for names given by rule, not by fit.
   */
  readonly prototype: readonly [r: number, f: number, m: number, o: number] | null;
}

/**
 * The vocabulary. Insiders are the segment the Insiders rule picks (rank 1), Lapsed the customers
 * without a purchase in the window; every other segment gets one of the rest by fit.
 */
export const SEGMENT_KINDS: Readonly<Record<SegmentKind, KindInfo>> = {
  insiders: {
    name: 'Insiders',
    action: 'Reward and retain: the loyalty programme, early access, personal service.',
    prototype: null,
  },
  loyal: {
    name: 'Loyal',
    action: 'Upsell, invite referrals, groom as the next Insiders.',
    prototype: [-0.5, 1, 1, 0.1],
  },
  'potential-loyalist': {
    name: 'Potential loyalists',
    action: 'Offer membership or a loyalty tier; recommend what similar customers buy next.',
    prototype: [-1, 0, 0, 0.4],
  },
  new: {
    name: 'New',
    action: 'Onboard with a welcome series and an incentive for a second order.',
    prototype: [-2, -1, -0.7, 1],
  },
  promising: {
    name: 'Promising',
    action: 'Build the habit: recommendations and a repeat-purchase offer.',
    prototype: [-0.7, -0.5, -0.5, 0.7],
  },
  'need-attention': {
    name: 'Need attention',
    action: 'Time-limited offer based on past purchases before they slip further.',
    prototype: [0.3, 0, 0, 0.4],
  },
  'about-to-sleep': {
    name: 'About to sleep',
    action: 'Reactivate with popular products and a discount; remind them what they bought.',
    prototype: [0.8, -0.5, -0.5, 0.6],
  },
  'at-risk': {
    name: 'At risk',
    action: 'Personal win-back before they churn; ask what went wrong.',
    prototype: [1.3, 0.7, 0.7, 0.2],
  },
  'cant-lose': {
    name: "Can't lose",
    action: 'Win them back at almost any cost: a call, the best offer, new products.',
    prototype: [1.5, 1.5, 1.5, 0],
  },
  hibernating: {
    name: 'Hibernating',
    action: 'Low-cost reminders only; suppress from paid campaigns.',
    prototype: [1.5, -0.5, -0.5, 0.6],
  },
  lost: {
    name: 'Lost',
    action: 'One last win-back at most; otherwise leave out of campaigns.',
    prototype: [2.5, -1, -1, 0.9],
  },
  'one-time': {
    name: 'One-time buyers',
    action: 'A reason for a second order: a follow-up on the first purchase, a voucher.',
    prototype: [1, -1, -0.5, 1],
  },
  lapsed: {
    name: 'Lapsed',
    action: 'Win-back with a strong offer, or leave out of paid campaigns; not clustered, placed by rule.',
    prototype: null,
  },
};

/** The kinds the fit chooses from, in vocabulary order (the tie-break). */
export const FITTED_KINDS = (Object.keys(SEGMENT_KINDS) as SegmentKind[]).filter(
  (kind) => SEGMENT_KINDS[kind].prototype !== null,
);

/**
 * How much better another name must fit a continuing segment before it loses its previous name,
 * in the squared units of the fit cost: a segment's name stays unless its profile clearly moves
 * (about one doubling of a median, or half the customers switching between one and several orders).
 */
export const NAME_STICKINESS = 1;

/** Weights of R, F, M and O in the fit cost: O (0..1) counts as much as a doubling of a median. */
const WEIGHTS = [1, 1, 1, 4] as const;

/** Ratios beyond 2^±4 fit no name better than 16× does. */
const CLAMP = 4;
function log2Ratio(value: number, reference: number): number {
  const ratio = Math.max(value, 0) / Math.max(reference, 1e-9);
  return ratio > 0 ? Math.max(-CLAMP, Math.min(CLAMP, Math.log2(ratio))) : -CLAMP;
}

/** The segment's R, F, M, O coordinates against the population (see KindInfo.prototype). */
export function coordinates(traits: SegmentTraits, population: SegmentTraits): [number, number, number, number] {
  return [
    log2Ratio(traits.recencyDays + 1, population.recencyDays + 1),
    log2Ratio(traits.orders, population.orders),
    log2Ratio(traits.grossRevenueMills + 1, population.grossRevenueMills + 1),
    traits.oneOrderShare,
  ];
}

/** How badly `kind` fits a segment at `point`: the weighted squared distance to its prototype. */
export function misfit(point: readonly number[], kind: SegmentKind): number {
  const prototype = SEGMENT_KINDS[kind].prototype;
  if (prototype === null) throw new RangeError(`${kind} is given by rule, not by fit`);
  return prototype.reduce((sum, p, a) => sum + WEIGHTS[a]! * (point[a]! - p) ** 2, 0);
}

const times = (ratio: number) => `${ratio >= 10 ? ratio.toFixed(0) : ratio.toFixed(1)}×`;

/**
 * What sets a segment apart, in plain words, against the population's medians: "last bought 12
 * days ago (median), 3.4× the median revenue, 6 orders, many products (2.5×)".
 */
export function describeTraits(traits: SegmentTraits, population: SegmentTraits): string {
  const parts = [`last bought ${Math.round(traits.recencyDays)} days ago (median)`];
  parts.push(`${times(traits.grossRevenueMills / Math.max(population.grossRevenueMills, 1))} the median revenue`);
  if (traits.oneOrderShare >= 0.5) parts.push(`${Math.round(100 * traits.oneOrderShare)} % bought only once`);
  else parts.push(`${Math.round(traits.orders)} orders (median)`);
  const products = traits.products / Math.max(population.products, 1);
  if (products >= 1.5) parts.push(`many products (${times(products)})`);
  else if (products <= 2 / 3) parts.push(`few products (${times(products)})`);
  return parts.join(', ');
}

export interface SegmentName {
  readonly kind: SegmentKind;
  /** distinct within the version */
  readonly name: string;
  /** what sets the segment apart, in plain words */
  readonly description: string;
  readonly action: string;
}

export interface NamingInput {
  /** segment i's traits */
  readonly traits: readonly SegmentTraits[];
  /** segment i's rank: rank 1 is the Insiders */
  readonly ranks: readonly number[];
  /** the traits of all clustered customers together */
  readonly population: SegmentTraits;
  /** segment i's kind in the previous version, when it continues a previous segment */
  readonly previousKinds?: readonly (SegmentKind | undefined)[];
}

/**
 * Names every segment: rank 1 is Insiders; the others get distinct kinds of FITTED_KINDS with the
 * least total misfit (Hungarian), a continuing segment's previous kind costing NAME_STICKINESS less.
 * With more segments than kinds (k > 12, only with a fixed k), the segments left over take their
 * best-fitting kind's name with a number ("Hibernating 2"): the vocabulary's limit.
 */
export function nameSegments(input: NamingInput): SegmentName[] {
  const { traits, ranks, population } = input;
  if (ranks.length !== traits.length) throw new RangeError(`${ranks.length} ranks for ${traits.length} segments`);
  const points = traits.map((t) => coordinates(t, population));
  const fitted = traits.map((_, i) => i).filter((i) => ranks[i] !== 1);
  const cost = fitted.map((i) =>
    FITTED_KINDS.map((kind) => misfit(points[i]!, kind) - (input.previousKinds?.[i] === kind ? NAME_STICKINESS : 0)),
  );
  const { rowToCol } = minCostAssignment(cost);
  const kinds = new Array<SegmentKind>(traits.length).fill('insiders');
  const overflow: number[] = [];
  fitted.forEach((i, row) => {
    const col = rowToCol[row]!;
    if (col >= 0) kinds[i] = FITTED_KINDS[col]!;
    else overflow.push(i);
  });
  const names = kinds.map((kind) => SEGMENT_KINDS[kind].name);
  const taken = new Set(names.filter((_, i) => !overflow.includes(i)));
  for (const i of overflow.sort((a, b) => ranks[a]! - ranks[b]!)) {
    const best = FITTED_KINDS.reduce((a, b) => (misfit(points[i]!, b) < misfit(points[i]!, a) ? b : a));
    kinds[i] = best;
    let name = SEGMENT_KINDS[best].name;
    for (let n = 2; taken.has(name); n++) name = `${SEGMENT_KINDS[best].name} ${n}`;
    taken.add(name);
    names[i] = name;
  }
  return kinds.map((kind, i) => ({
    kind,
    name: names[i]!,
    description: describeTraits(traits[i]!, population),
    action: SEGMENT_KINDS[kind].action,
  }));
}
