// Runs a job every `intervalMs`, one turn at a time: a turn that comes while the previous one is
// still running is skipped, not queued. A refit or sweep slower than its interval would otherwise
// pile turns up behind it, without bound, and run them back to back (a burst of model versions).
import type { Logger } from '../log.js';

export function scheduleJob(
  what: string,
  intervalMs: number,
  job: () => Promise<unknown>,
  log: Pick<Logger, 'error' | 'debug'>,
): NodeJS.Timeout {
  let running = false;
  return setInterval(() => {
    if (running) {
      log.debug({ job: what }, 'previous turn still running; turn skipped');
      return;
    }
    running = true;
    job()
      .catch((err: unknown) => log.error({ err }, `${what} failed`))
      .finally(() => {
        running = false;
      });
  }, intervalMs).unref();
}
