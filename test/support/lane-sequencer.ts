// The order the test files start in, all lanes sharing the workers (vitest.config.ts). A run ends
// when its last file ends, so the longest files must not start late, whatever their lane: a fresh
// clone has no timings for vitest to sort by (it starts the largest files first then), so the
// longest files are named here, as measured (test/README.md, "How long it takes"). First both
// copies of the longest (`service-kill`, fault and cluster lanes), which mostly wait on leases and
// sessions, and beside them the unit lane, CPU work, file after file on the third worker; then the
// other long files, longest first; then the rest, lane by lane (the fault lane, then the cluster
// lane, the shared-stack lane and the second ClickHouse engine's short files), in vitest's order.
import path from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** The longest integration files (without `.test.ts`), longest first. */
export const longestFiles: readonly string[] = [
  'service-kill',
  'clickhouse-outage',
  'kafka-restart',
  'ingest-exactly-once',
  'redis-restart',
  'kafka-security',
  'due-times',
  'consumer-group-split',
  'streaming-vs-embedded',
  'consumer-failure',
  'report-browser',
  'service-roles',
  'ingest-full',
  'poison-messages',
  'replay',
  'own-servers',
];

export const laneOrder: readonly string[] = ['faults', 'integration-cluster', 'integration', 'clickhouse-26.7'];

/** Where a file starts: lower first. */
export function startRank(project: string, file: string): number {
  const name = path.basename(file, '.test.ts');
  if (name === longestFiles[0]) return 0;
  if (project === 'unit') return 1;
  const long = longestFiles.indexOf(name);
  if (long !== -1) return 2 + long;
  const lane = laneOrder.indexOf(project);
  return 2 + longestFiles.length + (lane === -1 ? laneOrder.length : lane);
}

export default class LaneSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (spec: TestSpecification) => startRank(spec.project.name, spec.moduleId);
    // Array.prototype.sort is stable: vitest's order stays within a rank.
    return (await super.sort(files)).sort(
      (a, b) => a.project.config.sequence.groupOrder - b.project.config.sequence.groupOrder || rank(a) - rank(b),
    );
  }
}
