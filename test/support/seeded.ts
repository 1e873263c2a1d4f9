// Random test cases that are the same on every run. mulberry32 rather than src/model/rng.ts: the
// cases stay put whatever the model's own generator becomes.

/** mulberry32: a uniform [0, 1) generator, the same sequence for the same seed. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
