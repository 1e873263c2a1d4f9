// A process whose consumer can no longer do its job ends, saying why: on a Kafka broker of the
// test's own, with SASL PLAIN and the KRaft authorizer, an ACL denies the service's user READ on
// its consumer group, so joining the group (or, for a consumer already in it, its next
// heartbeat) fails with GROUP_AUTHORIZATION_FAILED, which kafkajs does not retry: it disconnects
// the consumer for good. `insiders consume` and `insiders run` each log the failure as fatal,
// shut down completely and exit with code 1, naming the cause on stderr. The same user on a
// group it may read consumes and, with --until-caught-up, ends with code 0. (A clean SIGTERM
// ending with code 0 is covered by service-http and ingest-exactly-once; a crash kafkajs does
// retry, by kafka-restart.)
import type { Redis } from 'ioredis';
import type { Admin } from 'kafkajs';
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../src/config.js';
import { createKafka } from '../../src/infra/kafka.js';
import { createRedis } from '../../src/infra/redis.js';
import { silentLogger } from '../../src/log.js';
import { dropDatabase, unlinkPrefix } from '../support/cleanup.js';
import { replayDataSet } from '../support/pipeline.js';
import { integrationConfig, pipelineConfig } from '../support/integration.js';
import { uniqueName } from '../support/names.js';
import { ownKafka, type OwnKafka } from '../support/own-kafka.js';
import { serviceEnv, spawnService, type ServiceChild } from '../support/service-process.js';
import { keysOf } from '../support/state.js';

/** How long a failed process may take to end before the test calls it stuck (it never ends without the fix). */
const EXIT_WAIT_MS = 90_000;

const refusal = 'GROUP_AUTHORIZATION_FAILED: Not authorized to access group: Group authorization failed';

/** The exit code, or 'still running' when the process has not ended within EXIT_WAIT_MS. */
async function exitWithin(p: ServiceChild): Promise<number | NodeJS.Signals | 'still running'> {
  let timer: NodeJS.Timeout | undefined;
  const stuck = new Promise<'still running'>(
    (resolve) => (timer = setTimeout(() => resolve('still running'), EXIT_WAIT_MS)),
  );
  try {
    return await Promise.race([p.exited(), stuck]);
  } finally {
    clearTimeout(timer);
  }
}

describe('a consumer whose group an ACL refuses', () => {
  let broker: OwnKafka;
  let admin: Admin;
  let redis: Redis;
  const configs: Config[] = [];
  const processes: ServiceChild[] = [];

  beforeAll(async () => {
    broker = await ownKafka({
      protocol: 'SASL_PLAINTEXT',
      properties: {
        'sasl.enabled.mechanisms': 'PLAIN',
        'listener.name.client.plain.sasl.jaas.config':
          'org.apache.kafka.common.security.plain.PlainLoginModule required ' +
          'user_admin="admin-secret" user_ingest="ingest-secret";',
        'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
        // ANONYMOUS: the broker's own PLAINTEXT listeners (inter-broker, controller) keep working.
        'super.users': 'User:admin;User:ANONYMOUS',
        // Only the ACL the test creates restricts anything: the service's user may create and
        // use its topics.
        'allow.everyone.if.no.acl.found': 'true',
      },
    });
    await broker.start();
    const kafka = createKafka(
      loadConfig({
        KAFKA_BROKERS: broker.broker,
        KAFKA_CLIENT_ID: uniqueName('acl-admin'),
        KAFKA_SASL_MECHANISM: 'PLAIN',
        KAFKA_SASL_USERNAME: 'admin',
        KAFKA_SASL_PASSWORD: 'admin-secret',
      }).kafka,
      silentLogger,
    );
    admin = kafka.admin();
    await admin.connect();
    redis = createRedis(integrationConfig().redis);
    await redis.connect();
  });

  afterAll(async () => {
    for (const p of processes) p.kill('SIGKILL');
    for (const c of configs) {
      await unlinkPrefix(redis, c.redis.keyPrefix);
      await dropDatabase(c.clickhouse).catch(() => undefined);
    }
    await redis?.quit();
    await admin?.disconnect().catch(() => undefined);
    await broker?.destroy();
  });

  /** A config of its own on the test's broker: its topics, consumer group, key prefix, database. */
  function ownConfig(): Config {
    const config = pipelineConfig({
      KAFKA_BROKERS: broker.broker,
      CONSUMER_GROUP: uniqueName('denied'),
      // the test's own clients (replayDataSet's producer) connect as the ingest user too
      ...asIngest,
      ORDERS_PARTITIONS: '2',
      REFIT_INTERVAL_MS: String(86_400_000),
      SWEEP_INTERVAL_MS: String(86_400_000),
    });
    configs.push(config);
    return config;
  }

  /** A config of its own whose consumer group the ingest user may not read. */
  async function deniedConfig(): Promise<Config> {
    const config = ownConfig();
    await deny(config);
    return config;
  }

  /** From now on the ingest user may not read `config`'s consumer group. */
  async function deny(config: Config): Promise<void> {
    // DESCRIBE allowed, READ denied: the consumer finds its group's coordinator (which needs
    // DESCRIBE; with an ACL on the group, whatever none allows is denied) and is refused joining.
    const onGroup = {
      resourceType: AclResourceTypes.GROUP,
      resourceName: config.kafka.consumerGroup,
      resourcePatternType: ResourcePatternTypes.LITERAL,
      principal: 'User:ingest',
      host: '*',
    };
    await admin.createAcls({
      acl: [
        { ...onGroup, operation: AclOperationTypes.DESCRIBE, permissionType: AclPermissionTypes.ALLOW },
        { ...onGroup, operation: AclOperationTypes.READ, permissionType: AclPermissionTypes.DENY },
      ],
    });
  }

  const asIngest = {
    KAFKA_SASL_MECHANISM: 'PLAIN',
    KAFKA_SASL_USERNAME: 'ingest',
    KAFKA_SASL_PASSWORD: 'ingest-secret',
  };

  /** `insiders <args>` on `config` as the ingest user; killed after the tests if still running. */
  function startAsIngest(config: Config, args: string[]): ServiceChild {
    const p = spawnService(serviceEnv(config, asIngest), args);
    processes.push(p);
    return p;
  }

  /** A process's fatal log lines. */
  const fatalLines = (p: ServiceChild) => p.logs().filter((l) => l.level === 60);

  /** The log lines' messages of one component, in order. */
  const messages = (p: ServiceChild, component: string) =>
    p
      .logs()
      .filter((l) => l.component === component)
      .map((l) => l.msg);

  it('insiders consume exits with code 1, naming the cause', async () => {
    const config = await deniedConfig();
    const p = startAsIngest(config, ['consume']);

    expect(await exitWithin(p), p.output().slice(-4000)).toBe(1);
    expect(fatalLines(p).map((l) => l.msg)).toEqual(['the order consumer failed for good; stopping']);
    expect(JSON.stringify(fatalLines(p)[0]?.err)).toContain('GROUP_AUTHORIZATION_FAILED');
    // shut down to the end after the failure: consumer closed, Redis quit, totals logged
    const msgs = p.logs().map((l) => l.msg);
    expect(msgs.indexOf('stopped')).toBeGreaterThan(msgs.indexOf('the order consumer failed for good; stopping'));
    expect(p.output().trimEnd().split('\n').at(-1)).toBe(
      `insiders: the order consumer of group ${config.kafka.consumerGroup} stopped for good: ${refusal}`,
    );
  });

  it('insiders run exits with code 1, naming the cause, after a complete shutdown', async () => {
    const config = await deniedConfig();
    const p = startAsIngest(config, ['run']);

    expect(await exitWithin(p), p.output().slice(-4000)).toBe(1);
    expect(fatalLines(p).map((l) => l.msg)).toEqual(['the order consumer failed for good; shutting down']);
    expect(JSON.stringify(fatalLines(p)[0]?.err)).toContain('GROUP_AUTHORIZATION_FAILED');
    // the service's own lines: it started whole, failed, and stopped with no shutdown step failing
    expect(messages(p, 'service')).toEqual([
      'starting',
      'clickhouse migrations applied', // its database is new
      'started',
      'the order consumer failed for good; shutting down',
      'stopped',
    ]);
    expect(p.output().trimEnd().split('\n').at(-1)).toBe(
      `insiders: the order consumer of group ${config.kafka.consumerGroup} stopped for good: ${refusal}`,
    );
    // kafkajs' negative timeout on Node 24 (src/cli/process-warnings.ts) is not printed
    expect(p.output()).not.toContain('TimeoutNegativeWarning');
  });

  /** Publishes the data set's first 300 events to `config`'s orders topic. */
  async function publish(config: Config): Promise<void> {
    await replayDataSet(config, { limit: 300 });
  }

  it('insiders run refused its group while it consumes exits with code 1 the same way', async () => {
    const config = ownConfig();
    await publish(config);
    const p = startAsIngest(config, ['run']);
    await p.waitForLog('batch applied');
    await deny(config); // its next heartbeat is refused

    expect(await exitWithin(p), p.output().slice(-4000)).toBe(1);
    expect(fatalLines(p).map((l) => l.msg)).toEqual(['the order consumer failed for good; shutting down']);
    expect(messages(p, 'service').slice(-2)).toEqual(['the order consumer failed for good; shutting down', 'stopped']);
    expect(messages(p, 'service')).not.toContain('shutdown step failed');
    expect(p.output().trimEnd().split('\n').at(-1)).toBe(
      `insiders: the order consumer of group ${config.kafka.consumerGroup} stopped for good: ${refusal}`,
    );
  });

  it('the same user consumes a group it may read: --until-caught-up ends with code 0', async () => {
    const config = ownConfig();
    await publish(config);
    const p = startAsIngest(config, ['consume', '--until-caught-up']);
    expect(await exitWithin(p), p.output().slice(-4000)).toBe(0);
    expect(p.logs().filter((l) => typeof l.level === 'number' && l.level >= 50)).toEqual([]);
    const summary = /consumed (\d+) valid events in [\d.]+ s: (\d+) applied/.exec(p.output());
    expect(Number(summary?.[1])).toBe(300); // every event published
    expect(Number(summary?.[2])).toBeGreaterThan(0);
    expect(await redis.exists(keysOf(config).watermark)).toBe(1);
  });
});
