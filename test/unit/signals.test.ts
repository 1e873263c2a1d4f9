import { describe, expect, it } from 'vitest';
import { untilSignal } from '../../src/cli/signals.js';

const listeners = () => ({ int: process.listenerCount('SIGINT'), term: process.listenerCount('SIGTERM') });

describe('untilSignal', () => {
  // process.emit calls the listeners only: no signal reaches the test process.
  it('resolves with the first signal and gives both signals back to their default', async () => {
    const before = listeners();
    const wait = untilSignal();
    expect(listeners()).toEqual({ int: before.int + 1, term: before.term + 1 });
    process.emit('SIGTERM', 'SIGTERM');
    expect(await wait.received).toBe('SIGTERM');
    expect(listeners()).toEqual(before);
  });

  it('stopListening gives them back without a signal, and the wait stays pending', async () => {
    const before = listeners();
    const wait = untilSignal();
    wait.stopListening();
    expect(listeners()).toEqual(before);
    const settled = await Promise.race([wait.received.then(() => 'settled'), Promise.resolve('pending')]);
    expect(settled).toBe('pending');
  });
});
