// Progress of reading a file on stderr for `insiders segment`: a bar at a terminal for a file big
// enough to take more than a moment, nothing otherwise (logs and pipes stay clean).
import cliProgress from 'cli-progress';

export interface ReadProgress {
  /** bytes of the file read so far (compressed bytes for .gz) */
  update(bytesRead: number): void;
  /** writes one line without tearing the bar */
  log(line: string): void;
  stop(): void;
}

/** Files smaller than this are read in well under a second: no bar. */
export const PROGRESS_MIN_BYTES = 4 << 20;

export function createReadProgress(
  stream: NodeJS.WritableStream & { isTTY?: boolean },
  totalBytes: number,
  label: string,
): ReadProgress {
  if (stream.isTTY !== true || totalBytes < PROGRESS_MIN_BYTES) {
    return { update: () => undefined, log: (line) => void stream.write(`${line}\n`), stop: () => undefined };
  }
  const bars = new cliProgress.MultiBar(
    {
      stream,
      format: `${label} [{bar}] {percentage}% | {value_mb} of {total_mb} MB | {duration_formatted}`,
      hideCursor: true,
      barsize: 30,
    },
    cliProgress.Presets.shades_classic,
  );
  const mb = (bytes: number): string => (bytes / 1048576).toFixed(1);
  const bar = bars.create(totalBytes, 0, { value_mb: mb(0), total_mb: mb(totalBytes) });
  return {
    update(bytesRead) {
      bar.update(bytesRead, { value_mb: mb(bytesRead) });
    },
    log(line) {
      bars.log(`${line}\n`);
    },
    stop() {
      bars.stop();
    },
  };
}
