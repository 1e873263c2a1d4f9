// A fitted model version as JSON, for Redis and the model_runs table: typed arrays become plain
// arrays and come back as Float64Arrays.
import type { FittedModel } from './model.js';
import type { Matrix } from './types.js';

interface EncodedMatrix {
  rows: number;
  cols: number;
  data: number[];
}

const encodeMatrix = (m: Matrix): EncodedMatrix => ({ rows: m.rows, cols: m.cols, data: Array.from(m.data) });
const decodeMatrix = (m: EncodedMatrix): Matrix => ({ rows: m.rows, cols: m.cols, data: Float64Array.from(m.data) });

export function encodeModel(model: FittedModel): string {
  return JSON.stringify({ ...model, centres: encodeMatrix(model.centres) });
}

export function decodeModel(json: string): FittedModel {
  const raw = JSON.parse(json) as Omit<FittedModel, 'centres'> & { centres: EncodedMatrix };
  return { ...raw, centres: decodeMatrix(raw.centres) };
}
