import { describe, expect, it } from 'vitest';
import { createMatrix } from '../../src/model/matrix.js';
import { createRng } from '../../src/model/rng.js';
import { chooseK, distanceToBand, selectK } from '../../src/model/select-k.js';
import type { Matrix } from '../../src/model/types.js';

/** 40 points around each of three centres 10 apart, spread uniformly ±1 on each axis. */
function threeBlobs(): Matrix {
  const rng = createRng(17);
  const centres = [
    [0, 0],
    [10, 0],
    [5, 9],
  ];
  const m = createMatrix(120, 2);
  for (let i = 0; i < 120; i++) {
    const c = centres[i % 3]!;
    m.data[i * 2] = c[0]! + (rng() * 2 - 1);
    m.data[i * 2 + 1] = c[1]! + (rng() * 2 - 1);
  }
  return m;
}

describe('selectK', () => {
  const x = threeBlobs();

  it('picks k = 3 on three well-separated blobs', () => {
    const selection = selectK(x, { kMin: 2, kMax: 6, rng: createRng(1) });
    expect(selection.best).toBe(3);
    expect(Object.keys(selection.byK).map(Number)).toEqual([2, 3, 4, 5, 6]);
    const three = selection.byK[3]!;
    // Each blob fills a 2 × 2 box, so a ≤ 2√2 ≈ 2.83. The closest boxes are [−1,1]² and [4,6]×[8,10]
    // (dx 3, dy 7) or [9,11]×[−1,1] and [4,6]×[8,10]: b ≥ √58 ≈ 7.62 (the other pair is 8 apart).
    // So every s ≥ 1 − 2.83/7.62 ≈ 0.63.
    expect(three.silhouette).toBeGreaterThan(0.63);
    for (const k of [2, 4, 5, 6]) expect(selection.byK[k]!.silhouette).toBeLessThan(three.silhouette);
    expect(three.inertia).toBe(three.clustering.inertia);
    expect(three.clustering.centres.rows).toBe(3);
  });

  it('fits only the given k when kMin = kMax', () => {
    const selection = selectK(x, { kMin: 4, kMax: 4, rng: createRng(1) });
    expect(selection.best).toBe(4);
    expect(Object.keys(selection.byK)).toEqual(['4']);
  });

  it('passes fit options through', () => {
    const selection = selectK(x, { kMin: 3, kMax: 3, rng: createRng(1), maxIterations: 2, maxNoImprovement: 0 });
    expect(selection.byK[3]!.clustering.iterations).toBe(2);
  });

  it('rejects a range the silhouette cannot score', () => {
    expect(() => selectK(x, { kMin: 1, kMax: 3, rng: createRng(1) })).toThrow(RangeError);
    expect(() => selectK(x, { kMin: 4, kMax: 3, rng: createRng(1) })).toThrow(RangeError);
    expect(() => selectK(x, { kMin: 2, kMax: 121, rng: createRng(1) })).toThrow(RangeError);
  });
});

describe('chooseK', () => {
  const band: [number, number] = [0.05, 0.2];
  const candidates = [
    { k: 2, silhouette: 0.45, insidersShare: 0.59 },
    { k: 3, silhouette: 0.43, insidersShare: 0.58 },
    { k: 4, silhouette: 0.36, insidersShare: 0.19 },
    { k: 5, silhouette: 0.38, insidersShare: 0.17 },
    { k: 6, silhouette: 0.34, insidersShare: 0.02 },
  ];

  it('prefers the k whose Insiders fall in the band, then the best silhouette, and says why', () => {
    const choice = chooseK(candidates, band);
    expect(choice).toMatchObject({ k: 5, inBand: true });
    expect(choice.reason).toBe(
      'k = 5: the best silhouette (0.380) of the k whose Insiders fall in 5–20 % (4, 5), Insiders at 17.0 %; ' +
        'k = 2 scored higher (0.450) with Insiders at 59.0 %',
    );
  });

  it('takes the closest to the band when no k falls in it', () => {
    const choice = chooseK(
      candidates.filter((c) => c.k !== 4 && c.k !== 5),
      band,
    );
    expect(choice).toMatchObject({ k: 6, inBand: false });
    expect(choice.reason).toMatch(/^no k in 2, 3, 6 puts the Insiders in 5–20 %: k = 6 comes closest/);
  });

  it('keeps the best silhouette when it is in the band, and a fixed k whatever its share', () => {
    expect(chooseK(candidates, [0.5, 0.6]).k).toBe(2);
    expect(chooseK([candidates[0]!], band)).toMatchObject({ k: 2, inBand: false });
    expect(chooseK([candidates[0]!], band).reason).toBe('k = 2 fixed; Insiders at 59.0 %, outside 5–20 %');
  });

  it('measures the distance to the band, 0 inside it', () => {
    expect(distanceToBand(0.1, band)).toBe(0);
    expect(distanceToBand(0.2, band)).toBe(0);
    expect(distanceToBand(0.3, band)).toBeCloseTo(0.1, 12);
    expect(distanceToBand(0.01, band)).toBeCloseTo(0.04, 12);
  });
});
