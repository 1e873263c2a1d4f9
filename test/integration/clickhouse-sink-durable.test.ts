// The sink's contract with the assigner: publish() buffers the changes, and stored() resolves only
// once they are in ClickHouse (the assigner forgets a change's pending record after that, never
// while it is still only in the sink's memory, where a crash would lose it for good).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClickHouse } from '../../src/infra/clickhouse.js';
import { silentLogger } from '../../src/log.js';
import type { SegmentChange } from '../../src/segmentation/changes.js';
import { ClickHouseSink } from '../../src/sinks/clickhouse-sink.js';
import { migrate } from '../../src/sinks/migrate.js';
import { dropDatabase } from '../support/cleanup.js';
import { integrationConfig } from '../support/integration.js';

const config = integrationConfig();

function change(customerId: string, seq: number): SegmentChange {
  return {
    changeId: `${customerId}:${seq}`,
    customerId,
    seq,
    fromSegment: null,
    toSegment: 1,
    fromName: null,
    toName: 'Insiders',
    insiders: 'entered',
    modelVersion: 1,
    reason: 'refit',
    atMs: Date.UTC(2011, 11, 9),
  };
}

describe('ClickHouseSink: what stored() resolves on', () => {
  const server = createClickHouse(config.clickhouse, 'default');
  const client = createClickHouse(config.clickhouse);

  beforeAll(async () => {
    await migrate(server, config.clickhouse.database);
  });

  afterAll(async () => {
    await client.close();
    await server.close();
    await dropDatabase(config.clickhouse);
  });

  it('resolves once the changes are stored', async () => {
    const sink = new ClickHouseSink(client, silentLogger, { maxDelayMs: 200, batchRows: 100_000 });
    await sink.publish([change('12345', 1), change('12346', 1)]);
    await sink.stored();
    const stored = await (
      await client.query({ query: 'SELECT change_id FROM segment_changes ORDER BY change_id', format: 'JSONEachRow' })
    ).json<{ change_id: string }>();
    expect(stored.map((r) => r.change_id)).toEqual(['12345:1', '12346:1']);
    expect(sink.stats().changes).toMatchObject({ buffered: 0, inserted: 2 });
    await sink.close();
  });
});
