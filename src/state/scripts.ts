// Loads the Redis Lua scripts kept as .lua files beside this module's source and registers them
// on a client with ioredis' defineCommand (EVALSHA, falling back to EVAL once per connection).
// Each file starts with a header; the line `-- keys: N` gives how many KEYS it takes (0 = given
// per call as the first argument).
import { readFile, readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { RedisClient } from '../infra/redis.js';

/** src/state/lua, reached the same way from src/state (tests) and dist/state (the built CLI). */
export const scriptsDir = fileURLToPath(new URL('../../src/state/lua/', import.meta.url));

export interface LuaScript {
  readonly name: string;
  readonly numberOfKeys: number;
  readonly lua: string;
}

export async function readScript(file: string): Promise<LuaScript> {
  const lua = await readFile(file, 'utf8');
  const keys = /^--\s*keys:\s*(\d+)\s*$/m.exec(lua);
  if (keys?.[1] === undefined) throw new Error(`${file}: header line "-- keys: N" is missing`);
  const name = path.basename(file, '.lua').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
  return { name, numberOfKeys: Number(keys[1]), lua };
}

export async function readScripts(dir = scriptsDir): Promise<LuaScript[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.lua')).sort();
  return Promise.all(files.map((f) => readScript(path.join(dir, f))));
}

/** Registers each script as a command named after its file (apply-orders.lua -> applyOrders). */
export function defineScripts(redis: RedisClient, scripts: readonly LuaScript[]): void {
  for (const s of scripts) {
    redis.defineCommand(s.name, s.numberOfKeys === 0 ? { lua: s.lua } : { lua: s.lua, numberOfKeys: s.numberOfKeys });
  }
}
