// Every Redis key the service uses is built here. Keys that one Lua script touches together share
// a hash tag ({...}), so the layout works unchanged on Redis Cluster.
//
//   <prefix>:{c:<customerId>}        hash   one customer's whole state (see customer-state.ts)
//   <prefix>:{guests}:stats          hash   guest orders/returns: counted, never segmented
//   <prefix>:{guests}:seen           hash   event digests of guest events already applied
//   <prefix>:watermark               string latest event time seen, epoch ms (the service's "now")
//   <prefix>:{model}:current         string the current model version (JSON)
//   <prefix>:{model}:lock            string the refit lease: holder's token, with a TTL
//   <prefix>:{model}:sweep-lock      string the sweep lease, likewise
//   <prefix>:{model}:fence           string fencing tokens handed out with the lease
//   <prefix>:{model}:stored-fence    string the fencing token of the last model stored
//   <prefix>:model-announce          pub/sub channel: a new model version was stored

export interface StateKeys {
  readonly prefix: string;
  customer(customerId: string): string;
  /** SCAN pattern matching every customer key */
  readonly customerPattern: string;
  /** the customer id inside a customer key, or undefined for other keys */
  customerIdOf(key: string): string | undefined;
  readonly guestStats: string;
  readonly guestSeen: string;
  readonly watermark: string;
  readonly model: string;
  readonly refitLock: string;
  readonly sweepLock: string;
  readonly fence: string;
  readonly storedFence: string;
  readonly modelChannel: string;
}

export function stateKeys(prefix: string): StateKeys {
  const customerHead = `${prefix}:{c:`;
  return {
    prefix,
    customer: (customerId) => `${customerHead}${customerId}}`,
    customerPattern: `${customerHead}*}`,
    customerIdOf: (key) =>
      key.startsWith(customerHead) && key.endsWith('}') ? key.slice(customerHead.length, -1) : undefined,
    guestStats: `${prefix}:{guests}:stats`,
    guestSeen: `${prefix}:{guests}:seen`,
    watermark: `${prefix}:watermark`,
    model: `${prefix}:{model}:current`,
    refitLock: `${prefix}:{model}:lock`,
    sweepLock: `${prefix}:{model}:sweep-lock`,
    fence: `${prefix}:{model}:fence`,
    storedFence: `${prefix}:{model}:stored-fence`,
    modelChannel: `${prefix}:model-announce`,
  };
}
