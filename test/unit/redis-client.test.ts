// The client factory's choice, without a server: clients are made lazily and never connect here.
import { Cluster, Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { ConfigError } from '../../src/errors.js';
import { createRedis, createRedisClient, masters } from '../../src/infra/redis.js';

const clusterEnv = { REDIS_CLUSTER_NODES: '127.0.0.1:7001,127.0.0.1:7002', REDIS_PASSWORD: 'pw' };

describe('createRedisClient', () => {
  it('makes one Redis from REDIS_URL, the client masters() returns alone', () => {
    const client = createRedisClient(loadConfig({ REDIS_URL: 'redis://127.0.0.1:6390' }).redis);
    expect(client).toBeInstanceOf(Redis);
    expect(client.status).toBe('wait');
    expect(masters(client)).toEqual([client]);
  });

  it('makes a Cluster from REDIS_CLUSTER_NODES, its credentials on every node', () => {
    const client = createRedisClient(loadConfig(clusterEnv).redis);
    expect(client).toBeInstanceOf(Cluster);
    const cluster = client as Cluster;
    expect(cluster.status).toBe('wait');
    expect(cluster.options.redisOptions).toMatchObject({ password: 'pw', maxRetriesPerRequest: 3 });
    expect(cluster.options).toMatchObject({ enableOfflineQueue: true, enableAutoPipelining: false });
    // No master is known before the client has connected and read the slot table.
    expect(masters(cluster)).toEqual([]);
  });

  it('createRedis, for code that needs one Redis, refuses a cluster configuration', () => {
    const err = (() => {
      try {
        createRedis(loadConfig(clusterEnv).redis);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toBe(
      'invalid configuration: REDIS_CLUSTER_NODES="127.0.0.1:7001,127.0.0.1:7002"; ' +
        'expected unset: this works on one Redis only (REDIS_URL)',
    );
  });
});
