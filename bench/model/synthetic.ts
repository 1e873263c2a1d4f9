// A seeded stand-in for the scaled customer matrix at any size: a Gaussian mixture whose eight
// components are the clusters of a k=8 fit of the UCI Online Retail customers in the default
// feature space (log1p where defaultTransforms says, then min-max), with their weights, means and
// per-feature standard deviations, clipped to [0, 1] as min-max scaled data is.
// Columns: grossRevenueMills, recencyDays, products, frequency, returns.
import { createMatrix } from '../../src/model/matrix.js';
import { createRng } from '../../src/model/rng.js';
import type { Matrix } from '../../src/model/types.js';

interface Component {
  readonly weight: number;
  readonly mean: readonly number[];
  readonly sd: readonly number[];
}

const components: readonly Component[] = [
  { weight: 0.152, mean: [0.77, 0.07, 0.61, 0.03, 0.32], sd: [0.05, 0.07, 0.11, 0.04, 0.11] },
  { weight: 0.083, mean: [0.64, 0.46, 0.35, 0.44, 0.03], sd: [0.04, 0.09, 0.12, 0.06, 0.08] },
  { weight: 0.176, mean: [0.65, 0.13, 0.4, 0.44, 0.02], sd: [0.04, 0.07, 0.12, 0.05, 0.07] },
  { weight: 0.081, mean: [0.69, 0.5, 0.46, 0.03, 0.07], sd: [0.04, 0.13, 0.12, 0.02, 0.12] },
  { weight: 0.214, mean: [0.73, 0.07, 0.61, 0.02, 0.04], sd: [0.04, 0.07, 0.07, 0.02, 0.06] },
  // customers whose purchases all left the window: zero money and counts, recency near the maximum
  { weight: 0.017, mean: [0.0, 0.99, 0.0, 0.0, 0.02], sd: [0.0, 0.01, 0.0, 0.0, 0.07] },
  { weight: 0.168, mean: [0.69, 0.12, 0.41, 0.02, 0.03], sd: [0.04, 0.09, 0.09, 0.03, 0.06] },
  { weight: 0.108, mean: [0.64, 0.77, 0.35, 0.43, 0.03], sd: [0.04, 0.1, 0.12, 0.06, 0.09] },
];

export const syntheticColumns = 5;

/** n customers × 5 scaled features, the same for the same (n, seed). */
export function syntheticCustomers(n: number, seed: number): Matrix {
  const rng = createRng(seed);
  const d = syntheticColumns;
  const m = createMatrix(n, d);
  const total = components.reduce((s, c) => s + c.weight, 0);
  // Box–Muller, one normal per call (the second is dropped: simplicity over speed here).
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
  for (let i = 0; i < n; i++) {
    let u = rng() * total;
    let component = components[components.length - 1]!;
    for (const c of components) {
      u -= c.weight;
      if (u < 0) {
        component = c;
        break;
      }
    }
    for (let t = 0; t < d; t++) {
      const v = component.mean[t]! + component.sd[t]! * normal();
      m.data[i * d + t] = v < 0 ? 0 : v > 1 ? 1 : v;
    }
  }
  return m;
}
