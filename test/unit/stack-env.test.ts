import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  parseRedisClusterNodes,
  parseStackEnv,
  redisClusterNodes,
  stackEnvFromEnvironment,
} from '../support/stack-env.js';

const printed = [
  'export KAFKA_BROKERS=127.0.0.1:9092',
  'export REDIS_URL=redis://127.0.0.1:6379',
  '# the Redis Cluster, used instead of REDIS_URL when exported with REDIS_URL unset:',
  'REDIS_CLUSTER_NODES=127.0.0.1:7001,127.0.0.1:7002,127.0.0.1:7003',
  '',
].join('\n');

describe('stack env', () => {
  it('parses what scripts/stack env prints', () => {
    const text =
      'export KAFKA_BROKERS=127.0.0.1:9092\nexport REDIS_URL=redis://127.0.0.1:6379\nexport CLICKHOUSE_PASSWORD=\nexport OTHER=x\n';
    expect(parseStackEnv(text)).toEqual({
      KAFKA_BROKERS: '127.0.0.1:9092',
      REDIS_URL: 'redis://127.0.0.1:6379',
      CLICKHOUSE_PASSWORD: '',
    });
  });

  it('takes the environment only when all three services are named', () => {
    expect(stackEnvFromEnvironment({ KAFKA_BROKERS: 'k:1', REDIS_URL: 'redis://r:1' })).toBeUndefined();
    expect(
      stackEnvFromEnvironment({ KAFKA_BROKERS: 'k:1', REDIS_URL: 'redis://r:1', CLICKHOUSE_URL: 'http://c:1' }),
    ).toEqual({
      KAFKA_BROKERS: 'k:1',
      REDIS_URL: 'redis://r:1',
      CLICKHOUSE_URL: 'http://c:1',
    });
  });

  it('keeps the cluster out of StackEnv, which every test configuration starts from', () => {
    expect(parseStackEnv(printed)).toEqual({ KAFKA_BROKERS: '127.0.0.1:9092', REDIS_URL: 'redis://127.0.0.1:6379' });
  });

  it("reads the cluster's nodes from its line, exported or not", () => {
    expect(parseRedisClusterNodes(printed)).toBe('127.0.0.1:7001,127.0.0.1:7002,127.0.0.1:7003');
    expect(parseRedisClusterNodes('export REDIS_CLUSTER_NODES=h:1\n')).toBe('h:1');
    expect(parseRedisClusterNodes('export REDIS_URL=redis://r:1\n')).toBeUndefined();
  });

  describe('redisClusterNodes', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'insiders-stack-env-'));
    const file = path.join(dir, 'env');
    writeFileSync(file, printed);
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('takes the environment first, then the file, else nothing', () => {
      expect(redisClusterNodes({ REDIS_CLUSTER_NODES: 'c:1' }, file)).toBe('c:1');
      expect(redisClusterNodes({}, file)).toBe('127.0.0.1:7001,127.0.0.1:7002,127.0.0.1:7003');
      expect(redisClusterNodes({}, path.join(dir, 'absent'))).toBeUndefined();
    });
  });
});
