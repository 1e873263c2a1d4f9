// Clustering quality on the real customers: the study's five features of the UCI Online Retail
// buyers (365-day window, the independent reference aggregation), log1p + min-max scaled. For each
// k, silhouettes (all points, one sample seed) of
//   - ml-kmeans full k-means with its own seeding, seeds 1..S: mean, and the lowest-inertia run;
//   - our default mini-batch fit (nInit 3) with seeds 1..S: mean;
//   - both from the same k-means++ centres (seeds 1..S): means, as test/unit/model-quality.test.ts;
// and the label agreement between a cold fit and a warm refit on the same data (min and median
// over the seeds). One JSON line per k.
//
// npx tsx bench/model/quality.ts [--seeds 20] [--ks 2,3,4,5,6,7,8,9,10]
import { kmeans } from 'ml-kmeans';
import { assign, kmeansPlusPlus, miniBatchKMeans } from '../../src/model/kmeans.js';
import { matrixFromRows, matrixToRows } from '../../src/model/matrix.js';
import { createRng } from '../../src/model/rng.js';
import { silhouette } from '../../src/model/silhouette.js';
import { referenceBuyersMatrix } from '../../test/support/reference-buyers.js';
import { flag } from '../ingest/lib.js';

const seeds = Number(flag('seeds', '20'));
const ks = flag('ks', '2,3,4,5,6,7,8,9,10').split(',').map(Number);
const round = (v: number) => Math.round(v * 10_000) / 10_000;
const mean = (values: number[]) => values.reduce((s, v) => s + v, 0) / values.length;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;

const x = await referenceBuyersMatrix();
const rows = matrixToRows(x);
const score = (labels: Int32Array, k: number) => silhouette(x, labels, k, { rng: createRng(7) });

for (const k of ks) {
  const mlOwn: { s: number; inertia: number }[] = [];
  const oursCold: number[] = [];
  const sameFull: number[] = [];
  const sameOurs: number[] = [];
  const stability: number[] = [];
  for (let seed = 1; seed <= seeds; seed++) {
    const ml = kmeans(rows, k, { seed });
    mlOwn.push({
      s: score(Int32Array.from(ml.clusters), k),
      inertia: assign(x, matrixFromRows(ml.centroids)).inertia,
    });
    const cold = miniBatchKMeans(x, { k, rng: createRng(seed) });
    oursCold.push(score(cold.labels, k));
    const warm = miniBatchKMeans(x, { k, rng: createRng(seed + 1000), init: cold.centres, counts: cold.counts });
    let same = 0;
    for (let i = 0; i < x.rows; i++) if (cold.labels[i] === warm.labels[i]) same++;
    stability.push(same / x.rows);
    const init = kmeansPlusPlus(x, k, createRng(seed));
    sameFull.push(score(Int32Array.from(kmeans(rows, k, { initialization: matrixToRows(init) }).clusters), k));
    sameOurs.push(score(miniBatchKMeans(x, { k, rng: createRng(seed), init }).labels, k));
  }
  const bestMl = mlOwn.reduce((a, b) => (b.inertia < a.inertia ? b : a));
  process.stdout.write(
    `${JSON.stringify({
      n: x.rows,
      k,
      seeds,
      mlKmeansSeed1: round(mlOwn[0]!.s),
      mlKmeansMean: round(mean(mlOwn.map((r) => r.s))),
      mlKmeansLowestInertia: round(bestMl.s),
      oursColdSeed1: round(oursCold[0]!),
      oursColdMean: round(mean(oursCold)),
      sameSeedingFullMean: round(mean(sameFull)),
      sameSeedingOursMean: round(mean(sameOurs)),
      warmStabilityMin: round(Math.min(...stability)),
      warmStabilityMedian: round(median(stability)),
    })}\n`,
  );
}
