// A server of a test file's own (ownKafka, ownRedis, ownClickHouse), started before the file's
// tests and destroyed after them. Call it before the usePipeline() that runs on it: vitest runs a
// block's afterAll hooks as a stack, so the pipeline is removed while the server still answers.
import { afterAll, beforeAll } from 'vitest';

export interface OwnServer {
  start(): Promise<void>;
  destroy(): Promise<void>;
}

/** The server `create` makes, started in beforeAll; the getter throws before then. */
export function useServer<T extends OwnServer>(create: () => Promise<T>): () => T {
  let server: T | undefined;
  beforeAll(async () => {
    server = await create();
    await server.start();
  });
  afterAll(async () => {
    await server?.destroy();
  });
  return () => {
    if (server === undefined) throw new Error('useServer(): the server starts in beforeAll, not before');
    return server;
  };
}
