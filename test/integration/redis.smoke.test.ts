import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { createRedis } from '../../src/infra/redis.js';
import { defineScripts, readScript } from '../../src/state/scripts.js';
import { counterScriptFile } from '../support/counter-script.js';
import { integrationConfig } from '../support/integration.js';

describe('redis: a Lua script loaded from a .lua file', () => {
  const config = integrationConfig();
  const counterKey = `${config.redis.keyPrefix}:{c}:counter`;
  const tokensKey = `${config.redis.keyPrefix}:{c}:tokens`;
  let redis: Redis;

  beforeAll(async () => {
    redis = createRedis(config.redis);
    await redis.connect();
    defineScripts(redis, [await readScript(counterScriptFile)]);
  });

  afterAll(async () => {
    await redis.del(counterKey, tokensKey);
    await redis.quit();
  });

  it('runs the script atomically and idempotently per token', async () => {
    expect(await redis.counter(counterKey, tokensKey, 5, 'a')).toEqual([1, 5]);
    expect(await redis.counter(counterKey, tokensKey, 7, 'b')).toEqual([1, 12]);
    expect(await redis.counter(counterKey, tokensKey, 5, 'a')).toEqual([0, 12]);
    expect(await redis.get(counterKey)).toBe('12');
  });

  it('still works after the script cache is flushed (EVALSHA falls back to EVAL)', async () => {
    await redis.script('FLUSH');
    expect(await redis.counter(counterKey, tokensKey, 1, 'c')).toEqual([1, 13]);
  });
});
