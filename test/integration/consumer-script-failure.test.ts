// A consumer whose Redis refuses its scripts every time (here: the ACL of its Redis user denies
// EVALSHA and EVAL, a refusal no retry can mend, as a broken script's error would be) does not
// retry for ever: `insiders consume` logs a fatal line naming the cause and exits with code 1, with
// no offset committed, so its messages are consumed again once the cause is fixed.
import { afterAll, describe, expect, it } from 'vitest';
import { createProducer } from '../../src/infra/kafka.js';
import { ownRedis } from '../support/own-redis.js';
import { serviceEnv, spawnService, type ServiceChild } from '../support/service-process.js';
import { usePipeline } from '../support/use-pipeline.js';
import { useServer } from '../support/use-server.js';

/** How long the process may take to end before the test calls it stuck (it retried for ever before). */
const EXIT_WAIT_MS = 60_000;

describe('a consumer whose Redis refuses its scripts every time', () => {
  const redis = useServer(() =>
    ownRedis({ args: ['--user', 'ingest', 'on', '>ingest-secret', '~*', '&*', '+@all', '-evalsha', '-eval'] }),
  );
  const pipeline = usePipeline({ ORDERS_PARTITIONS: '2' });
  const { config } = pipeline;
  const topic = config.kafka.ordersTopic;
  let child: ServiceChild | undefined;

  afterAll(() => {
    child?.kill('SIGKILL');
  });

  it('insiders consume exits with code 1 and a fatal line naming the cause, committing nothing', async () => {
    const { admin } = pipeline;
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] });
    const producer = createProducer(pipeline.kafka);
    await producer.connect();
    await producer.send({
      topic,
      acks: -1,
      messages: [1, 2, 3, 4].map((i) => ({
        key: `c${i}`,
        value: JSON.stringify({
          schemaVersion: 1,
          type: 'order',
          orderId: `${i}`,
          customerId: `c${i}`,
          occurredAt: '2011-06-01T10:00:00Z',
          currency: 'GBP',
          country: 'United Kingdom',
          lines: [{ sku: '85123A', quantity: 1, unitPrice: '2.55' }],
        }),
      })),
    });
    await producer.disconnect();

    child = spawnService(
      serviceEnv(config, { REDIS_URL: redis().url, REDIS_USERNAME: 'ingest', REDIS_PASSWORD: 'ingest-secret' }),
      ['consume'],
    );
    const p = child;
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([
      p.exited(),
      new Promise<'still running'>((resolve) => (timer = setTimeout(() => resolve('still running'), EXIT_WAIT_MS))),
    ]).finally(() => clearTimeout(timer));
    expect(code, p.output().slice(-4000)).toBe(1);
    const fatal = p.logs().filter((l) => l.level === 60);
    expect(fatal.map((l) => l.msg)).toEqual(['the order consumer failed for good; stopping']);
    expect(JSON.stringify(fatal[0]?.err)).toContain('NOPERM');
    expect(p.output().trimEnd().split('\n').at(-1)).toMatch(
      new RegExp(
        `^insiders: the order consumer of group ${config.kafka.consumerGroup} stopped for good: ReplyError: NOPERM`,
      ),
    );
    const offsets = await admin.fetchOffsets({ groupId: config.kafka.consumerGroup, topics: [topic] });
    expect(offsets[0]?.partitions.map((o) => o.offset)).toEqual(['-1', '-1']);
  });
});
