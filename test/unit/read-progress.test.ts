import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createReadProgress, PROGRESS_MIN_BYTES } from '../../src/embedded/read-progress.js';

function stream(isTTY: boolean): Writable & { isTTY: boolean; text: () => string } {
  const chunks: string[] = [];
  const out = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return Object.assign(out, {
    isTTY,
    text: () => chunks.join(''),
    columns: 120,
    cursorTo: () => true,
    clearLine: () => true,
    moveCursor: () => true,
  });
}

describe('createReadProgress', () => {
  it('draws a bar at a terminal for a big file', () => {
    const out = stream(true);
    const progress = createReadProgress(out, 2 * PROGRESS_MIN_BYTES, 'segment');
    progress.update(PROGRESS_MIN_BYTES);
    progress.stop();
    expect(out.text()).toContain('segment [');
    expect(out.text()).toContain('50%');
  });

  it('draws nothing when stderr is not a terminal, or for a small file, but still prints problem lines', () => {
    for (const [tty, bytes] of [
      [false, 2 * PROGRESS_MIN_BYTES],
      [true, PROGRESS_MIN_BYTES - 1],
    ] as const) {
      const out = stream(tty);
      const progress = createReadProgress(out, bytes, 'segment');
      progress.update(bytes / 2);
      progress.log('line 7: quantity "x" is not a whole number');
      progress.stop();
      expect(out.text()).toBe('line 7: quantity "x" is not a whole number\n');
    }
  });
});
