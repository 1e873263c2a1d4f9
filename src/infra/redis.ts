// Redis client factory (ioredis). Commands queue while disconnected and are retried by the caller's
// own policy; ioredis reconnects with a capped backoff. Credentials and TLS come from the config.
import { Redis } from 'ioredis';
import type { Config } from '../config.js';
import { tlsConnectionOptions } from './tls.js';

export function createRedis(config: Config['redis']): Redis {
  return new Redis(config.url, {
    lazyConnect: true,
    maxRetriesPerRequest: 3,
    enableAutoPipelining: false,
    retryStrategy: (attempt) => Math.min(50 * 2 ** attempt, 2000),
    ...(config.username !== undefined && { username: config.username }),
    ...(config.password !== undefined && { password: config.password }),
    ...(config.tls && { tls: tlsConnectionOptions(config.tls) }),
  });
}
