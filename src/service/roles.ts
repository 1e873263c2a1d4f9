// What one `insiders run` process does (`--roles`). Consumers scale out over the orders topic's
// partitions; refit and sweep are singletons across processes by their Redis leases, so any number
// of processes may hold them. The sink (the ClickHouse writer) runs wherever results are produced:
// a process that consumes (places customers on every event), refits or sweeps writes its own
// results through its batched writer, flushed before its offsets are committed and at shutdown,
// so no choice of roles leaves a result without a writer.
import { InsidersError } from '../errors.js';

export const ROLES = ['consume', 'refit', 'sweep', 'sink'] as const;
export type Role = (typeof ROLES)[number];

export interface Roles {
  readonly consume: boolean;
  readonly refit: boolean;
  readonly sweep: boolean;
  /** true whenever any of the others is */
  readonly sink: boolean;
}

export const allRoles: Roles = { consume: true, refit: true, sweep: true, sink: true };

/** No schedule and no consumer: what `insiders refit` needs to run one refit and sweep. */
export const noRoles: Roles = { consume: false, refit: false, sweep: false, sink: true };

/** Parses "consume,refit" (comma-separated, any order, repeats allowed) into roles. */
export function parseRoles(text: string): Roles {
  const given = text
    .split(',')
    .map((r) => r.trim())
    .filter((r) => r !== '');
  const unknown = given.filter((r) => !(ROLES as readonly string[]).includes(r));
  if (given.length === 0 || unknown.length > 0) {
    throw new InsidersError(
      'CONFIG_INVALID',
      `--roles ${JSON.stringify(text)}: expected a comma-separated list of ${ROLES.join(', ')}`,
    );
  }
  const has = (r: Role) => given.includes(r);
  if (!has('consume') && !has('refit') && !has('sweep')) {
    throw new InsidersError(
      'CONFIG_INVALID',
      '--roles sink: the sink writes the results of the process it runs in; add consume, refit or sweep',
    );
  }
  return { consume: has('consume'), refit: has('refit'), sweep: has('sweep'), sink: true };
}

export function describeRoles(roles: Roles): Role[] {
  return ROLES.filter((r) => roles[r]);
}
