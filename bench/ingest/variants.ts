// Alternatives to the ingest path's state writes, prototyped here to measure them before proposing
// a change to src/, or to measure src against what it replaced. micro.ts checks that the exact ones
// leave src's state.
//
// store variants (consume.ts --store NAME, micro.ts --stores): src's StateStore.applyBatch, line
// for line, except that every event is its own script call (bench/ingest/lua/NAME.lua for customer
// events, apply-guest-event.lua for guests), as src did before apply-events.lua:
//   per-event                     the same state as src, one EVALSHA per event (src until the
//                                 batched script; micro.ts checks both give the same hashes)
//   noop, commands-only           probes: the cost of a per-event call alone, of its commands alone
//   fields-now, fields-packed     probes: an in-order order's hash-field work now, and with the
//                                 scalars packed into one field (a layout not in src)
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Redis } from 'ioredis';
import type { EventLine } from '../../src/events/decode.js';
import { dayOf } from '../../src/state/customer-state.js';
import { stateKeys, type StateKeys } from '../../src/state/keys.js';
import { readScripts } from '../../src/state/scripts.js';
import { eventDigest, StateStore, type BatchResult, type StateChange } from '../../src/state/state-store.js';

export interface BatchApplier {
  applyBatch(changes: readonly StateChange[], watermarkCandidateMs: number | undefined): Promise<BatchResult>;
}

// ------------------------------------------------------------------------------------ state

const variantScripts: Record<string, string> = {
  'per-event': 'apply-customer-event.lua',
  noop: 'noop.lua',
  'commands-only': 'commands-only.lua',
  'fields-now': 'fields-now.lua',
  'fields-packed': 'fields-packed.lua',
};

function sums(lines: readonly EventLine[]): { items: number; valueMills: number } {
  let items = 0;
  let valueMills = 0;
  for (const l of lines) {
    items += l.quantity;
    valueMills += l.quantity * l.unitPriceMills;
  }
  return { items, valueMills };
}

/** StateStore.applyBatch with one EVALSHA per event: a customer-event script, and the guest script. */
class ScriptStore implements BatchApplier {
  private readonly keys: StateKeys;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    shards: number,
    private readonly windowDays: number,
    private readonly sha: { customer: string; guest: string; watermark: string },
  ) {
    this.keys = stateKeys(prefix, shards);
  }

  async applyBatch(changes: readonly StateChange[], watermarkCandidateMs: number | undefined): Promise<BatchResult> {
    const pipeline = this.redis.pipeline();
    for (const { event, customerId, lines } of changes) {
      const kind = event.kind === 'order' ? 'o' : 'r';
      const { items, valueMills } = sums(lines);
      const digest = eventDigest(event.eventId);
      if (customerId === null) {
        const guests = this.keys.shard(this.keys.shardOfGuest(event.orderId));
        pipeline.evalsha(this.sha.guest, 2, guests.guestStats, guests.guestSeen, digest, kind, items, valueMills);
      } else {
        const skus = kind === 'o' ? [...new Set(lines.map((l) => l.sku))] : [];
        pipeline.evalsha(
          this.sha.customer,
          1,
          this.keys.customer(customerId),
          `e:${digest}`,
          kind,
          event.occurredAtMs,
          dayOf(event.occurredAtMs),
          this.windowDays,
          lines.length,
          items,
          valueMills,
          ...skus,
        );
      }
    }
    if (watermarkCandidateMs !== undefined) {
      pipeline.evalsha(this.sha.watermark, 1, this.keys.watermark, watermarkCandidateMs);
    }
    const replies = await pipeline.exec();
    if (replies === null) throw new Error('pipeline discarded');
    let applied = 0;
    let erased = 0;
    for (const [i, [err, reply]] of replies.entries()) {
      if (err !== null) throw err;
      if (i < changes.length && reply === 1) applied++;
      if (i < changes.length && reply === 2) erased++;
    }
    const watermark = watermarkCandidateMs === undefined ? undefined : Number(replies[replies.length - 1]?.[1]);
    return { applied, duplicates: changes.length - applied - erased, conflicts: [], erased, watermarkMs: watermark };
  }
}

async function load(redis: Redis, lua: string): Promise<string> {
  const sha = String(await redis.script('LOAD', lua));
  if (sha !== createHash('sha1').update(lua).digest('hex')) throw new Error('unexpected script sha');
  return sha;
}

export async function openVariantStore(
  redis: Redis,
  name: string,
  options: { keyPrefix: string; windowDays: number; shards: number },
): Promise<BatchApplier> {
  if (name === 'src') return StateStore.open(redis, options);
  const file = variantScripts[name];
  if (file === undefined) throw new Error(`unknown store variant ${name}`);
  const src = new Map((await readScripts()).map((s) => [s.name, s.lua]));
  const bench = (file: string) => readFile(new URL(`./lua/${file}`, import.meta.url), 'utf8');
  const customer = await bench(file);
  return new ScriptStore(redis, options.keyPrefix, options.shards, options.windowDays, {
    customer: await load(redis, customer),
    guest: await load(redis, await bench('apply-guest-event.lua')),
    watermark: await load(redis, src.get('advanceWatermark') ?? ''),
  });
}
