// Scaling out: two `insiders consume` processes in one consumer group split the partitions and
// together apply every event of the replay exactly once — the state one process alone makes.
import { afterAll, describe, expect, it } from 'vitest';
import { AssignerProtocol, type Admin } from 'kafkajs';
import { ensureTopics } from '../../src/infra/kafka.js';
import { cleanPass, replayDataSet } from '../support/pipeline.js';
import { differingKeys, redisState, serviceEnv, spawnService, type ServiceChild } from '../support/service-process.js';
import { usePipeline } from '../support/use-pipeline.js';
import { waitFor } from '../support/wait.js';

const LIMIT = 12_000;
const PARTITIONS = 6;

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
  const single = usePipeline({ ORDERS_PARTITIONS: String(PARTITIONS) });
  const pair = usePipeline({ ORDERS_PARTITIONS: String(PARTITIONS) });
  const processes: ServiceChild[] = [];

  afterAll(() => {
    for (const p of processes) p.kill('SIGKILL');
  });

  it('split the partitions and apply every event once, as one process does', async () => {
    // One process alone, in process; meanwhile two processes join the pair's group, both in it
    // before the first event is published there.
    const { consumerGroup, ordersTopic } = pair.config.kafka;
    const alonePass = async () => {
      await replayDataSet(single.config, { limit: LIMIT });
      return cleanPass(single.admin, single.redis, single.config);
    };
    const pairJoined = async () => {
      await ensureTopics(pair.admin, [{ topic: ordersTopic, numPartitions: PARTITIONS }]);
      const env = serviceEnv(pair.config);
      processes.push(spawnService(env, ['consume']), spawnService(env, ['consume']));
      return waitFor(
        async () => {
          const a = await assignments(pair.admin, consumerGroup, ordersTopic);
          return a?.length === 2 && a.every((p) => p.length > 0) ? a : undefined;
        },
        { timeoutMs: 90_000, intervalMs: 250, what: 'both consumers to be given partitions' },
      );
    };
    const [alone, split] = await Promise.all([alonePass(), pairJoined()]);
    const expected = alone.state;
    expect(alone.totals.applied).toBeGreaterThan(LIMIT / 2);
    expect(split.flat().sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5]); // disjoint, all covered

    await replayDataSet(pair.config, { limit: LIMIT });
    await pair.caughtUp();
    for (const p of processes) p.kill('SIGTERM');
    const totals = [];
    for (const p of processes) {
      expect(await p.exited(), p.output().slice(-2000)).toBe(0);
      const stopped = p.logs().find((l) => l.msg === 'stopped');
      totals.push({ applied: Number(stopped?.applied), handled: p.messagesHandled() });
    }
    expect(totals.every((t) => t.handled > 0)).toBe(true); // both did part of the work
    expect(totals.reduce((n, t) => n + t.applied, 0)).toBe(alone.totals.applied);

    const actual = await redisState(pair.redis, pair.config);
    expect(actual.size).toBe(expected.size);
    expect(differingKeys(expected, actual)).toEqual([]);
  }, 300_000);
});
