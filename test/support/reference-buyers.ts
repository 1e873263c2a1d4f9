// The study's clustering input on the real customers: the five default features of the UCI Online
// Retail buyers (365-day window, from the independent reference aggregation), log1p + min-max
// scaled. The quality test and the quality benchmark both cluster exactly this.
import {
  applyScaler,
  defaultTransforms,
  featureMatrix,
  fitScaler,
  type FeatureValues,
} from '../../src/model/prepare.js';
import type { Matrix } from '../../src/model/types.js';
import { onlineRetailCsv } from './data-set.js';
import { referenceFeatures } from './reference-features.js';

export async function referenceBuyersMatrix(): Promise<Matrix> {
  const { customers } = await referenceFeatures(onlineRetailCsv, 365);
  const buyers: FeatureValues[] = [];
  for (const c of customers.values()) {
    if (c.recencyDays === null) continue; // returns only: never bought, not segmented
    buyers.push({
      grossRevenueMills: c.grossRevenuePence * 10,
      recencyDays: c.recencyDays,
      products: c.products,
      frequency: c.frequency,
      returns: c.returns,
      orders: c.orders,
      items: c.items,
      avgTicketMills: 0,
      returnedMills: c.returnedPence * 10,
    });
  }
  const raw = featureMatrix(buyers, defaultTransforms);
  return applyScaler(raw, fitScaler(raw, defaultTransforms, 'minmax'));
}
