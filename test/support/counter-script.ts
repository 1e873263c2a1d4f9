// test/fixtures/counter.lua, the script the Redis smoke tests register: counter(counterKey,
// tokensKey, amount, token) -> [applied, value], typed through ioredis' RedisCommander.
import { fileURLToPath } from 'node:url';
import type { Result } from 'ioredis';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    counter(counterKey: string, tokensKey: string, amount: number, token: string): Result<[number, number], Context>;
  }
}

export const counterScriptFile = fileURLToPath(new URL('../fixtures/counter.lua', import.meta.url));
