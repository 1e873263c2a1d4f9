// What the sink writes, read back the ways the service and the CLI read it: `insiders report`'s
// text, a customer's recent changes, and an erasure (hidden from the views at once, the rows
// deleted by the mutations shortly after). Runs on both ClickHouse engines (test/README.md).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { segmentReport } from '../../src/cli/report.js';
import { createClickHouse } from '../../src/infra/clickhouse.js';
import { silentLogger } from '../../src/log.js';
import { fitModel, placeCustomers } from '../../src/model/model.js';
import { segmentProfiles } from '../../src/model/profiles.js';
import { ClickHouseSink } from '../../src/sinks/clickhouse-sink.js';
import { deleteCustomerRows } from '../../src/sinks/erase.js';
import { migrate } from '../../src/sinks/migrate.js';
import { recentChanges } from '../../src/sinks/recent-changes.js';
import { TABLES, VIEWS } from '../../src/sinks/schema.js';
import { dropDatabase } from '../support/cleanup.js';
import { features } from '../support/features.js';
import { integrationConfig } from '../support/integration.js';
import { segmentChange } from '../support/segment-changes.js';
import { waitFor } from '../support/wait.js';

const config = integrationConfig();
const AT = Date.UTC(2011, 11, 9, 12, 0, 0);

/** Big spenders, regulars and one-off buyers: three segments far apart. */
const population = [
  ...Array.from({ length: 4 }, (_, i) => features(`b${i}`, 20_000 + 500 * i, 2 + i, 120 + i)),
  ...Array.from({ length: 6 }, (_, i) => features(`r${i}`, 900 + 30 * i, 30 + i, 30 + i)),
  ...Array.from({ length: 6 }, (_, i) => features(`o${i}`, 50 + 5 * i, 250 + i, 2)),
];
const model = fitModel(population, { seed: 7, k: 3 });
const placements = placeCustomers(model, population);
const insiders = placements.filter((p) => p.segmentId === model.insidersId).map((p) => p.customerId);

describe('the sink read back: report, recent changes, erasure', () => {
  const server = createClickHouse(config.clickhouse, 'default');
  const client = createClickHouse(config.clickhouse);
  const sink = new ClickHouseSink(client, silentLogger, { maxDelayMs: 50, clock: () => AT });
  const count = async (sql: string) =>
    Number((await (await client.query({ query: sql, format: 'JSONEachRow' })).json<{ n: string }>())[0]?.n);

  beforeAll(async () => {
    await migrate(server, config.clickhouse.database);
    await sink.writeCustomers(model, population, placements);
    await sink.writeModel(model, 120, segmentProfiles(model, population, placements));
    const other = model.segments.find((s) => s.id !== model.insidersId)!.id;
    await sink.publish([
      segmentChange(model, 'b0', 1, null, other, 'event', AT - 86_400_000),
      segmentChange(model, 'b0', 2, other, model.insidersId, 'event', AT),
    ]);
    await sink.flush();
  });

  afterAll(async () => {
    await sink.close();
    await client.close();
    await server.close();
    await dropDatabase(config.clickhouse);
  });

  it('fixtures: a segment of big spenders, the Insiders', () => {
    expect([...insiders].sort()).toEqual(['b0', 'b1', 'b2', 'b3']);
  });

  it('report: the Insiders share of customers and revenue, and one line per segment', async () => {
    const report = await segmentReport(client);
    const revenue = (ids: readonly string[]) =>
      population.filter((f) => ids.includes(f.customerId)).reduce((a, f) => a + f.grossRevenueMills, 0);
    const everyone = population.map((f) => f.customerId);
    const share = (x: number) => `${(100 * x).toFixed(1)}%`;
    const lines = report?.split('\n') ?? [];
    expect(lines[0]).toBe(
      `Insiders now: 4 customers (${share(4 / 16)} of customers), ${share(revenue(insiders) / revenue(everyone))} of revenue in the window`,
    );
    expect(lines[2]).toMatch(/^segment +customers +share +revenue/);
    // the Insiders first, then the others, by revenue per customer
    expect(lines[3]).toMatch(/^Insiders +4 +25\.0% /);
    const tableEnd = lines.indexOf('', 3);
    const table = lines.slice(3, tableEnd);
    expect(table).toHaveLength(3);
    // then each segment again with what sets it apart and what to do, in the table's order
    const named = (l: string) => l.split(/ {2,}/)[0];
    expect(lines.slice(tableEnd + 1, tableEnd + 4).map(named)).toEqual(table.map(named));
  });

  it('recent changes: newest first, "none" as null', async () => {
    const changes = await recentChanges(client, 'b0');
    expect(changes.map((c) => [c.changeId, c.seq, c.toName, c.insiders])).toEqual([
      ['b0:2', 2, 'Insiders', 'entered'],
      ['b0:1', 1, changes[1]?.toName, 'unchanged'],
    ]);
    expect(changes[1]).toMatchObject({ fromSegment: null, fromName: null, at: '2011-12-08T12:00:00Z' });
    expect(changes[0]).toMatchObject({ modelVersion: model.version, reason: 'event', at: '2011-12-09T12:00:00Z' });
  });

  it('erasure: hidden from the views at once, the rows deleted shortly after', async () => {
    await sink.eraseCustomer('b0');
    await sink.flush();
    await deleteCustomerRows(client, 'b0');
    expect(await count(`SELECT count() AS n FROM ${VIEWS.currentCustomers} WHERE customer_id = 'b0'`)).toBe(0);
    expect(await recentChanges(client, 'b0')).toEqual([]);
    expect((await segmentReport(client))?.split('\n')[0]).toMatch(/^Insiders now: 3 customers /);
    await waitFor(
      async () =>
        (await count(
          `SELECT count() AS n FROM ${TABLES.customerSegments} WHERE customer_id = 'b0' AND deleted = 0`,
        )) === 0 && (await count(`SELECT count() AS n FROM ${TABLES.segmentChanges} WHERE customer_id = 'b0'`)) === 0,
      { what: "the mutations deleting b0's rows" },
    );
    // the erasure row stays, holding only the id, so that a later write stays hidden
    expect(await count(`SELECT count() AS n FROM ${TABLES.customerSegments} WHERE customer_id = 'b0'`)).toBe(1);
  });
});
