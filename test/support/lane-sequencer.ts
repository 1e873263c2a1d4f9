// The order the integration lanes' files start in, when they share the workers (vitest.config.ts):
// the fault lane and the cluster lane first, since their files are the longest (own servers to
// start, processes killed and restarted, the data set through the state twice), then the rest of
// the shared-stack lane, then the second ClickHouse engine's short files; within a lane, vitest's
// own order (longest first once a run has been timed, largest file first before).
import { BaseSequencer, type TestSpecification } from 'vitest/node';

export const laneOrder: readonly string[] = ['unit', 'faults', 'integration-cluster', 'integration', 'clickhouse-26.7'];

export default class LaneSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (file: TestSpecification): number => {
      const at = laneOrder.indexOf(file.project.name);
      return at === -1 ? laneOrder.length : at;
    };
    // Array.prototype.sort is stable: vitest's order stays within a lane.
    return (await super.sort(files)).sort(
      (a, b) => a.project.config.sequence.groupOrder - b.project.config.sequence.groupOrder || rank(a) - rank(b),
    );
  }
}
