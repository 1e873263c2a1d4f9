// Stopping a server process a test started itself (its own Redis, Kafka broker, ClickHouse).
import type { ChildProcess } from 'node:child_process';

/** Sends `signal` and resolves once the process has exited; at once when it is not running. */
export async function haltProcess(child: ChildProcess | undefined, signal: NodeJS.Signals): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  await exited;
}
