import { describe, expect, it } from 'vitest';
import { createRng, randomIndex, sampleWithoutReplacement } from '../../src/model/rng.js';

const draw = (seed: number, count: number) => {
  const rng = createRng(seed);
  return Array.from({ length: count }, () => rng());
};

describe('createRng', () => {
  it('gives the same sequence for the same seed', () => {
    expect(draw(42, 100)).toEqual(draw(42, 100));
  });

  it('keeps its first values across releases: a change here changes every fitted model', () => {
    expect(draw(42, 3)).toEqual([0.6108126251492649, 0.9074136905837804, 0.8062410093843937]);
  });

  it('gives different sequences for different seeds, including seeds that differ only above bit 32', () => {
    const firsts = new Set([0, 1, 2, -1, 2 ** 32, 2 ** 32 + 1, 2 ** 40].map((seed) => draw(seed, 1)[0]));
    expect(firsts.size).toBe(7);
  });

  it('draws uniformly from [0, 1)', () => {
    const values = draw(7, 100_000);
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
    // Ten equal bins of 10,000 expected draws each: the standard deviation of a bin is ~95, so 500 is > 5 σ.
    const bins = new Array<number>(10).fill(0);
    for (const v of values) bins[Math.floor(v * 10)]!++;
    for (const count of bins) expect(Math.abs(count - 10_000)).toBeLessThan(500);
  });

  it('rejects a seed that is not a safe integer', () => {
    expect(() => createRng(1.5)).toThrow(RangeError);
    expect(() => createRng(Number.NaN)).toThrow(RangeError);
  });
});

describe('randomIndex', () => {
  it('stays in [0, n) and reaches both ends', () => {
    const rng = createRng(3);
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) seen.add(randomIndex(rng, 5));
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4]);
  });
});

describe('sampleWithoutReplacement', () => {
  it('returns m distinct sorted indices in [0, n), the same for the same seed', () => {
    const sample = sampleWithoutReplacement(1000, 50, createRng(9));
    expect(sample).toHaveLength(50);
    expect(new Set(sample).size).toBe(50);
    expect(Array.from(sample)).toEqual(Array.from(sample).sort((a, b) => a - b));
    expect(Math.min(...sample)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...sample)).toBeLessThan(1000);
    expect(sampleWithoutReplacement(1000, 50, createRng(9))).toEqual(sample);
  });

  it('returns every index when m ≥ n', () => {
    expect(Array.from(sampleWithoutReplacement(4, 10, createRng(1)))).toEqual([0, 1, 2, 3]);
  });
});
