// The stack's Redis Cluster through the project's client factory: it is a real cluster (three
// masters, every slot served), keys of different slots live on different masters, and the rules
// state code must keep hold here: a script runs on keys of one hash tag and is refused (CROSSSLOT)
// on keys of two slots; a pipeline may span slots of one master, not masters.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Cluster } from 'ioredis';
import type { InsidersError } from '../../src/errors.js';
import { masters } from '../../src/infra/redis.js';
import { readScript } from '../../src/state/scripts.js';
import { unlinkPrefix } from '../support/cleanup.js';
import { counterScriptFile } from '../support/counter-script.js';
import { clusterConfig, keysByMaster, openCluster } from '../support/redis-cluster.js';

/** host:port of each master. */
const addresses = (client: Cluster) => masters(client).map((m) => `${m.options.host}:${m.options.port}`);

describe('Redis Cluster (the stack): the factory client and the one-slot rule', () => {
  const config = clusterConfig();
  const prefix = config.redis.keyPrefix;
  let client: Cluster;

  beforeAll(async () => {
    client = await openCluster(config);
    const counter = await readScript(counterScriptFile);
    client.defineCommand(counter.name, { lua: counter.lua, numberOfKeys: counter.numberOfKeys });
  });

  afterAll(async () => {
    // Without a cluster, beforeAll has failed the file, saying why; nothing to clean.
    if ((client as Cluster | undefined) === undefined) return;
    await unlinkPrefix(client, prefix);
    await client.quit();
  });

  it("fails a first connection to a Redis that is no cluster, with the server's reason", async () => {
    const single = new URL(inject('stackEnv').REDIS_URL ?? 'redis://127.0.0.1:6379').host;
    const err: unknown = await openCluster(clusterConfig({ REDIS_CLUSTER_NODES: single })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(
      /^cannot connect to the Redis Cluster at .*: ERR This instance has cluster support disabled/,
    );
    // A setting to fix, not a server to wait for.
    expect(((err as Error).cause as InsidersError).retryable).toBe(false);
  });

  it('has three masters that serve every slot', async () => {
    const info = await client.cluster('INFO');
    expect(info).toMatch(/^cluster_state:ok\r?$/m);
    expect(info).toMatch(/^cluster_size:3\r?$/m);
    expect(info).toMatch(/^cluster_slots_ok:16384\r?$/m);
    expect(new Set(addresses(client)).size).toBe(3);
    for (const node of masters(client)) expect((await node.role())[0]).toBe('master');
  });

  it('spreads keys of different slots over the masters; unlinkPrefix removes them from every one', async () => {
    const spread = `${prefix}:spread`;
    const keys = Array.from({ length: 30 }, (_, i) => `${spread}:{customer-${i}}:state`).sort();
    await Promise.all(keys.map((k) => client.set(k, '1')));
    const held = await keysByMaster(client, spread);
    expect([...held.values()].map((k) => k.length > 0)).toEqual([true, true, true]);
    expect([...held.values()].flat().sort()).toEqual(keys);
    await unlinkPrefix(client, spread);
    expect([...(await keysByMaster(client, spread)).values()].flat()).toEqual([]);
  });

  it('runs a script on keys of one hash tag, also after each master flushed its script cache', async () => {
    const counterKey = `${prefix}:{c}:counter`;
    const tokensKey = `${prefix}:{c}:tokens`;
    expect(await client.counter(counterKey, tokensKey, 5, 'a')).toEqual([1, 5]);
    expect(await client.counter(counterKey, tokensKey, 7, 'b')).toEqual([1, 12]);
    expect(await client.counter(counterKey, tokensKey, 5, 'a')).toEqual([0, 12]);
    await Promise.all(masters(client).map((m) => m.script('FLUSH')));
    expect(await client.counter(counterKey, tokensKey, 1, 'c')).toEqual([1, 13]);
    expect(await client.get(counterKey)).toBe('13');
  });

  it('refuses a script on keys of two slots with CROSSSLOT, writing nothing', async () => {
    const counterKey = `${prefix}:{a}:counter`;
    const tokensKey = `${prefix}:{b}:tokens`;
    expect(await client.cluster('KEYSLOT', counterKey)).not.toBe(await client.cluster('KEYSLOT', tokensKey));
    await expect(client.counter(counterKey, tokensKey, 1, 't')).rejects.toThrow(/^CROSSSLOT/);
    // EXISTS of both keys at once would be refused too: one slot each.
    expect([await client.exists(counterKey), await client.exists(tokensKey)]).toEqual([0, 0]);
  });

  it('pipelines keys of several slots of one master; refuses a pipeline across masters before sending it', async () => {
    // Keys by the master that owns their slot, from the cluster's own slot table.
    const slots = await client.cluster('SLOTS');
    const ownerOf = async (key: string) => {
      const slot = await client.cluster('KEYSLOT', key);
      const range = slots.find(([from, to]) => slot >= from && slot <= to);
      const master = range?.[2];
      return { key, slot, owner: master ? `${master[0]}:${master[1]}` : 'none' };
    };
    const candidates = await Promise.all(Array.from({ length: 12 }, (_, i) => ownerOf(`${prefix}:pipe:{${i}}`)));
    const first = candidates[0]!;
    const sameMaster = candidates.find((c) => c.owner === first.owner && c.slot !== first.slot);
    const otherMaster = candidates.find((c) => c.owner !== first.owner);
    if (!sameMaster || !otherMaster) throw new Error(`no key pair for the test among ${JSON.stringify(candidates)}`);

    const results = await client
      .pipeline()
      .set(first.key, 'one')
      .set(sameMaster.key, 'two')
      .get(first.key)
      .get(sameMaster.key)
      .exec();
    expect(results).toEqual([
      [null, 'OK'],
      [null, 'OK'],
      [null, 'one'],
      [null, 'two'],
    ]);

    const across = client.pipeline().set(first.key, 'three').set(otherMaster.key, 'four').exec();
    await expect(across).rejects.toThrow('All keys in the pipeline should belong to the same slots allocation group');
    expect(await client.get(first.key)).toBe('one');
    expect(await client.exists(otherMaster.key)).toBe(0);
  });
});
