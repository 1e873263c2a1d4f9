// Shutting down: steps run in order, each once; one that fails is logged and the next one still
// runs, so a part that fails to close never leaves the others open. clients.ts closes its clients
// this way, the service its parts (shutDown below), whether it is stopped or failed to start.
import type { OrderConsumer } from '../consumers/order-consumer.js';
import type { HttpServer } from '../http/server.js';
import type { Logger } from '../log.js';
import type { ModelJobs } from './jobs.js';

export type ShutdownStep = readonly [name: string, run: () => Promise<unknown>];

/** Runs the steps one after another; a step that fails is logged and the next one still runs. Never rejects. */
export async function runSteps(steps: readonly ShutdownStep[], log: Pick<Logger, 'warn'>): Promise<void> {
  for (const [name, run] of steps) {
    try {
      await run();
    } catch (err) {
      log.warn({ err, step: name }, 'shutdown step failed');
    }
  }
}

/** `close` memoised: the first call runs it, every call gets that run's promise. */
export function once(close: () => Promise<void>): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () => (closing ??= close());
}

/** The parts the service has started, filled in as start-up goes on; a part not there is skipped. */
export interface ServiceParts {
  clients?: { close(): Promise<void> };
  consumer?: OrderConsumer | undefined;
  stopWatching?: () => Promise<void>;
  jobs?: ModelJobs;
  http?: HttpServer;
}

/**
 * Shuts the service's parts down in order — stop the schedules and the HTTP listener, stop
 * fetching, finish the in-flight batches, flush the sinks, commit offsets, let running jobs finish
 * and release their leases, flush again, disconnect — running every step even if one fails.
 * Never rejects.
 */
export async function shutDown(parts: ServiceParts, log: Pick<Logger, 'warn'>): Promise<void> {
  // No new refit or sweep from now on; the running ones are awaited below.
  const jobsDone = parts.jobs?.stop();
  // Stop taking requests now; the close resolves once open ones are answered.
  const httpClosed = parts.http?.close();
  await runSteps(
    [
      // stop fetching, finish the in-flight batches, flush the sinks, commit the offsets
      ['consumer', async () => parts.consumer?.close()],
      // running refit or sweep: they finish and release their leases
      ['jobs', async () => jobsDone],
      ['http', async () => httpClosed],
      ['model watch', async () => parts.stopWatching?.()],
      // the sink's rows, the change producer, the admin, ClickHouse, Redis
      ['clients', async () => parts.clients?.close()],
    ],
    log,
  );
}
