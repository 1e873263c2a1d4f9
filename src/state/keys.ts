// Every Redis key the service uses is built here. State is sharded (shards.ts): each shard's keys
// share the hash tag {s<shard>}, so a script or pipeline that stays within one shard touches one
// hash slot and the layout runs unchanged on Redis Cluster.
//
//   <prefix>:{s<n>}:c:<customerId>   hash   one customer's totals, day buckets, segment and change
//                                           records (see customer-state.ts): what placing them reads
//   <prefix>:{s<n>}:m:<customerId>   hash   the same customer's marks: the events applied (e:<digest>)
//                                           and each product's latest purchase day (p:<sku>), which
//                                           only the write path and whole-state reads need
//   <prefix>:{s<n>}:due              zset   customer id -> due time, epoch ms (event time): when the
//                                           customer's placement may next change with no new event
//   <prefix>:{s<n>}:placed           string the model version every customer of the shard has been
//                                           placed under (the post-refit placement's progress)
//   <prefix>:{s<n>}:lease            string the shard's placement lease: holder's token, with a TTL
//   <prefix>:{s<n>}:outbox           hash   entry id -> the segment changes one set-segments.lua
//                                           call recorded, until every sink holds them (then the
//                                           entry is removed): "<wall ms>\n<change>\n<change>...",
//                                           each change "<customerId>|<seq>|<from>|<to>|<version>|
//                                           <reason>|<at ms>"
//   <prefix>:{s<n>}:outbox:seq       string the shard's last outbox entry id (INCR)
//   <prefix>:{s<n>}:placing          set    customers a due pass placed whose placements are not yet
//                                           known durable in the sinks (placed again if a pass dies)
//   <prefix>:{s<n>}:sizes            hash   segment id -> the shard's customers in it (kept by
//                                           set-segments.lua with every change)
//   <prefix>:{s<n>}:guests:stats     hash   guest orders/returns of the shard: counted, never segmented
//   <prefix>:{s<n>}:guests:seen      hash   event digests of the shard's guest events already applied
//   <prefix>:layout                  string the state layout and its shard count ("4:<shards>")
//   <prefix>:watermark               string latest event time seen, epoch ms (the service's "now")
//   <prefix>:{model}:current         string the current model version (JSON)
//   <prefix>:{model}:lock            string the refit lease: holder's token, with a TTL
//   <prefix>:{model}:fence           string fencing tokens handed out with the leases
//   <prefix>:{model}:stored-fence    string the fencing token of the last model stored
//   <prefix>:model-announce          pub/sub channel: a new model version was stored
import { shardOf } from './shards.js';

/** The keys of one shard. */
export interface ShardKeys {
  readonly shard: number;
  customer(customerId: string): string;
  /** the customer's marks hash: applied events and products' latest days */
  customerMarks(customerId: string): string;
  /** SCAN pattern matching every customer key of the shard */
  readonly customerPattern: string;
  readonly due: string;
  readonly placed: string;
  readonly lease: string;
  readonly outbox: string;
  readonly outboxSeq: string;
  readonly placing: string;
  readonly sizes: string;
  readonly guestStats: string;
  readonly guestSeen: string;
}

export interface StateKeys {
  readonly prefix: string;
  readonly shards: number;
  /** the shard of a customer's keys */
  shardOfCustomer(customerId: string): number;
  /** the shard a guest event's counters go to: its order id's, as the producer keys the message */
  shardOfGuest(orderId: string): number;
  shard(shard: number): ShardKeys;
  /** the customer's hash, in their shard */
  customer(customerId: string): string;
  /** the customer's marks hash, in their shard */
  customerMarks(customerId: string): string;
  /** SCAN pattern matching every customer key of every shard (benchmarks and tests) */
  readonly customerPattern: string;
  /** the customer id inside a customer key, or undefined for other keys */
  customerIdOf(key: string): string | undefined;
  readonly layout: string;
  readonly watermark: string;
  readonly model: string;
  readonly refitLock: string;
  readonly fence: string;
  readonly storedFence: string;
  readonly modelChannel: string;
}

/**
 * The layout written by this version: customers sharded as the orders topic is partitioned (2),
 * each customer's event marks and product days kept apart from the hash placements read (3), and
 * segment changes not yet published kept in the shard's outbox, one entry per call that recorded
 * them, instead of in each customer's hash with a pending index (4).
 */
export const STATE_LAYOUT = 4;

function shardKeys(prefix: string, shard: number): ShardKeys {
  const head = `${prefix}:{s${shard}}:`;
  const customerHead = `${head}c:`;
  const marksHead = `${head}m:`;
  return {
    shard,
    customer: (customerId) => `${customerHead}${customerId}`,
    customerMarks: (customerId) => `${marksHead}${customerId}`,
    customerPattern: `${customerHead}*`,
    due: `${head}due`,
    placed: `${head}placed`,
    lease: `${head}lease`,
    outbox: `${head}outbox`,
    outboxSeq: `${head}outbox:seq`,
    placing: `${head}placing`,
    sizes: `${head}sizes`,
    guestStats: `${head}guests:stats`,
    guestSeen: `${head}guests:seen`,
  };
}

/** Layout 3's pending index of a shard (customer id -> wall ms): read only to migrate it (layout-migration.ts). */
export function layout3PendingKey(prefix: string, shard: number): string {
  return `${prefix}:{s${shard}}:pending`;
}

export function stateKeys(prefix: string, shards: number): StateKeys {
  if (!Number.isInteger(shards) || shards < 1) throw new RangeError(`stateKeys: ${shards} shards`);
  const all = Array.from({ length: shards }, (_, s) => shardKeys(prefix, s));
  const customerKey = /^\{s(\d+)\}:c:/;
  const head = `${prefix}:`;
  return {
    prefix,
    shards,
    shardOfCustomer: (customerId) => shardOf(customerId, shards),
    shardOfGuest: (orderId) => shardOf(orderId, shards),
    shard: (shard) => {
      const keys = all[shard];
      if (keys === undefined) throw new RangeError(`no shard ${shard} of ${shards}`);
      return keys;
    },
    customer: (customerId) => all[shardOf(customerId, shards)]!.customer(customerId),
    customerMarks: (customerId) => all[shardOf(customerId, shards)]!.customerMarks(customerId),
    customerPattern: `${prefix}:{s*}:c:*`,
    customerIdOf: (key) => {
      if (!key.startsWith(head)) return undefined;
      const m = customerKey.exec(key.slice(head.length));
      return m === null ? undefined : key.slice(head.length + m[0].length);
    },
    layout: `${prefix}:layout`,
    watermark: `${prefix}:watermark`,
    model: `${prefix}:{model}:current`,
    refitLock: `${prefix}:{model}:lock`,
    fence: `${prefix}:{model}:fence`,
    storedFence: `${prefix}:{model}:stored-fence`,
    modelChannel: `${prefix}:model-announce`,
  };
}
