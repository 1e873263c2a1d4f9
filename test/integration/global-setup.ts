// Resolves the services the integration tests use and hands them to every test file through
// vitest's provide/inject. Starts containers with testcontainers only when nothing is configured
// and a Docker engine answers; fails with instructions when neither is possible.
import { execFileSync } from 'node:child_process';
import net from 'node:net';
import type { TestProject } from 'vitest/node';
import { howToStartTheStack, stackEnvFromEnvironment, stackEnvFromFile, type StackEnv } from '../support/stack-env.js';

declare module 'vitest' {
  export interface ProvidedContext {
    stackEnv: StackEnv;
  }
}

function dockerEngineAnswers(): boolean {
  try {
    execFileSync('docker', ['info'], { stdio: 'ignore', timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

function reachable(hostPort: string): Promise<boolean> {
  const [host = '127.0.0.1', port = '0'] = hostPort.split(':');
  return new Promise((resolve) => {
    const socket = net.connect({ host, port: Number(port), timeout: 3000 });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
  });
}

async function assertReachable(env: StackEnv, source: string): Promise<void> {
  const targets: [string, string][] = [
    ['Kafka', env.KAFKA_BROKERS?.split(',')[0] ?? ''],
    ['Redis', env.REDIS_URL ? new URL(env.REDIS_URL).host : ''],
    ['ClickHouse', env.CLICKHOUSE_URL ? new URL(env.CLICKHOUSE_URL).host : ''],
  ];
  const down: string[] = [];
  for (const [name, hostPort] of targets) if (!(await reachable(hostPort))) down.push(`${name} at ${hostPort}`);
  if (down.length > 0) {
    throw new Error(
      `Integration tests: ${down.join(', ')} did not answer (settings from ${source}).\n` +
        'Start the local stack with `scripts/stack up`, then run the tests again.',
    );
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const fromEnv = stackEnvFromEnvironment(process.env);
  const fromFile = fromEnv ? undefined : stackEnvFromFile();
  if (fromEnv ?? fromFile) {
    const env = (fromEnv ?? fromFile) as StackEnv;
    await assertReachable(env, fromEnv ? 'the environment' : '.stack/env');
    project.provide('stackEnv', env);
    return undefined;
  }
  if (!dockerEngineAnswers()) throw new Error(howToStartTheStack);
  const { startContainers } = await import('../support/containers.js');
  const started = await startContainers();
  project.provide('stackEnv', started.env);
  return started.stop;
}
