// Kafka, Redis and ClickHouse in containers, for machines with a Docker engine and no stack
// configured. Images match docker-compose.yml.
import { GenericContainer, Wait, type StartedTestContainer } from 'testcontainers';
import type { StackEnv } from './stack-env.js';

export async function startContainers(): Promise<{ env: StackEnv; stop: () => Promise<void> }> {
  const redis = new GenericContainer('redis:7.4-alpine')
    .withCommand(['redis-server', '--appendonly', 'yes'])
    .withExposedPorts(6379)
    .withWaitStrategy(Wait.forLogMessage('Ready to accept connections'))
    .start();
  const clickhouse = new GenericContainer('clickhouse/clickhouse-server:25.8')
    .withEnvironment({ CLICKHOUSE_DEFAULT_ACCESS_MANAGEMENT: '1', CLICKHOUSE_PASSWORD: '' })
    .withExposedPorts(8123)
    .withWaitStrategy(Wait.forHttp('/ping', 8123))
    .start();
  // The broker advertises the host port it is reached on, so that port is fixed rather than random.
  const kafka = new GenericContainer('apache/kafka:4.1.1')
    .withEnvironment({
      KAFKA_NODE_ID: '1',
      KAFKA_PROCESS_ROLES: 'broker,controller',
      KAFKA_LISTENERS: 'PLAINTEXT://:9092,CONTROLLER://:9093',
      KAFKA_ADVERTISED_LISTENERS: 'PLAINTEXT://127.0.0.1:9092',
      KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
      KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
      KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
      KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
      KAFKA_MESSAGE_MAX_BYTES: '6291456',
    })
    .withExposedPorts({ container: 9092, host: 9092 })
    .withWaitStrategy(Wait.forLogMessage('Kafka Server started'))
    .start();
  const started: StartedTestContainer[] = await Promise.all([redis, clickhouse, kafka]);
  const [r, c] = started as [StartedTestContainer, StartedTestContainer, StartedTestContainer];
  return {
    env: {
      KAFKA_BROKERS: '127.0.0.1:9092',
      REDIS_URL: `redis://${r.getHost()}:${r.getMappedPort(6379)}`,
      CLICKHOUSE_URL: `http://${c.getHost()}:${c.getMappedPort(8123)}`,
      CLICKHOUSE_USER: 'default',
      CLICKHOUSE_PASSWORD: '',
    },
    stop: async () => {
      await Promise.all(started.map((s) => s.stop()));
    },
  };
}
