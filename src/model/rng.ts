// Seeded randomness for the model: sfc32 (Chris Doty-Humphrey's "small fast chaotic" generator,
// 128-bit state, passes PractRand and BigCrush) with its state filled from the seed by splitmix32.
// Everything random in src/model draws from an Rng made here, so a fit is reproducible from its seed.
import type { Rng } from './types.js';

const TWO_POW_32 = 4_294_967_296;

/** splitmix32: a bijective 32-bit mixer, used only to spread a seed over sfc32's state. */
function splitmix32(state: number): number {
  let z = state | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * A uniform [0, 1) generator with 32-bit resolution: the same seed always gives the same sequence.
 * `seed` is any safe integer (negative ones included); both its low and high 32 bits are used, so
 * distinct seeds give distinct streams. Throws a RangeError for a non-integer seed.
 */
export function createRng(seed: number): Rng {
  if (!Number.isSafeInteger(seed)) throw new RangeError(`createRng: seed must be a safe integer, got ${seed}`);
  const low = seed >>> 0;
  const high = Math.floor(seed / TWO_POW_32) >>> 0;
  const golden = 0x9e3779b9;
  let a = splitmix32(low + golden);
  let b = splitmix32(low + 2 * golden);
  let c = splitmix32(low + 3 * golden);
  let d = splitmix32(high + 4 * golden) ^ low;
  const next = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / TWO_POW_32;
  };
  // The usual warm-up for sfc32: the first outputs of nearby seeds are still correlated.
  for (let i = 0; i < 12; i++) next();
  return next;
}

/** A uniform integer in [0, n), n ≤ 2^32. Its bias (at most n / 2^32) is negligible for our sizes. */
export function randomIndex(rng: Rng, n: number): number {
  return Math.floor(rng() * n);
}

/**
 * `m` distinct indices drawn uniformly from [0, n) (partial Fisher–Yates), sorted ascending so the
 * caller reads its rows in memory order. All of [0, n) when m ≥ n. Uses O(n) scratch.
 */
export function sampleWithoutReplacement(n: number, m: number, rng: Rng): Int32Array {
  if (m >= n) {
    const all = new Int32Array(n);
    for (let i = 0; i < n; i++) all[i] = i;
    return all;
  }
  const pool = new Int32Array(n);
  for (let i = 0; i < n; i++) pool[i] = i;
  for (let i = 0; i < m; i++) {
    const j = i + randomIndex(rng, n - i);
    const picked = pool[j]!;
    pool[j] = pool[i]!;
    pool[i] = picked;
  }
  return pool.slice(0, m).sort();
}
