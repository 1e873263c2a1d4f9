// The stack's Redis Cluster for a test: a configuration with a key prefix of the test's own, and a
// client made by the project's factory. Remove the test's keys with unlinkPrefix (cleanup.ts),
// which visits every master. Without a cluster the test fails with instructions, never skips.
// For a test that kills masters: a small cluster of its own (ownRedisCluster).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Cluster } from 'ioredis';
import type { Config } from '../../src/config.js';
import { createRedisClient, masters } from '../../src/infra/redis.js';
import { integrationConfig } from './integration.js';
import { howToStartTheCluster, redisClusterNodes } from './stack-env.js';
import { freePort } from './free-port.js';
import { ownRedis, type OwnRedis } from './own-redis.js';
import { waitFor } from './wait.js';

const run = promisify(execFile);

/** integrationConfig() on the stack's cluster, or the one REDIS_CLUSTER_NODES overrides name. */
export function clusterConfig(overrides: Record<string, string> = {}): Config {
  const nodes = overrides.REDIS_CLUSTER_NODES ?? redisClusterNodes();
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

/** The keys under `prefix:` that each master holds, by its address. */
export async function keysByMaster(client: Cluster, prefix: string): Promise<Map<string, string[]>> {
  const held = new Map<string, string[]>();
  for (const node of masters(client)) {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, found] = await node.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      keys.push(...found);
    } while (cursor !== '0');
    held.set(`${node.options.host}:${node.options.port}`, keys.sort());
  }
  return held;
}

/** A Redis Cluster of the test's own, to kill and restart masters of without touching the stack's. */
export interface OwnRedisCluster {
  readonly masters: readonly OwnRedis[];
  /** host:port,... for REDIS_CLUSTER_NODES */
  readonly seeds: string;
  destroy(): Promise<void>;
}

const clusterInfo = async (node: OwnRedis): Promise<string> =>
  (await run('redis-cli', ['-h', '127.0.0.1', '-p', String(node.port), 'cluster', 'info'])).stdout;

/** The node's cluster_state: ok or fail (undefined when it does not answer). */
export async function clusterState(node: OwnRedis): Promise<string | undefined> {
  return /^cluster_state:(\w+)/m.exec(await clusterInfo(node).catch(() => ''))?.[1];
}

/**
 * `count` masters (no replicas), each with an AOF fsynced on every write and its cluster state in
 * its own folder, so a killed master restarts with its slots and its keys. A 1 s node timeout lets
 * the others mark a dead master failed quickly.
 */
export async function ownRedisCluster(count = 3): Promise<OwnRedisCluster> {
  const masters: OwnRedis[] = [];
  try {
    for (let i = 0; i < count; i++) {
      // The bus port is given: the default, port + 10000, may be past 65535 for a free port.
      const bus = String(await freePort());
      const clusterArgs = ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf'];
      masters.push(
        await ownRedis({
          appendonly: true,
          args: [...clusterArgs, '--cluster-node-timeout', '1000', '--cluster-port', bus],
        }),
      );
    }
    await Promise.all(masters.map((m) => m.start()));
    const seeds = masters.map((m) => `127.0.0.1:${m.port}`);
    await run('redis-cli', ['--cluster', 'create', ...seeds, '--cluster-replicas', '0', '--cluster-yes']);
    await waitForClusterOk(masters);
    return {
      masters,
      seeds: seeds.join(','),
      destroy: async () => void (await Promise.all(masters.map((m) => m.destroy()))),
    };
  } catch (err) {
    await Promise.all(masters.map((m) => m.destroy()));
    throw err;
  }
}

/** Waits until every master reports cluster_state:ok and knows all the others. */
export async function waitForClusterOk(masters: readonly OwnRedis[]): Promise<void> {
  await waitFor(
    async () => {
      const infos = await Promise.all(masters.map(clusterInfo));
      return infos.every(
        (i) =>
          /^cluster_state:ok\r?$/m.test(i) && new RegExp(`^cluster_known_nodes:${masters.length}\\r?$`, 'm').test(i),
      );
    },
    { timeoutMs: 30_000, intervalMs: 100, what: 'every master of the test cluster to report cluster_state:ok' },
  );
}
