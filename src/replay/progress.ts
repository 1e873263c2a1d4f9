// Progress of a replay on stderr: a live bar at a terminal, a plain line every few seconds otherwise
// (logs, CI), so stdout stays free for the summary.
import type { Writable } from 'node:stream';
import cliProgress from 'cli-progress';

export interface ProgressState {
  /** bytes of the input file read so far (compressed bytes for .gz) */
  readonly bytesRead: number;
  readonly rows: number;
  readonly published: number;
}

export interface ProgressView {
  update(state: ProgressState): void;
  /** writes one line without tearing the bar */
  log(line: string): void;
  stop(): void;
}

export interface ProgressOptions {
  readonly totalBytes: number;
  readonly now?: () => number;
  /** interval of the plain lines when the stream is not a terminal */
  readonly lineEveryMs?: number;
}

const percent = (read: number, total: number): number =>
  total > 0 ? Math.min(100, Math.floor((read / total) * 100)) : 0;

export function createProgress(stream: Writable & { isTTY?: boolean }, options: ProgressOptions): ProgressView {
  const now = options.now ?? Date.now;
  const started = now();
  let state: ProgressState = { bytesRead: 0, rows: 0, published: 0 };
  const rate = (): number => {
    const seconds = (now() - started) / 1000;
    return seconds > 0 ? Math.round(state.published / seconds) : 0;
  };

  if (stream.isTTY === true) {
    const bars = new cliProgress.MultiBar(
      {
        stream,
        format:
          'replay [{bar}] {percentage}% | {rows} rows | {published} events | {rate} events/s | {duration_formatted}',
        hideCursor: true,
        barsize: 30,
      },
      cliProgress.Presets.shades_classic,
    );
    const bar = bars.create(Math.max(1, options.totalBytes), 0, { rows: 0, published: 0, rate: 0 });
    return {
      update(next) {
        state = next;
        bar.update(next.bytesRead, { rows: next.rows, published: next.published, rate: rate() });
      },
      log(line) {
        bars.log(`${line}\n`);
      },
      stop() {
        bar.update(state.bytesRead, { rows: state.rows, published: state.published, rate: rate() });
        bars.stop();
      },
    };
  }

  const timer = setInterval(() => {
    stream.write(
      `replay: ${percent(state.bytesRead, options.totalBytes)}% of the file, ${state.rows} rows read, ` +
        `${state.published} events published, ${rate()} events/s\n`,
    );
  }, options.lineEveryMs ?? 5000);
  timer.unref();
  return {
    update(next) {
      state = next;
    },
    log(line) {
      stream.write(`${line}\n`);
    },
    stop() {
      clearInterval(timer);
    },
  };
}
