// Where the integration tests find Kafka, Redis and ClickHouse. In order:
//   1. the environment (KAFKA_BROKERS, REDIS_URL, CLICKHOUSE_URL, as `scripts/stack env` prints),
//   2. .stack/env, written by `scripts/stack up` in this checkout,
//   3. containers started by testcontainers, where a Docker engine answers (see global-setup.ts).
// Otherwise the run fails with instructions: integration tests are never skipped silently.
// The Redis Cluster's seed nodes (REDIS_CLUSTER_NODES) are found the same way, from the environment
// or .stack/env, but apart: they are not in StackEnv, which every test's configuration starts from,
// so only the tests that ask for the cluster use it (and a missing cluster fails only those).
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const stackVariables = [
  'KAFKA_BROKERS',
  'REDIS_URL',
  'CLICKHOUSE_URL',
  'CLICKHOUSE_USER',
  'CLICKHOUSE_PASSWORD',
] as const;
export type StackEnv = Partial<Record<(typeof stackVariables)[number], string>>;

const stackEnvFile = fileURLToPath(new URL('../../.stack/env', import.meta.url));

/** Parses the `export NAME=value` lines that `scripts/stack env` prints. */
export function parseStackEnv(text: string): StackEnv {
  const env: StackEnv = {};
  for (const line of text.split('\n')) {
    const m = /^export ([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m?.[1] !== undefined && (stackVariables as readonly string[]).includes(m[1])) {
      env[m[1] as (typeof stackVariables)[number]] = m[2] ?? '';
    }
  }
  return env;
}

export function stackEnvFromEnvironment(env: NodeJS.ProcessEnv): StackEnv | undefined {
  if (!env.KAFKA_BROKERS || !env.REDIS_URL || !env.CLICKHOUSE_URL) return undefined;
  const picked: StackEnv = {};
  for (const v of stackVariables) if (env[v] !== undefined) picked[v] = env[v];
  return picked;
}

export function stackEnvFromFile(file = stackEnvFile): StackEnv | undefined {
  return existsSync(file) ? parseStackEnv(readFileSync(file, 'utf8')) : undefined;
}

/** The `REDIS_CLUSTER_NODES=...` line `scripts/stack env` prints (not exported), if any. */
export function parseRedisClusterNodes(text: string): string | undefined {
  return /^(?:export )?REDIS_CLUSTER_NODES=(.+)$/m.exec(text)?.[1]?.trim();
}

/** The cluster's seed nodes: REDIS_CLUSTER_NODES in the environment, else in .stack/env. */
export function redisClusterNodes(env: NodeJS.ProcessEnv = process.env, file = stackEnvFile): string | undefined {
  if (env.REDIS_CLUSTER_NODES) return env.REDIS_CLUSTER_NODES;
  return existsSync(file) ? parseRedisClusterNodes(readFileSync(file, 'utf8')) : undefined;
}

export const howToStartTheStack = [
  'Integration tests need Kafka, Redis and ClickHouse, and none were found:',
  '  - no KAFKA_BROKERS / REDIS_URL / CLICKHOUSE_URL in the environment,',
  '  - no .stack/env from `scripts/stack up` in this checkout,',
  '  - no Docker engine for testcontainers.',
  'Start the local stack with `scripts/stack up` (it installs what is missing), then run the tests again.',
].join('\n');

export const howToStartTheCluster = [
  'This test needs the Redis Cluster, and none was found:',
  '  - no REDIS_CLUSTER_NODES in the environment,',
  '  - no REDIS_CLUSTER_NODES line in .stack/env (`scripts/stack up` writes it where it runs without Docker).',
  'Start it with `scripts/stack up` (three masters on 127.0.0.1:7001-7003), then run the tests again.',
].join('\n');
