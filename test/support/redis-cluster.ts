// The stack's Redis Cluster for a test: a configuration with a key prefix of the test's own, and a
// client made by the project's factory. Remove the test's keys with unlinkPrefix (cleanup.ts),
// which visits every master. Without a cluster the test fails with instructions, never skips.
import { Cluster } from 'ioredis';
import type { Config } from '../../src/config.js';
import { createRedisClient } from '../../src/infra/redis.js';
import { integrationConfig } from './integration.js';
import { howToStartTheCluster, redisClusterNodes } from './stack-env.js';

/** integrationConfig() on the stack's cluster: REDIS_CLUSTER_NODES set, REDIS_URL unset. */
export function clusterConfig(overrides: Record<string, string> = {}): Config {
  const nodes = redisClusterNodes();
  if (nodes === undefined) throw new Error(howToStartTheCluster);
  // An empty value counts as unset: the stack's REDIS_URL would exclude the cluster.
  return integrationConfig({ REDIS_URL: '', REDIS_CLUSTER_NODES: nodes, ...overrides });
}

/** A connected Cluster client from createRedisClient; quit() it after the test. */
export async function openCluster(config: Config = clusterConfig()): Promise<Cluster> {
  const client = createRedisClient(config.redis);
  if (!(client instanceof Cluster))
    throw new Error('createRedisClient made a single-Redis client for a cluster config');
  try {
    await client.connect();
  } catch (err) {
    const hint = '`scripts/stack status` says whether the cluster is up; `scripts/stack up` starts it.';
    throw new Error(`${(err as Error).message}\n${hint}`, { cause: err });
  }
  return client;
}
