// Masters of a Redis Cluster going away under a client of the factory: a cluster of the test's
// own (AOF fsynced on every write) loses one master to SIGKILL, then all of them, and they are
// started again. The same client carries on by itself each time, with every acknowledged write;
// while the whole cluster is away a command waits in its queue instead of failing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cluster } from 'ioredis';
import {
  clusterConfig,
  keysByMaster,
  openCluster,
  ownRedisCluster,
  waitForClusterOk,
  type OwnRedisCluster,
} from '../support/redis-cluster.js';
import { clusterState } from '../support/redis-cluster.js';
import { uniqueName } from '../support/names.js';
import { waitFor } from '../support/wait.js';

describe('Redis Cluster: masters killed and restarted under one client', () => {
  let cluster: OwnRedisCluster | undefined;
  let client: Cluster | undefined;
  const prefix = uniqueName('t');
  const keys = Array.from({ length: 30 }, (_, i) => `${prefix}:{customer-${i}}:state`);

  beforeAll(async () => {
    cluster = await ownRedisCluster(3);
    client = await openCluster(clusterConfig({ REDIS_CLUSTER_NODES: cluster.seeds, REDIS_KEY_PREFIX: prefix }));
    await Promise.all(keys.map((k) => client!.set(k, 'before')));
  }, 60_000);

  afterAll(async () => {
    client?.disconnect();
    await cluster?.destroy();
  });

  it('carries on by itself after one master is killed and started again', async () => {
    const [victim] = cluster!.masters;
    const held = (await keysByMaster(client!, prefix)).get(`127.0.0.1:${victim!.port}`) ?? [];
    expect(held.length).toBeGreaterThan(0);
    await victim!.kill();
    // Meanwhile a new client's first connection fails, saying why, instead of hanging.
    const others = cluster!.masters.filter((m) => m !== victim);
    await waitFor(async () => (await Promise.all(others.map(clusterState))).every((s) => s === 'fail'), {
      timeoutMs: 30_000,
      what: 'the other masters to mark the cluster failed',
    });
    const late = clusterConfig({ REDIS_CLUSTER_NODES: cluster!.seeds, REDIS_KEY_PREFIX: prefix });
    await expect(openCluster(late)).rejects.toThrow(
      /^cannot connect to the Redis Cluster at .*cluster_state is not ok/,
    );
    await victim!.start();
    await waitForClusterOk(cluster!.masters);
    const key = held[0]!;
    expect(await waitFor(() => client!.get(key), { timeoutMs: 30_000, what: "the killed master's key" })).toBe(
      'before',
    );
    await client!.set(key, 'after');
    expect(await client!.get(key)).toBe('after');
    expect(client!.status).toBe('ready');
  }, 60_000);

  it('reconnects by itself after every master is killed; a command waits meanwhile', async () => {
    const key = keys[1]!;
    await Promise.all(cluster!.masters.map((m) => m.kill()));
    await waitFor(() => client!.status !== 'ready', { timeoutMs: 30_000, what: 'the client to see the cluster gone' });
    const waiting = client!.get(key);
    await Promise.all(cluster!.masters.map((m) => m.start()));
    await waitForClusterOk(cluster!.masters);
    expect(await waiting).toBe('before');
    await waitFor(() => client!.status === 'ready', { timeoutMs: 30_000, what: 'the client to be ready again' });
    expect(await client!.set(key, 'after')).toBe('OK');
  }, 90_000);
});
