// The refit lease: one holder at a time across every instance, with a TTL so a crashed holder
// frees it, and a fencing token per acquisition so that a holder who lost the lease while busy
// cannot overwrite what its successor wrote (the store checks the token; see store-model.lua).
import { randomUUID } from 'node:crypto';
import type { Result } from 'ioredis';
import type { StateKeys } from './keys.js';
import type { RedisClient } from '../infra/redis.js';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    releaseLease(key: string, token: string, ttlOrRelease: string): Result<number, Context>;
  }
}

export interface Lease {
  /** strictly increasing across acquisitions */
  readonly fence: number;
  /** extends the TTL; false when the lease was lost */
  renew(): Promise<boolean>;
  release(): Promise<void>;
}

/**
 * Takes the lease `lockKey` if nobody holds it; undefined otherwise. Scripts must be defined on
 * `redis` (StateStore.open does that).
 */
export async function tryAcquireLease(
  redis: RedisClient,
  keys: Pick<StateKeys, 'fence'>,
  lockKey: string,
  ttlMs: number,
): Promise<Lease | undefined> {
  const token = randomUUID();
  const taken = await redis.set(lockKey, token, 'PX', ttlMs, 'NX');
  if (taken !== 'OK') return undefined;
  const fence = await redis.incr(keys.fence);
  return {
    fence,
    renew: async () => (await redis.releaseLease(lockKey, token, String(ttlMs))) === 1,
    release: async () => {
      await redis.releaseLease(lockKey, token, 'release');
    },
  };
}
