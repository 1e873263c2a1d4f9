import { logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createKafka, kafkaLogLevel } from '../../src/infra/kafka.js';
import { captureLog } from '../support/log-capture.js';

const entry = (message: string, context: Record<string, unknown> = {}) => ({
  timestamp: '2026-12-03T12:00:00.000Z',
  message,
  ...context,
});

describe('kafkaLogLevel', () => {
  it('logs a coordinator kafkajs retries itself at debug, not error', () => {
    const e = entry('Response FindGroupCoordinator(key: 10, version: 2)', {
      error: 'The group coordinator is not available',
      correlationId: 1,
    });
    expect(kafkaLogLevel(logLevel.ERROR, e)).toBe('debug');
    expect(
      kafkaLogLevel(
        logLevel.ERROR,
        entry('Response JoinGroup(key: 11, version: 5)', {
          error: "The coordinator is loading and hence can't process requests for this group",
        }),
      ),
    ).toBe('debug');
  });

  it('keeps real errors at error and other levels as kafkajs gives them', () => {
    expect(
      kafkaLogLevel(
        logLevel.ERROR,
        entry('Crash: KafkaJSNumberOfRetriesExceeded: The group coordinator is not available', { groupId: 'g' }),
      ),
    ).toBe('error');
    expect(
      kafkaLogLevel(
        logLevel.ERROR,
        entry('Response Metadata(key: 3, version: 6)', { error: 'Topic authorization failed' }),
      ),
    ).toBe('error');
    expect(kafkaLogLevel(logLevel.WARN, entry('Response without match'))).toBe('warn');
    expect(kafkaLogLevel(logLevel.INFO, entry('Starting'))).toBe('info');
  });

  it('is the level the client logs at through pino', () => {
    const { logger, lines } = captureLog();
    const kafka = createKafka(loadConfig({}).kafka, logger);
    kafka.logger().error('Response FindGroupCoordinator(key: 10, version: 2)', {
      error: 'The group coordinator is not available',
    });
    kafka.logger().error('Crash: KafkaJSProtocolError: Topic authorization failed', { groupId: 'g' });
    expect(lines()).toEqual([
      expect.objectContaining({ level: 50, msg: 'Crash: KafkaJSProtocolError: Topic authorization failed' }),
    ]);
  });
});
