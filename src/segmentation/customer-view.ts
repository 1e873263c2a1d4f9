// A customer as the HTTP API shows them: features now, current segment, why the model puts them
// there (distances and each feature's share, and the smallest single change that would move them
// into or out of the Insiders), and their latest membership changes. Pure.
import { featureRow, type FeatureRow } from '../features/export.js';
import type { Features } from '../features/features.js';
import { explainAssignment, smallestChangeTo, type InsidersChange } from '../model/explain.js';
import { isClustered, type FittedModel } from '../model/model.js';
import type { CustomerState } from '../state/customer-state.js';
import type { RecentChange } from './changes.js';

export interface CustomerView {
  readonly customerId: string;
  /** the "now" features are computed at, ISO 8601 */
  readonly asOf: string;
  readonly features: FeatureRow;
  /** where the customer was last placed; null before any placement or when they never bought */
  readonly segment: {
    readonly id: number;
    readonly name: string | null;
    /** what sets the segment apart, and what marketing does with it; null when the model does not know the id */
    readonly description: string | null;
    readonly action: string | null;
    readonly insider: boolean;
    readonly modelVersion: number | null;
  } | null;
  /**
   * by the model version in use, at `asOf`; null without a model, for a customer who never bought
   * and for a Lapsed customer (placed by rule: no purchase in the window, nothing to cluster)
   */
  readonly explanation: {
    readonly modelVersion: number;
    readonly segmentId: number;
    readonly segmentName: string;
    readonly insider: boolean;
    readonly distance: number;
    readonly runnerUp: { readonly segmentId: number; readonly name: string; readonly distance: number } | null;
    readonly margin: number | null;
    readonly contributions: readonly {
      readonly feature: string;
      readonly value: number;
      readonly scaled: number;
      readonly toAssigned: number;
      readonly toRunnerUp: number | null;
    }[];
    readonly insidersChange: InsidersChange;
  } | null;
  readonly recentChanges: readonly RecentChange[];
}

export function customerView(
  state: CustomerState,
  features: Features,
  nowMs: number,
  model: FittedModel | undefined,
  changes: readonly RecentChange[],
): CustomerView {
  const segment = (id: number) => model?.segments.find((s) => s.id === id);
  let explanation: CustomerView['explanation'] = null;
  if (model !== undefined && isClustered(features)) {
    const e = explainAssignment(model, features);
    explanation = {
      modelVersion: model.version,
      segmentId: e.assigned.segmentId,
      segmentName: e.assigned.name,
      insider: e.isInsider,
      distance: e.assigned.distance,
      runnerUp:
        e.runnerUp === null
          ? null
          : { segmentId: e.runnerUp.segmentId, name: e.runnerUp.name, distance: e.runnerUp.distance },
      margin: e.margin,
      contributions: e.contributions.map((c) => ({ ...c })),
      insidersChange: smallestChangeTo(model, features),
    };
  }
  return {
    customerId: state.customerId,
    asOf: new Date(nowMs).toISOString(),
    features: featureRow(features),
    segment:
      state.segmentId === null
        ? null
        : {
            id: state.segmentId,
            name: segment(state.segmentId)?.name ?? null,
            description: segment(state.segmentId)?.description ?? null,
            action: segment(state.segmentId)?.action ?? null,
            insider: model !== undefined && state.segmentId === model.insidersId,
            modelVersion: state.segmentModelVersion,
          },
    explanation,
    recentChanges: changes,
  };
}
