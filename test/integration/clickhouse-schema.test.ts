// The ClickHouse schema on a real server, in a database of the test's own: migrations apply once,
// rows built by the sink's row helpers insert as JSONEachRow, the views give current answers
// (newest row per customer, erased customers gone, retried change inserts shown once), and every
// Metabase question runs on them and returns what the inserted data says.
import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Features } from '../../src/features/features.js';
import { InsidersError } from '../../src/errors.js';
import { fitModel, placeCustomers, type FittedModel } from '../../src/model/model.js';
import { segmentProfiles } from '../../src/model/profiles.js';
import type { SegmentChange } from '../../src/segmentation/changes.js';
import { migrate, type Migration } from '../../src/sinks/migrate.js';
import {
  changeRow,
  customerRow,
  erasedCustomerRow,
  modelRunRow,
  profileRows,
  TABLES,
  VIEWS,
} from '../../src/sinks/schema.js';
import { useClickHouse } from '../support/use-clickhouse.js';
import { segmentChange } from '../support/segment-changes.js';

const questionsDir = fileURLToPath(new URL('../../metabase/questions/', import.meta.url));

/** A migration as loadMigrations makes it of a file `NNN_<name>.sql` holding `statements`. */
const migration = (version: number, name: string, ...statements: string[]): Migration => ({
  version,
  name,
  file: `${String(version).padStart(3, '0')}_${name}.sql`,
  statements,
});

const DAY_MS = 86_400_000;
const T0 = Date.UTC(2011, 11, 1, 9, 30, 0); // 2011-12-01 09:30:00 UTC
const T1 = T0 + DAY_MS; // 2011-12-02
const T2 = T0 + 2 * DAY_MS; // 2011-12-03

/** A customer with purchases, money in mills. */
function customer(id: string, revenueUnits: number, recencyDays: number, orders: number, products: number): Features {
  const grossRevenueMills = revenueUnits * 1000;
  return {
    customerId: id,
    recencyDays,
    orders,
    frequency: orders / 30,
    grossRevenueMills,
    avgTicketMills: grossRevenueMills / (products * 2),
    items: products * 3,
    products,
    returns: orders > 10 ? 2 : 0,
    returnEvents: orders > 10 ? 1 : 0,
    returnedMills: orders > 10 ? 5000 : 0,
    avgDaysBetweenPurchases: orders > 1 ? 30 / orders : null,
    lifetimeOrders: orders + 1,
    lifetimeRevenueMills: grossRevenueMills + 1000,
  };
}

/** Three well-separated groups: big spenders, regulars, one-off buyers long ago. */
function population(): Features[] {
  const rows: Features[] = [];
  for (let i = 0; i < 6; i++) rows.push(customer(`big${i}`, 20_000 + 1000 * i, 2 + i, 30 + i, 120 + 5 * i));
  for (let i = 0; i < 12; i++) rows.push(customer(`reg${i}`, 800 + 40 * i, 20 + i, 6 + (i % 3), 30 + i));
  for (let i = 0; i < 12; i++) rows.push(customer(`old${i}`, 60 + 5 * i, 200 + 5 * i, 1, 2 + (i % 3)));
  return rows;
}

const neverBought: Features = {
  ...customer('guestless', 0, 0, 0, 1),
  recencyDays: null,
  orders: 0,
  frequency: 0,
  grossRevenueMills: 0,
  avgTicketMills: 0,
  items: 0,
  products: 0,
  avgDaysBetweenPurchases: null,
  lifetimeOrders: 0,
  lifetimeRevenueMills: 0,
};

function placementOf(model: FittedModel, segmentId: number | undefined) {
  const segment = model.segments.find((s) => s.id === segmentId);
  return {
    segmentId: segment?.id ?? null,
    segmentName: segment?.name ?? null,
    isInsider: segment !== undefined && segment.id === model.insidersId,
    modelVersion: model.version,
  };
}

describe('clickhouse schema: migrations, views and the Metabase questions', () => {
  const { database, server, db } = useClickHouse();

  const query = async <T>(sql: string): Promise<T[]> => {
    const result = await db().query({ query: sql, format: 'JSONEachRow' });
    return result.json<T>();
  };

  it('creates the database and every table and view, and a second run applies nothing', async () => {
    const first = await migrate(server(), database, { nowMs: T0 });
    expect(first.applied.map((m) => m.version)).toEqual(first.applied.map((_, i) => i + 1));
    expect(first.applied.length).toBeGreaterThanOrEqual(7);
    expect(first.alreadyApplied).toBe(0);

    const second = await migrate(server(), database);
    expect(second.applied).toEqual([]);
    expect(second.alreadyApplied).toBe(first.applied.length);

    const recorded = await query<{ version: number; name: string; applied_at: string }>(
      'SELECT version, name, toString(applied_at) AS applied_at FROM schema_migrations ORDER BY version',
    );
    expect(recorded.map((r) => r.version)).toEqual(first.applied.map((m) => m.version));
    expect(recorded[0]).toEqual({ version: 1, name: 'customer_segments', applied_at: '2011-12-01 09:30:00' });

    const objects = await query<{ name: string; engine: string }>(
      `SELECT name, engine FROM system.tables WHERE database = '${database}' ORDER BY name`,
    );
    const engines = Object.fromEntries(objects.map((o) => [o.name, o.engine]));
    for (const table of [...Object.values(TABLES), 'schema_migrations']) {
      expect(engines[table], table).toBe('ReplacingMergeTree');
    }
    for (const view of Object.values(VIEWS)) expect(engines[view], view).toBe('View');
  });

  it('stops at a failing statement, names it, and records nothing for that migration', async () => {
    const other = `${database}_bad`;
    const migrations = [
      migration(1, 'good', 'CREATE TABLE IF NOT EXISTS {database}.a (x UInt8) ENGINE = Memory'),
      migration(2, 'bad', 'CREATE TABLE IF NOT EXISTS {database}.b (x NoSuchType) ENGINE = Memory'),
    ];
    try {
      const err = await migrate(server(), other, { migrations }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InsidersError);
      expect(err).toMatchObject({ code: 'CLICKHOUSE_FAILED', retryable: false });
      expect((err as Error).message).toMatch(/^migration 002_bad\.sql, statement 1 of 1: /);
      const recorded = await query<{ version: number }>(`SELECT version FROM ${other}.schema_migrations`);
      expect(recorded).toEqual([{ version: 1 }]);
    } finally {
      await server().command({ query: `DROP DATABASE IF EXISTS ${other}` });
    }
  });

  it('completes a migration whose ADD COLUMN statements ran before it was recorded', async () => {
    const other = `${database}_alter`;
    const migrations = [
      migration(1, 'table', 'CREATE TABLE IF NOT EXISTS {database}.t (x UInt8) ENGINE = ReplacingMergeTree ORDER BY x'),
      migration(
        2,
        'columns',
        "ALTER TABLE {database}.t ADD COLUMN a String DEFAULT ''",
        'ALTER TABLE {database}.t ADD COLUMN b UInt8 DEFAULT 0',
      ),
    ];
    try {
      // A run stopped after the first ADD COLUMN: the column exists, the migration is not recorded.
      await migrate(server(), other, { migrations: migrations.slice(0, 1) });
      await server().command({ query: `ALTER TABLE ${other}.t ADD COLUMN a String DEFAULT ''` });
      const rerun = await migrate(server(), other, { migrations });
      expect(rerun.applied.map((m) => m.version)).toEqual([2]);
      const columns = await query<{ name: string }>(`DESCRIBE TABLE ${other}.t`);
      expect(columns.map((c) => c.name)).toEqual(['x', 'a', 'b']);
      // Any other refusal still stops the run.
      const broken = [...migrations, migration(3, 'bad', 'ALTER TABLE {database}.t ADD COLUMN c NoSuchType')];
      await expect(migrate(server(), other, { migrations: broken })).rejects.toThrow(/003_bad\.sql, statement 1 of 1/);
    } finally {
      await server().command({ query: `DROP DATABASE IF EXISTS ${other}` });
    }
  });

  describe('with rows from the row helpers', () => {
    const features = population();
    const v1 = fitModel(features, { seed: 11, k: 3 });
    const placed1 = new Map(placeCustomers(v1, features).map((p) => [p.customerId, p.segmentId]));
    // Day 2: big0 stops buying (revenue collapses) and reg0 spends like the big spenders.
    const later = features.map((f) =>
      f.customerId === 'big0'
        ? customer('big0', 50, 300, 1, 2)
        : f.customerId === 'reg0'
          ? customer('reg0', 26_000, 1, 34, 140)
          : f,
    );
    const v2 = fitModel(later, { seed: 12 }, v1);
    const placed2 = new Map(placeCustomers(v2, later).map((p) => [p.customerId, p.segmentId]));
    const insidersNow = later.filter((f) => placed2.get(f.customerId) === v2.insidersId);
    const revenueOf = (rows: readonly Features[]) => rows.reduce((a, f) => a + f.grossRevenueMills, 0) / 1000;

    // Every customer enters a segment on day 1 (reason event); on day 2 the refit moves those whose
    // segment differs, and a sweep on day 3 finds nothing more: the changes replay the rows.
    const changes: SegmentChange[] = [];
    for (const f of features)
      changes.push(segmentChange(v1, f.customerId, 1, null, placed1.get(f.customerId)!, 'event', T0));
    for (const f of later) {
      const from = placed1.get(f.customerId)!;
      const to = placed2.get(f.customerId)!;
      if (from !== to)
        changes.push(segmentChange(v2, f.customerId, 2, from, to, f.customerId === 'reg0' ? 'event' : 'refit', T1));
    }

    beforeAll(async () => {
      await migrate(server(), database);
      const insert = async (table: string, values: readonly object[]) => {
        await db().insert({ table, format: 'JSONEachRow', values: [...values] });
      };
      // Separate inserts are separate parts: FINAL in the views, not a merge, has to pick the rows.
      await insert(
        TABLES.customerSegments,
        features.map((f, i) => customerRow(f, placementOf(v1, placed1.get(f.customerId)), 1000 + i, T0)),
      );
      await insert(TABLES.customerSegments, [
        ...later.map((f, i) => customerRow(f, placementOf(v2, placed2.get(f.customerId)), 2000 + i, T1)),
        customerRow(neverBought, placementOf(v2, undefined), 2100, T1),
        customerRow(customer('erased', 99_000, 1, 40, 150), placementOf(v2, v2.insidersId), 2101, T1),
      ]);
      await insert(TABLES.customerSegments, [erasedCustomerRow('erased', 3000, T2)]);

      await insert(TABLES.segmentChanges, changes.map(changeRow));
      // the same day-2 changes again, as a retried insert would send them
      await insert(TABLES.segmentChanges, changes.filter((c) => c.seq === 2).map(changeRow));

      const profiles1 = profileRows(v1.version, segmentProfiles(v1, features, [...placeCustomers(v1, features)]), T0);
      const profiles2 = profileRows(v2.version, segmentProfiles(v2, later, [...placeCustomers(v2, later)]), T1);
      await insert(TABLES.modelRuns, [modelRunRow(v1, 1234.4, T0), modelRunRow(v2, 987, T1)]);
      await insert(TABLES.modelRuns, [modelRunRow(v2, 987, T1)]);
      await insert(TABLES.segmentProfiles, [...profiles1, ...profiles2]);
      await insert(TABLES.segmentProfiles, profiles2);
    });

    it('fixtures move customers between the two versions', () => {
      expect(v2.version).toBe(2);
      expect(placed1.get('big0')).toBe(v1.insidersId);
      expect(placed2.get('big0')).not.toBe(v2.insidersId);
      expect(placed2.get('reg0')).toBe(v2.insidersId);
      expect(changes.filter((c) => c.seq === 2).length).toBeGreaterThanOrEqual(2);
    });

    it('current_customers: the newest row of each customer, erased ones left out, money in units', async () => {
      const rows = await query<{ customer_id: string; version: string; gross_revenue: number; is_insider: number }>(
        'SELECT customer_id, version, gross_revenue, is_insider FROM current_customers ORDER BY customer_id',
      );
      expect(rows.map((r) => r.customer_id)).toEqual([...later.map((f) => f.customerId), 'guestless'].sort());
      const reg0 = rows.find((r) => r.customer_id === 'reg0');
      const version = String(2000 + later.findIndex((f) => f.customerId === 'reg0'));
      expect(reg0).toEqual({ customer_id: 'reg0', version, gross_revenue: 26_000, is_insider: 1 });
      // the erased customer had rows in two parts; neither shows
      expect(rows.some((r) => r.customer_id === 'erased')).toBe(false);

      const guest = await query<{ segment_id: number; recency_days: number; segment_name: string }>(
        "SELECT segment_id, recency_days, segment_name FROM current_customers WHERE customer_id = 'guestless'",
      );
      expect(guest).toEqual([{ segment_id: 0, recency_days: -1, segment_name: '' }]);

      const insiders = await query<{ customer_id: string }>(
        'SELECT customer_id FROM current_insiders ORDER BY customer_id',
      );
      expect(insiders.map((r) => r.customer_id)).toEqual(insidersNow.map((f) => f.customerId).sort());
    });

    it('segment_changes_dedup: a change inserted twice shows once', async () => {
      const [raw] = await query<{ n: string }>(`SELECT count() AS n FROM segment_changes`);
      const [dedup] = await query<{ n: string; ids: string }>(
        'SELECT count() AS n, uniqExact(change_id) AS ids FROM segment_changes_dedup',
      );
      const retried = changes.filter((c) => c.seq === 2).length;
      expect(Number(raw!.n)).toBe(changes.length + retried);
      expect(dedup).toEqual({ n: String(changes.length), ids: String(changes.length) });

      const big0 = await query<{ from_name: string; to_name: string; insiders: string; reason: string; at: string }>(
        "SELECT from_name, to_name, insiders, reason, toString(at) AS at FROM segment_changes_dedup WHERE change_id = 'big0:2'",
      );
      expect(big0).toEqual([
        {
          from_name: 'Insiders',
          to_name: v2.segments.find((s) => s.id === placed2.get('big0'))!.name,
          insiders: 'left',
          reason: 'refit',
          at: '2011-12-02 09:30:00',
        },
      ]);
    });

    it('insiders_daily: entries and exits per day and reason', async () => {
      const rows = await query<{ day: string; reason: string; entries: string; exits: string; net: string }>(
        'SELECT toString(day) AS day, reason, entries, exits, net FROM insiders_daily ORDER BY day, reason',
      );
      const firstDay = features.filter((f) => placed1.get(f.customerId) === v1.insidersId).length;
      expect(rows).toContainEqual({
        day: '2011-12-01',
        reason: 'event',
        entries: String(firstDay),
        exits: '0',
        net: String(firstDay),
      });
      expect(rows).toContainEqual({ day: '2011-12-02', reason: 'event', entries: '1', exits: '0', net: '1' });
      const refit = rows.find((r) => r.day === '2011-12-02' && r.reason === 'refit');
      expect(Number(refit?.exits)).toBeGreaterThanOrEqual(1);
    });

    it('latest_model_run and latest_segment_profiles: the highest version, once', async () => {
      const runs = await query<{ model_version: number; k: number; sizes: number[]; segment_ids: number[] }>(
        'SELECT model_version, k, sizes, segment_ids FROM latest_model_run',
      );
      expect(runs).toEqual([
        {
          model_version: 2,
          k: v2.k,
          sizes: v2.segments.map((s) => s.size),
          segment_ids: v2.segments.map((s) => s.id),
        },
      ]);
      const profiles = await query<{ model_version: number; rank: number; name: string; customers: number }>(
        'SELECT model_version, rank, name, customers FROM latest_segment_profiles ORDER BY rank',
      );
      expect(profiles.map((p) => [p.model_version, p.rank])).toEqual(v2.segments.map((_, i) => [2, i + 1]));
      expect(profiles[0]).toMatchObject({ name: 'Insiders', customers: insidersNow.length });
      // names, descriptions and the rule-based Lapsed group, last
      const described = await query<{ segment_id: number; name: string; description: string; rule_based: number }>(
        'SELECT segment_id, name, description, rule_based FROM latest_segment_profiles ORDER BY rank',
      );
      const byRank = [...v2.segments].sort((a, b) => a.rank - b.rank);
      expect(described.map((p) => p.name)).toEqual(byRank.map((s) => s.name));
      expect(described.map((p) => p.description)).toEqual(byRank.map((s) => s.description));
      expect(described[described.length - 1]).toMatchObject({ segment_id: -1, name: 'Lapsed', rule_based: 1 });
      const policy = await query<{ insiders_share_min: number; insiders_in_band: number; k_reason: string }>(
        'SELECT insiders_share_min, insiders_in_band, k_reason FROM latest_model_run',
      );
      expect(policy).toEqual([
        {
          insiders_share_min: 0.05,
          insiders_in_band: v2.selection!.insidersInBand ? 1 : 0,
          k_reason: v2.selection!.reason,
        },
      ]);
    });

    describe('every Metabase question runs and answers from the data', () => {
      const files = readdirSync(questionsDir)
        .filter((f) => f.endsWith('.sql'))
        .sort();
      const answers = new Map<string, Record<string, unknown>[]>();

      it('has questions, each with its question and visualization in the header', async () => {
        expect(files.length).toBeGreaterThanOrEqual(8);
        for (const file of files) {
          const sql = await readFile(path.join(questionsDir, file), 'utf8');
          expect(sql, file).toMatch(/^-- Question: \S/m);
          expect(sql, file).toMatch(/^-- Visualization: (scalar|line|bar|table)\b/m);
        }
      });

      it.each(files)('%s returns rows', async (file) => {
        const sql = (await readFile(path.join(questionsDir, file), 'utf8')).replaceAll('{{customer_id}}', "'reg0'");
        expect(sql, 'no template tag left').not.toMatch(/\{\{/);
        const rows = await query<Record<string, unknown>>(sql);
        expect(rows.length, file).toBeGreaterThan(0);
        answers.set(file, rows);
      });

      const answer = (prefix: string) => {
        const file = files.find((f) => f.includes(prefix));
        const rows = file === undefined ? undefined : answers.get(file);
        if (rows === undefined) throw new Error(`no answer for ${prefix}`);
        return rows;
      };

      it('insiders now: count and shares', () => {
        const placedNow = later.length; // guestless has no segment and does not count
        expect(answer('insiders_now')).toEqual([
          {
            insiders: String(insidersNow.length),
            share_of_customers: insidersNow.length / placedNow,
            share_of_revenue: expect.closeTo(revenueOf(insidersNow) / revenueOf(later), 12) as number,
            customers: String(placedNow),
            revenue: revenueOf(later),
          },
        ]);
      });

      it('insiders over time: the running count ends at the number of Insiders now', () => {
        const rows = answer('insiders_over_time');
        const firstDay = features.filter((f) => placed1.get(f.customerId) === v1.insidersId).length;
        expect(rows).toEqual([
          { day: '2011-12-01', insiders: String(firstDay) },
          { day: '2011-12-02', insiders: String(insidersNow.length) },
        ]);
      });

      it('entries and exits: exits are negative', () => {
        const rows = answer('entries_exits') as { day: string; movement: string; customers: string }[];
        expect(rows).toContainEqual({ day: '2011-12-02', movement: 'entered (event)', customers: '1' });
        expect(rows.find((r) => r.movement === 'left (refit)')?.customers).toMatch(/^-\d+$/);
      });

      it('what it takes: the Insiders median revenue against the population median', () => {
        const rows = answer('what_it_takes') as {
          feature: string;
          insiders_median: number;
          population_median: number;
        }[];
        const revenue = rows.find((r) => r.feature === 'gross revenue');
        const sorted = later.map((f) => f.grossRevenueMills / 1000).sort((a, b) => a - b);
        const median = (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2;
        expect(revenue?.population_median).toBe(median);
        expect(revenue?.insiders_median).toBeGreaterThan(median);
      });

      it('customer lookup: the segment, features and the history of one customer', () => {
        const [row] = answer('customer_lookup') as {
          segment: string;
          segment_description: string;
          gross_revenue: number;
          changes: string;
          history: string;
        }[];
        expect(row?.segment).toBe('Insiders');
        expect(row?.segment_description).toBe(v2.segments.find((s) => s.id === v2.insidersId)?.description);
        expect(row?.gross_revenue).toBe(26_000);
        expect(row?.changes).toBe('2');
        const [first, second] = changes.filter((c) => c.customerId === 'reg0');
        expect(first?.fromName).toBeNull();
        expect(second?.toName).toBe('Insiders');
        expect(row?.history).toBe(
          `2011-12-01 09:30:00 event: (none) -> ${first?.toName}; 2011-12-02 09:30:00 event: ${second?.fromName} -> Insiders`,
        );
      });
    });
  });
});
