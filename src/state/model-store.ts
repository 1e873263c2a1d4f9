// The current model version in Redis: stored under the refit lease's fencing token and announced
// on a pub/sub channel, so every consumer swaps centres without a restart.
import type { Result } from 'ioredis';
import type { RedisClient } from '../infra/redis.js';
import type { FittedModel } from '../model/model.js';
import type { StateKeys } from './keys.js';
import { decodeModel, encodeModel } from '../model/codec.js';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    storeModel(modelKey: string, fenceKey: string, fence: number, json: string): Result<number, Context>;
  }
}

export class ModelStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: StateKeys,
  ) {}

  async current(): Promise<FittedModel | undefined> {
    const json = await this.redis.get(this.keys.model);
    return json === null ? undefined : decodeModel(json);
  }

  /** Stores and announces `model`; false when a newer lease holder has stored one since. */
  async store(model: FittedModel, fence: number): Promise<boolean> {
    const stored = await this.redis.storeModel(this.keys.model, this.keys.storedFence, fence, encodeModel(model));
    if (stored !== 1) return false;
    await this.redis.publish(this.keys.modelChannel, String(model.version));
    return true;
  }

  /**
   * Calls `onModel` with the current model now and with every model announced later. `subscriber`
   * must be a connection of its own (a subscribed Redis connection can do nothing else).
   * Returns a function that stops listening.
   */
  async watch(
    subscriber: RedisClient,
    onModel: (model: FittedModel) => void,
    onError: (err: unknown) => void = () => undefined,
  ): Promise<() => Promise<void>> {
    const reload = async () => {
      const model = await this.current();
      if (model) onModel(model);
    };
    subscriber.on('message', (channel: string) => {
      // A failed reload keeps the model in use; the next announcement or the next start loads it.
      if (channel === this.keys.modelChannel) reload().catch(onError);
    });
    await subscriber.subscribe(this.keys.modelChannel);
    await reload();
    return async () => {
      await subscriber.unsubscribe(this.keys.modelChannel);
    };
  }
}
