import { describe, expect, it } from 'vitest';
import { InsidersError } from '../../src/errors.js';
import { describeRoles, parseRoles } from '../../src/service/roles.js';

describe('parseRoles', () => {
  it('reads a comma-separated list in any order, with spaces and repeats', () => {
    expect(parseRoles('consume')).toEqual({ consume: true, refit: false, sweep: false, sink: true });
    expect(parseRoles(' sweep ,refit,refit')).toEqual({ consume: false, refit: true, sweep: true, sink: true });
    expect(describeRoles(parseRoles('consume,refit,sweep,sink'))).toEqual(['consume', 'refit', 'sweep', 'sink']);
  });

  it('runs the sink wherever results are produced', () => {
    for (const r of ['consume', 'refit', 'sweep', 'consume,sink']) expect(parseRoles(r).sink).toBe(true);
  });

  it.each([
    ['', 'expected a comma-separated list'],
    ['consume,place', 'expected a comma-separated list'],
    ['sink', 'add consume, refit or sweep'],
  ])('rejects %j', (text, message) => {
    let thrown: unknown;
    try {
      parseRoles(text);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(InsidersError);
    expect((thrown as InsidersError).code).toBe('CONFIG_INVALID');
    expect((thrown as InsidersError).message).toContain(message);
  });
});
