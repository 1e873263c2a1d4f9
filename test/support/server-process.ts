// A server process a test started itself (its own Redis, Kafka broker, ClickHouse): what it offers, and stopping it.
import type { ChildProcess } from 'node:child_process';

/** Sends `signal` and resolves once the process has exited; at once when it is not running. */
export async function haltProcess(child: ChildProcess | undefined, signal: NodeJS.Signals): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  await exited;
}

/** A server process a test started itself, on a data folder of its own. */
export interface OwnServer {
  readonly dir: string;
  start(): Promise<void>;
  /** SIGTERM and wait for the exit (a controlled shutdown). */
  stop(): Promise<void>;
  /** SIGKILL: no shutdown work at all. */
  kill(): Promise<void>;
  /** SIGKILL, then its folder removed */
  destroy(): Promise<void>;
}
