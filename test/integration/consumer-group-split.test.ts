// Scaling out: two `insiders consume` processes in one consumer group split the partitions and
// together apply every event of the replay exactly once — the state one process alone makes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AssignerProtocol, type Admin } from 'kafkajs';
import type { Redis } from 'ioredis';
import type { Config } from '../../src/config.js';
import { createKafka, ensureTopics } from '../../src/infra/kafka.js';
import { createRedis } from '../../src/infra/redis.js';
import { silentLogger } from '../../src/log.js';
import { unlinkPrefix } from '../support/cleanup.js';
import { integrationConfig } from '../support/integration.js';
import { uniqueName } from '../support/names.js';
import { caughtUp, cleanPass, replayDataSet } from '../support/pipeline.js';
import { differingKeys, redisState, serviceEnv, spawnService, type ServiceChild } from '../support/service-process.js';
import { waitFor } from '../support/wait.js';

const LIMIT = 12_000;
const PARTITIONS = 6;

function groupConfig(): Config {
  const topic = uniqueName('orders');
  return integrationConfig({
    ORDERS_TOPIC: topic,
    DEAD_LETTER_TOPIC: `${topic}.dlq`,
    CONSUMER_GROUP: uniqueName('state'),
    ORDERS_PARTITIONS: String(PARTITIONS),
  });
}

/** Partitions of `topic` assigned to each member of the group, once it is stable. */
async function assignments(admin: Admin, groupId: string, topic: string): Promise<number[][] | undefined> {
  const { groups } = await admin.describeGroups([groupId]);
  const group = groups[0];
  if (group?.state !== 'Stable') return undefined;
  return group.members.map((m) => {
    const decoded = AssignerProtocol.MemberAssignment.decode(m.memberAssignment);
    return [...(decoded?.assignment[topic] ?? [])].sort((a, b) => a - b);
  });
}

describe('two consumer processes in one group', () => {
  const single = groupConfig();
  const pair = groupConfig();
  let admin: Admin;
  let redis: Redis;
  const processes: ServiceChild[] = [];

  beforeAll(async () => {
    admin = createKafka(single.kafka, silentLogger).admin();
    await admin.connect();
    redis = createRedis(single.redis);
    await redis.connect();
  });

  afterAll(async () => {
    for (const p of processes) p.kill('SIGKILL');
    for (const c of [single, pair]) {
      await unlinkPrefix(redis, c.redis.keyPrefix);
      await admin.deleteTopics({ topics: [c.kafka.ordersTopic, c.kafka.deadLetterTopic] }).catch(() => undefined);
    }
    await redis.quit();
    await admin.disconnect();
  });

  it('split the partitions and apply every event once, as one process does', async () => {
    // One process alone, in process.
    await replayDataSet(single, { limit: LIMIT });
    const alone = await cleanPass(admin, redis, single);
    const expected = alone.state;
    expect(alone.totals.applied).toBeGreaterThan(LIMIT / 2);

    // Two processes, both in the group before the first event is published.
    await ensureTopics(admin, [{ topic: pair.kafka.ordersTopic, numPartitions: PARTITIONS }]);
    const env = serviceEnv(pair);
    processes.push(spawnService(env, ['consume']), spawnService(env, ['consume']));
    const split = await waitFor(
      async () => {
        const a = await assignments(admin, pair.kafka.consumerGroup, pair.kafka.ordersTopic);
        return a?.length === 2 && a.every((p) => p.length > 0) ? a : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 250, what: 'both consumers to be given partitions' },
    );
    expect(split.flat().sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5]); // disjoint, all covered

    await replayDataSet(pair, { limit: LIMIT });
    await caughtUp(admin, pair);
    for (const p of processes) p.kill('SIGTERM');
    const totals = [];
    for (const p of processes) {
      expect(await p.exited(), p.output().slice(-2000)).toBe(0);
      const stopped = p.logs().find((l) => l.msg === 'stopped');
      totals.push({ applied: Number(stopped?.applied), handled: p.messagesHandled() });
    }
    expect(totals.every((t) => t.handled > 0)).toBe(true); // both did part of the work
    expect(totals.reduce((n, t) => n + t.applied, 0)).toBe(alone.totals.applied);

    const actual = await redisState(redis, pair);
    expect(actual.size).toBe(expected.size);
    expect(differingKeys(expected, actual)).toEqual([]);
  });
});
