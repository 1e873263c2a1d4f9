import { describe, expect, it } from 'vitest';
import { parseStackEnv, stackEnvFromEnvironment } from '../support/stack-env.js';

describe('stack env', () => {
  it('parses what scripts/stack env prints', () => {
    const text =
      'export KAFKA_BROKERS=127.0.0.1:9092\nexport REDIS_URL=redis://127.0.0.1:6379\nexport CLICKHOUSE_PASSWORD=\nexport OTHER=x\n';
    expect(parseStackEnv(text)).toEqual({
      KAFKA_BROKERS: '127.0.0.1:9092',
      REDIS_URL: 'redis://127.0.0.1:6379',
      CLICKHOUSE_PASSWORD: '',
    });
  });

  it('takes the environment only when all three services are named', () => {
    expect(stackEnvFromEnvironment({ KAFKA_BROKERS: 'k:1', REDIS_URL: 'redis://r:1' })).toBeUndefined();
    expect(
      stackEnvFromEnvironment({ KAFKA_BROKERS: 'k:1', REDIS_URL: 'redis://r:1', CLICKHOUSE_URL: 'http://c:1' }),
    ).toEqual({
      KAFKA_BROKERS: 'k:1',
      REDIS_URL: 'redis://r:1',
      CLICKHOUSE_URL: 'http://c:1',
    });
  });
});
