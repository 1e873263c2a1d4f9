// bench/model/sklearn.py as a child process, one request at a time, so a benchmark can interleave
// scikit-learn's measurements with its own (see sklearn.py for the requests).
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Matrix } from '../../src/model/types.js';

/** One measurement: wall-clock and CPU milliseconds, and what the run reached. */
export interface Timing {
  readonly ms: number;
  readonly cpuMs: number;
  readonly inertia: number;
  readonly iterations?: number;
  readonly refinePasses?: number;
}

export interface SklearnRequest {
  readonly op: 'fit' | 'refit-warm' | 'kmeans-full' | 'assign';
  readonly n: number;
  readonly k: number;
  readonly seed: number;
  /** a matrix file under the directory, instead of the synthetic customers of size n */
  readonly data?: string;
}

export interface Sklearn {
  /** the library's version and threads */
  readonly info: Record<string, unknown>;
  ask(request: SklearnRequest): Promise<Timing>;
  close(): void;
}

export async function startSklearn(options: { python: string; dir: string; threads: string }): Promise<Sklearn> {
  const child = spawn(
    options.python,
    ['bench/model/sklearn.py', '--serve', '--dir', options.dir, '--threads', options.threads],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<Record<string, unknown>> => {
    const line = await lines.next();
    if (line.done === true) throw new Error('sklearn.py ended');
    return JSON.parse(line.value) as Record<string, unknown>;
  };
  const info = await next();
  delete info.ready;
  return {
    info,
    async ask(request) {
      child.stdin.write(`${JSON.stringify(request)}\n`);
      return (await next()) as unknown as Timing;
    },
    close: () => child.stdin.end(),
  };
}

/** Little-endian float64, row-major: numpy.fromfile(file, dtype='<f8').reshape(-1, cols). */
export function writeMatrix(file: string, m: Matrix): void {
  writeFileSync(file, new Uint8Array(m.data.buffer, m.data.byteOffset, m.data.byteLength));
}
