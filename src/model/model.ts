// A model version from customers' features, and the assignment of customers to its segments.
// Pure: the seed comes in, timing is measured by the caller.
//
// Fit: customers with a purchase in the window -> feature matrix -> log1p + scaler fitted on
// these customers -> mini-batch k-means (k chosen on the first fit by the Insiders policy and the
// silhouette, or fixed) -> segments matched to the previous version's (Hungarian on centre
// distance), ranked and named. A refit warm-starts from the previous centres with the previous k,
// so segments stay put when the population does. Customers without a purchase in the window are
// not clustered: the Lapsed rule places them (LAPSED_SEGMENT_ID).
import type { Features } from '../features/features.js';
import { assign, miniBatchKMeans, type KMeansFit } from './kmeans.js';
import { createMatrix } from './matrix.js';
import { medianInPlace } from './median.js';
import {
  applyScaler,
  defaultTransforms,
  featureColumns,
  featureMatrix,
  fitAndApplyScaler,
  scaleRow,
  unscaleRow,
} from './prepare.js';
import { createRng, sampleWithoutReplacement } from './rng.js';
import type { SegmentKind, SegmentTraits } from './naming.js';
import {
  buildSegments,
  clusteredSegments,
  DEFAULT_RANK_RULE,
  LAPSED_SEGMENT_ID,
  rankSegments,
  type PreviousSegments,
  type RankRule,
} from './segments.js';
import { chooseK, distanceToBand, selectK } from './select-k.js';
import { silhouetteOnSample } from './silhouette.js';
import type { FeatureName, FeatureTransform, InsidersPolicy, Matrix, ModelVersion, Scaler } from './types.js';

/** The default Insiders band: 5–20 % of segmented customers, a loyalty programme's usual size. */
export const DEFAULT_INSIDERS_SHARE_BAND: readonly [number, number] = [0.05, 0.2];

/**
 * Seedings per k on a cold start. A lineage starts cold once and every refit after it is warm, so
 * its first local optimum is the one it keeps; seedings cost the same at any n (each works on a
 * sample of a few thousand points). On the UCI customers, 100 seeds at k = 6 and at k = 8 all
 * reach the best optimum with 10 seedings, against 98 and 87 with 3 (the others are 14 % and 4–6 %
 * worse in inertia and would put a different partition in front of the analyst).
 */
export const COLD_START_SEEDINGS = 10;

export interface FitOptions {
  readonly seed: number;
  readonly transforms?: readonly FeatureTransform[];
  readonly scaler?: 'minmax' | 'robust';
  /** a fixed k; otherwise the best silhouette in kRange (default 2..10) on a cold start */
  readonly k?: number;
  readonly kRange?: readonly [number, number];
  readonly batchSize?: number;
  /** seedings tried per k on a cold start (see MiniBatchOptions.nInit); default COLD_START_SEEDINGS */
  readonly nInit?: number;
  /** forgetting of old centres across refits, in mini-batch steps */
  readonly halfLife?: number;
  readonly silhouetteSampleSize?: number;
  readonly rankRule?: RankRule;
  /** the target band of the Insiders' share of segmented customers, 0..1; default 5–20 % */
  readonly insidersShareBand?: readonly [number, number];
  /** ignore the previous version's k and choose again */
  readonly reselectK?: boolean;
}

export interface FittedModel extends ModelVersion {
  /** per-centre counts after the fit, for the next warm start */
  readonly counts: readonly number[];
  readonly transformsUsed: readonly FeatureTransform[];
  /** the highest segment id ever given in this lineage: retired ids are never reissued */
  readonly highestSegmentIdEver: number;
}

/**
 * Customers the model places: those who ever bought, and those with a return in the window (a
 * purchase from before the records start). Customers with neither get no segment.
 */
export function isEligible(f: Features): boolean {
  return f.recencyDays !== null || f.returnEvents > 0;
}

/** Customers the model clusters: a purchase in the window. */
export function isClustered(f: Features): boolean {
  return f.orders > 0;
}

/**
 * The Lapsed rule: an eligible customer without a purchase in the window (every purchase expired,
 * or only returns). A function of the features at "now" alone, like every placement.
 */
export function isLapsed(f: Features): boolean {
  return isEligible(f) && !isClustered(f);
}

function centresInScaler(centres: Matrix, from: Scaler, to: Scaler): Matrix {
  const out = createMatrix(centres.rows, centres.cols);
  for (let i = 0; i < centres.rows; i++) {
    const original = unscaleRow(centres.data.subarray(i * centres.cols, (i + 1) * centres.cols), from);
    out.data.set(scaleRow(original, to), i * centres.cols);
  }
  return out;
}

/** The columns of the clustered customers that the segments' traits and revenue are read from. */
interface TraitColumns {
  readonly recencyDays: Float64Array;
  readonly orders: Float64Array;
  readonly grossRevenueMills: Float64Array;
  readonly products: Float64Array;
}

/** featureColumn of each trait over `rows`, in their order (null recency as 0). */
function traitColumns(rows: readonly Features[]): TraitColumns {
  const [recencyDays, orders, grossRevenueMills, products] = featureColumns(
    rows,
    ['recencyDays', 'orders', 'grossRevenueMills', 'products'],
    0,
  );
  return { recencyDays: recencyDays!, orders: orders!, grossRevenueMills: grossRevenueMills!, products: products! };
}

/** The naming traits of the customers at `members` (indices into the columns; medians over them). */
function traitsOf(columns: TraitColumns, members: Uint32Array): SegmentTraits {
  // One column's values of the members at a time, reordered in place for its median.
  const values = new Float64Array(members.length);
  const median = (column: Float64Array) => {
    for (let i = 0; i < members.length; i++) values[i] = column[members[i]!]!;
    return medianInPlace(values);
  };
  let oneOrder = 0;
  for (let i = 0; i < members.length; i++) if (columns.orders[members[i]!] === 1) oneOrder++;
  return {
    recencyDays: median(columns.recencyDays),
    orders: median(columns.orders),
    grossRevenueMills: median(columns.grossRevenueMills),
    products: median(columns.products),
    oneOrderShare: members.length === 0 ? 0 : oneOrder / members.length,
  };
}

/** The revenue of the customers at `members`, summed in their order. */
function revenueOf(columns: TraitColumns, members: Uint32Array): number {
  let sum = 0;
  for (let i = 0; i < members.length; i++) sum += columns.grossRevenueMills[members[i]!]!;
  return sum;
}

/**
 * Each segment's customers, by label: `order[i]` is the customer of the i-th label, and each
 * segment lists its customers in that order.
 */
function membersByLabel(order: Uint32Array, labels: ArrayLike<number>, k: number): Uint32Array[] {
  const sizes = new Uint32Array(k);
  for (let i = 0; i < labels.length; i++) sizes[labels[i]!]!++;
  const members = Array.from(sizes, (size) => new Uint32Array(size));
  const filled = new Uint32Array(k);
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i]!;
    members[label]![filled[label]!++] = order[i]!;
  }
  return members;
}

/** The rows of `m` in the order `order` gives (row i of the result is row order[i] of m). */
function rowsInOrder(m: Matrix, order: Uint32Array): Matrix {
  const cols = m.cols;
  const out = createMatrix(order.length, cols);
  for (let i = 0; i < order.length; i++) {
    const from = order[i]! * cols;
    for (let j = 0; j < cols; j++) out.data[i * cols + j] = m.data[from + j]!;
  }
  return out;
}

/** Rank rules in words, for the model run. */
function describeRule(rule: RankRule): string {
  const key = (k: { by: string; order: string }) => `${k.order === 'desc' ? 'highest' : 'lowest'} ${k.by}`;
  return [rule, ...(rule.thenBy ?? [])].map(key).join(', then ');
}

function profile(values: readonly number[], transforms: readonly FeatureTransform[]): Record<FeatureName, number> {
  const out = {} as Record<FeatureName, number>;
  transforms.forEach((t, j) => (out[t.name] = values[j]!));
  return out;
}

/**
 * Order-preserving number keys of the ids' first code units: ids whose keys differ compare as their
 * keys do; equal keys leave the ids to compare as strings. Each unit counts one more than its code
 * (0 is the end of a shorter id), in base 129 for 7 units when those of every id are ASCII, as the
 * contract's ids are, else in base 65,537 for 3; either way below 2^53, exact.
 */
function idPrefixKeys(ids: readonly string[]): Float64Array {
  const keys = new Float64Array(ids.length);
  const fill = (units: number, base: number): boolean => {
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      let key = 0;
      for (let u = 0; u < units; u++) {
        const c = u < id.length ? id.charCodeAt(u) + 1 : 0;
        if (c >= base) return false;
        key = key * base + c;
      }
      keys[i] = key;
    }
    return true;
  };
  if (!fill(7, 129)) fill(3, 65_537);
  return keys;
}

/**
 * The indices 0..n-1 ordered by `keys` (integers in [0, 2^53)), equal keys in index order: a least
 * significant digit radix sort, four passes of 16 bits, stable.
 */
function orderByKeys(keys: Float64Array): Uint32Array {
  const n = keys.length;
  const low = new Uint32Array(n);
  const high = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const key = keys[i]!;
    low[i] = key >>> 0;
    high[i] = Math.floor(key / 0x1_0000_0000);
  }
  let order = new Uint32Array(n);
  let next = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const counts = new Uint32Array(0x1_0001);
  for (let pass = 0; pass < 4; pass++) {
    const words = pass < 2 ? low : high;
    const shift = pass % 2 === 0 ? 0 : 16;
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[((words[i]! >>> shift) & 0xffff) + 1]!++;
    // every key has the same digit here: the order stands
    if (counts[(((words[0] ?? 0) >>> shift) & 0xffff) + 1] === n) continue;
    for (let d = 1; d <= 0xffff; d++) counts[d]! += counts[d - 1]!;
    for (let i = 0; i < n; i++) {
      const at = order[i]!;
      next[counts[(words[at]! >>> shift) & 0xffff]!++] = at;
    }
    [order, next] = [next, order];
  }
  return order;
}

/**
 * The indices of `rows` ordered by customer id (code units, not locale; equal ids in their order
 * here): the canonical order a fit reads customers in. Ordered by number keys (a radix sort), then
 * the ids of equal keys as strings, since comparing a million strings was a sixth of a fit's time
 * and sorting the keys with a comparison function still took seconds.
 */
function customerIdOrder(rows: readonly Features[]): Uint32Array {
  const ids = rows.map((f) => f.customerId);
  const keys = idPrefixKeys(ids);
  const order = orderByKeys(keys);
  // Runs of equal keys, already in index order: sorted by id, then index.
  for (let from = 0; from < order.length;) {
    let to = from + 1;
    while (to < order.length && keys[order[to]!] === keys[order[from]!]) to++;
    if (to - from > 1) {
      order.subarray(from, to).sort((a, b) => {
        const x = ids[a]!;
        const y = ids[b]!;
        return x < y ? -1 : x > y ? 1 : a - b;
      });
    }
    from = to;
  }
  return order;
}

/**
 * Fits a new model version on `rows` (customers without a purchase are left out). With `previous`
 * it warm-starts from the previous centres and keeps their segment ids where centres continue.
 * The fit depends on the set of customers, not on the order they come in (a Redis scan's, a
 * file's): they are read by customer id, so the same customers and seed give the same model.
 */
export function fitModel(rows: readonly Features[], options: FitOptions, previous?: FittedModel): FittedModel {
  const transforms = options.transforms ?? previous?.transformsUsed ?? defaultTransforms;
  const placed = rows.filter(isEligible);
  // The clustered customers stay in the order they came in; `byId` gives them in the canonical
  // order, in which every column is read: gathered from columns read in the rows' order, since at a
  // million customers reading the Features objects in id order (far apart in memory) cost seconds.
  const clustered = placed.filter(isClustered);
  const byId = customerIdOrder(clustered);
  const lapsed = placed.length - clustered.length;
  const rankRule = options.rankRule ?? DEFAULT_RANK_RULE;
  const policy: InsidersPolicy = {
    shareBand: options.insidersShareBand ?? DEFAULT_INSIDERS_SHARE_BAND,
    rankRule: describeRule(rankRule),
  };
  const raw = rowsInOrder(featureMatrix(clustered, transforms), byId);
  const { scaler, scaled: x } = fitAndApplyScaler(raw, transforms, options.scaler ?? previous?.scaler.kind ?? 'minmax');
  const rng = createRng(options.seed);
  const common = {
    rng,
    ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }),
    ...(options.halfLife === undefined ? {} : { halfLife: options.halfLife }),
  };
  const sameFeatures = previous !== undefined && JSON.stringify(previous.transformsUsed) === JSON.stringify(transforms);
  const warm = sameFeatures && !options.reselectK && (options.k === undefined || options.k === previous.k);

  let fit: KMeansFit;
  let silhouetteByK: Record<number, number> = {};
  const sampleSize = options.silhouetteSampleSize ?? 5000;
  let previousInNewSpace: PreviousSegments | undefined;
  if (previous !== undefined && sameFeatures) {
    const clustered = clusteredSegments(previous.segments);
    previousInNewSpace = {
      ids: clustered.map((s) => s.id),
      centres: centresInScaler(previous.centres, previous.scaler, scaler),
      highestIdEver: previous.highestSegmentIdEver,
      // undefined in versions stored before segments had kinds: their names are chosen afresh
      kinds: clustered.map((s): SegmentKind | undefined => s.kind),
    };
  }
  const centresOf = (fitted: Matrix) =>
    Array.from({ length: fitted.rows }, (_, i) =>
      profile(unscaleRow(fitted.data.subarray(i * x.cols, (i + 1) * x.cols), scaler), transforms),
    );
  /** The Insiders' row and their share of segmented customers, by the rank rule. */
  const insidersOf = (fitted: Matrix, labels: ArrayLike<number>) => {
    const row = rankSegments(centresOf(fitted), rankRule).indexOf(1);
    let members = 0;
    for (let i = 0; i < labels.length; i++) if (labels[i] === row) members++;
    return { row, share: members / (clustered.length + lapsed) };
  };
  let reason: string;
  if (warm && previousInNewSpace) {
    fit = miniBatchKMeans(x, {
      ...common,
      k: previous.k,
      init: previousInNewSpace.centres,
      counts: Float64Array.from(previous.counts),
    });
    reason = `k = ${previous.k} kept from version ${previous.version} (a refit warm-starts with the previous k)`;
  } else {
    const [kMin, kMax] = options.k !== undefined ? [options.k, options.k] : (options.kRange ?? [2, 10]);
    const selection = selectK(x, {
      ...common,
      kMin,
      kMax: Math.min(kMax, x.rows),
      silhouetteSampleSize: sampleSize,
      nInit: options.nInit ?? COLD_START_SEEDINGS,
    });
    const choice = chooseK(
      Object.entries(selection.byK).map(([k, c]) => ({
        k: Number(k),
        silhouette: c.silhouette,
        insidersShare: insidersOf(c.clustering.centres, c.clustering.labels).share,
      })),
      policy.shareBand,
    );
    fit = selection.byK[choice.k]!.clustering;
    reason = choice.reason;
    silhouetteByK = Object.fromEntries(Object.entries(selection.byK).map(([k, c]) => [k, c.silhouette]));
  }
  const k = fit.centres.rows;
  const sample = sampleWithoutReplacement(x.rows, sampleSize, createRng(options.seed ^ 0x5eed));
  const silhouette = silhouetteOnSample(x, fit.labels, k, sample);
  if (Object.keys(silhouetteByK).length === 0) silhouetteByK = { [k]: silhouette };

  const sizes = new Array<number>(k).fill(0);
  for (const label of fit.labels) sizes[label]!++;
  const traits = traitColumns(clustered);
  const members = membersByLabel(byId, fit.labels, k);
  const { segments, insidersId } = buildSegments({
    scaledCentres: fit.centres,
    centres: centresOf(fit.centres),
    sizes,
    traits: members.map((m) => traitsOf(traits, m)),
    population: traitsOf(traits, byId),
    lapsed,
    ...(previousInNewSpace ? { previous: previousInNewSpace } : {}),
    rankRule,
  });
  const insiders = insidersOf(fit.centres, fit.labels);
  const totalRevenue = revenueOf(traits, byId);
  const inBand = distanceToBand(insiders.share, policy.shareBand) === 0;
  return {
    version: (previous?.version ?? 0) + 1,
    k,
    scaler,
    centres: fit.centres,
    segments,
    insidersId,
    silhouette,
    inertia: fit.inertia,
    seed: options.seed,
    silhouetteByK,
    trainedOn: x.rows,
    selection: {
      policy,
      insidersShareOfCustomers: insiders.share,
      insidersShareOfRevenue: totalRevenue === 0 ? 0 : revenueOf(traits, members[insiders.row]!) / totalRevenue,
      insidersInBand: inBand,
      reason,
    },
    counts: Array.from(fit.counts),
    transformsUsed: transforms,
    highestSegmentIdEver: Math.max(previous?.highestSegmentIdEver ?? 0, ...segments.map((s) => s.id)),
  };
}

export interface Placement {
  readonly customerId: string;
  readonly segmentId: number;
  /** squared distance to the segment's centre, in the scaled space */
  readonly distance: number;
}

/**
 * Places every eligible customer: those with a purchase in the window in their nearest segment,
 * the others in the Lapsed group (distance 0); customers who are not eligible get none. A version
 * stored before the Lapsed group existed has no such segment and clusters every customer who ever
 * bought, as it was fitted to. The embedded path and the streaming assigner both place with this.
 */
export function placeCustomers(model: ModelVersion, rows: readonly Features[]): Placement[] {
  const hasLapsed = model.segments.some((s) => s.id === LAPSED_SEGMENT_ID);
  const lapsed: Placement[] = [];
  const clustered: Features[] = [];
  for (const f of rows) {
    if (hasLapsed && isLapsed(f)) lapsed.push({ customerId: f.customerId, segmentId: LAPSED_SEGMENT_ID, distance: 0 });
    else if (f.recencyDays !== null) clustered.push(f);
  }
  if (clustered.length === 0) return lapsed;
  const segments = clusteredSegments(model.segments);
  const x = applyScaler(featureMatrix(clustered, model.scaler.features), model.scaler);
  const { labels, distances } = assign(x, model.centres);
  // One array, the clustered then the Lapsed, filled in place rather than spread from two.
  const placements = new Array<Placement>(clustered.length + lapsed.length);
  for (let i = 0; i < clustered.length; i++) {
    placements[i] = {
      customerId: clustered[i]!.customerId,
      segmentId: segments[labels[i]!]!.id,
      distance: distances[i]!,
    };
  }
  for (let i = 0; i < lapsed.length; i++) placements[clustered.length + i] = lapsed[i]!;
  return placements;
}
