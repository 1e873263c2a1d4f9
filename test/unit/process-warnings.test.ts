// The one process warning the CLI drops: kafkajs' negative timeout on Node 24, from its request queue.
import { describe, expect, it } from 'vitest';
import { isKafkajsNegativeTimeout } from '../../src/cli/process-warnings.js';

function warning(name: string, stack: string): Error {
  const w = new Error('-1796321245972 is a negative number.\nTimeout duration was set to 1.');
  w.name = name;
  w.stack = `${name}: ${w.message}\n${stack}`;
  return w;
}

describe('isKafkajsNegativeTimeout', () => {
  const fromKafkajs =
    '    at new Timeout (node:internal/timers:195:17)\n' +
    '    at setTimeout (node:timers:120:19)\n' +
    '    at RequestQueue.scheduleCheckPendingRequests (/app/node_modules/kafkajs/src/network/requestQueue/index.js:317:37)';

  it('recognises the warning of kafkajs request queue', () => {
    expect(isKafkajsNegativeTimeout(warning('TimeoutNegativeWarning', fromKafkajs))).toBe(true);
  });

  it('keeps the same warning from anywhere else, and other warnings from kafkajs', () => {
    const fromUs = '    at new Timeout (node:internal/timers:195:17)\n    at retry (/app/dist/retry.js:27:40)';
    expect(isKafkajsNegativeTimeout(warning('TimeoutNegativeWarning', fromUs))).toBe(false);
    expect(isKafkajsNegativeTimeout(warning('DeprecationWarning', fromKafkajs))).toBe(false);
  });
});
