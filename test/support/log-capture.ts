// A logger that writes into memory instead of stdout, made by createLogger with the service's own
// options (JSON lines, level info), so that tests read exactly what the service would log.
import { Writable } from 'node:stream';
import { createLogger } from '../../src/log.js';

export interface CapturedLog {
  readonly logger: ReturnType<typeof createLogger>;
  /** every line written so far, parsed */
  readonly lines: () => Record<string, unknown>[];
  /** everything written so far, as written */
  readonly text: () => string;
}

export function captureLog(): CapturedLog {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  const logger = createLogger({ level: 'info', pretty: false }, stream);
  return {
    logger,
    text: () => text,
    lines: () =>
      text
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}
