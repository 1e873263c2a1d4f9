// medianInPlace gives the number a numeric sort gives, on columns shaped like the features: many
// equal values (counts, zeros), a few distinct ones, odd and even lengths.
import { describe, expect, it } from 'vitest';
import { medianInPlace } from '../../src/model/median.js';
import { createRng } from '../../src/model/rng.js';

function sortedMedian(values: Float64Array): number {
  if (values.length === 0) return 0;
  const sorted = values.slice().sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

describe('medianInPlace', () => {
  it('is 0 without values and the value itself for one', () => {
    expect(medianInPlace(new Float64Array(0))).toBe(0);
    expect(medianInPlace(Float64Array.of(7.5))).toBe(7.5);
    expect(medianInPlace(Float64Array.of(4, 1))).toBe(2.5);
  });

  it('agrees with sorting on random columns', () => {
    const rng = createRng(17);
    const shapes = [
      () => rng() * 1000,
      () => Math.floor(rng() * 3),
      () => 5,
      () => Math.floor(rng() * 100) - 50,
      () => (rng() < 0.9 ? 0 : Math.expm1(10 * rng())),
    ];
    for (let t = 0; t < 2000; t++) {
      const shape = shapes[t % shapes.length]!;
      const values = Float64Array.from({ length: Math.floor(rng() * 60) }, shape);
      const expected = sortedMedian(values);
      const copy = values.slice();
      expect(medianInPlace(copy)).toBe(expected);
      // reordered, not changed
      expect(Array.from(copy.sort())).toEqual(Array.from(values.slice().sort()));
    }
  });
});
