import { describe, expect, it } from 'vitest';
import { adjustedRandIndex } from '../../src/model/agreement.js';

describe('adjustedRandIndex', () => {
  it('is 1 for the same partition under other labels', () => {
    expect(adjustedRandIndex([0, 0, 1, 1, 2, 2], [5, 5, 3, 3, 9, 9])).toBe(1);
  });

  it('matches a value worked by hand', () => {
    // a = [0,0,0,1,1,1], b = [0,0,1,1,2,2]
    // contingency: (0,0)=2 (0,1)=1 (1,1)=1 (1,2)=2 -> sum C(n_ij,2) = 1 + 0 + 0 + 1 = 2
    // rows 3,3 -> 3 + 3 = 6; cols 2,2,2 -> 1 + 1 + 1 = 3; C(6,2) = 15
    // expected = 6 * 3 / 15 = 1.2; max = (6 + 3) / 2 = 4.5; ARI = (2 - 1.2) / (4.5 - 1.2) = 0.8 / 3.3
    expect(adjustedRandIndex([0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 2, 2])).toBeCloseTo(0.8 / 3.3, 12);
  });

  it('is negative or near 0 for unrelated partitions', () => {
    expect(adjustedRandIndex([0, 0, 1, 1], [0, 1, 0, 1])).toBeCloseTo(-0.5, 12);
  });
});
