// The migration files and the sink's row shapes, without a server: files numbered 001.. without
// gaps, each with idempotent, fully qualified statements, and every row helper producing exactly
// the columns its table declares, with the "none" values and DateTime text the contract says.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fitModel, placeCustomers } from '../../src/model/model.js';
import { segmentProfiles } from '../../src/model/profiles.js';
import { LAPSED_SEGMENT_ID } from '../../src/model/segments.js';
import type { SegmentChange } from '../../src/segmentation/changes.js';
import { loadMigrations, migrationsDir, splitStatements } from '../../src/sinks/migrate.js';
import {
  changeRow,
  clickhouseDateTime,
  customerRow,
  erasedCustomerRow,
  modelRunRow,
  profileRows,
  TABLES,
  VIEWS,
} from '../../src/sinks/schema.js';
import { features } from '../support/features.js';

const AT = Date.UTC(2011, 11, 9, 12, 50, 7, 999); // 2011-12-09 12:50:07.999 UTC

/**
 * Column names of `CREATE TABLE ... {database}.<table> (...)` in declaration order, followed by those
 * later migrations add with `ALTER TABLE {database}.<table> ADD COLUMN`, in migration order.
 */
async function columnsOf(table: string): Promise<string[]> {
  const columns: string[] = [];
  let created = false;
  for (const m of await loadMigrations()) {
    for (const statement of m.statements) {
      const create = new RegExp(
        `^CREATE TABLE IF NOT EXISTS \\{database\\}\\.${table}\\s*\\(([\\s\\S]*)\\)\\s*ENGINE`,
      ).exec(statement);
      if (create?.[1] !== undefined) {
        created = true;
        columns.push(
          ...create[1]
            .split('\n')
            .map((line) => /^\s*([a-z_]+)\s+\S/.exec(line)?.[1])
            .filter((name): name is string => name !== undefined),
        );
      }
      const added = new RegExp(`^ALTER TABLE \\{database\\}\\.${table} ADD COLUMN ([a-z_]+) `).exec(statement);
      if (added?.[1] !== undefined) columns.push(added[1]);
    }
  }
  if (!created) throw new Error(`no CREATE TABLE for ${table}`);
  return columns;
}

describe('migration files', () => {
  it('are numbered 001, 002, … in file order, without gaps, each with a statement', async () => {
    const migrations = await loadMigrations();
    expect(migrations.length).toBeGreaterThanOrEqual(7);
    expect(migrations.map((m) => m.version)).toEqual(migrations.map((_, i) => i + 1));
    expect(migrations.map((m) => m.file)).toEqual(
      migrations.map((m) => `${String(m.version).padStart(3, '0')}_${m.name}.sql`),
    );
    for (const m of migrations) expect(m.statements.length, m.file).toBeGreaterThan(0);
  });

  it('create every table and view, each statement idempotent and naming {database} explicitly', async () => {
    const statements = (await loadMigrations()).flatMap((m) => m.statements.map((s) => ({ file: m.file, s })));
    const created: string[] = [];
    const dropped: string[] = [];
    for (const { file, s } of statements) {
      // a view is replaced by dropping it and creating it again, which is idempotent as a pair
      const drop = /^DROP TABLE IF EXISTS \{database\}\.([a-z_]+)$/.exec(s);
      if (drop) {
        expect(Object.values(VIEWS), `${file}: only views are dropped`).toContain(drop[1]);
        dropped.push(drop[1]!);
        continue;
      }
      // a column is added one per statement, which migrate treats as done when the column exists
      const alter = /^ALTER TABLE \{database\}\.([a-z_]+) ADD COLUMN [a-z_]+ [^,]+$/.exec(s);
      if (alter) {
        expect(created, `${file}: ${alter[1]} altered before it is created`).toContain(alter[1]);
        continue;
      }
      const m = /^CREATE (?:TABLE|VIEW) IF NOT EXISTS \{database\}\.([a-z_]+)\b/.exec(s);
      expect(m, `${file}: ${s.slice(0, 60)}`).not.toBeNull();
      const name = m![1]!;
      if (created.includes(name)) expect(dropped, `${file}: ${name} created again without a drop`).toContain(name);
      dropped.splice(dropped.indexOf(name), dropped.includes(name) ? 1 : 0);
      if (!created.includes(name)) created.push(name);
      // a view stores its tables qualified: an unqualified one would resolve against whatever
      // database the creating client had selected
      for (const from of s.matchAll(/\b(?:FROM|JOIN)\s+(\S+)/g)) {
        expect(from[1], `${file}: FROM ${from[1]}`).toMatch(/^(\{database\}\.[a-z_]+\)*|\()$/);
      }
    }
    expect(dropped, 'every dropped view is created again').toEqual([]);
    expect(created.sort()).toEqual([...Object.values(TABLES), ...Object.values(VIEWS)].sort());
  });

  it('keep their semicolons at line ends only where a statement ends', async () => {
    for (const m of await loadMigrations()) {
      const text = await readFile(path.join(migrationsDir, m.file), 'utf8');
      const ends = text.split('\n').filter((line) => /;\s*$/.test(line) && !/^\s*--/.test(line)).length;
      expect(ends, m.file).toBe(m.statements.length);
    }
  });
});

describe('splitStatements', () => {
  it('splits at a semicolon ending a line, keeps one inside a line, drops comment-only parts', () => {
    const sql = [
      '-- header',
      'CREATE TABLE a (x String) ENGINE = Memory;',
      '',
      '-- second; with a semicolon',
      "CREATE VIEW b AS SELECT ';' AS s, 1 AS n -- inline",
      'FROM a ;  ',
      '-- trailing comment only',
      '',
    ].join('\r\n');
    expect(splitStatements(sql)).toEqual([
      'CREATE TABLE a (x String) ENGINE = Memory',
      "CREATE VIEW b AS SELECT ';' AS s, 1 AS n -- inline\nFROM a",
    ]);
    expect(splitStatements('SELECT 1')).toEqual(['SELECT 1']);
    expect(splitStatements('-- nothing\n\n')).toEqual([]);
  });
});

describe('loadMigrations', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  const withFiles = async (files: Record<string, string>) => {
    dir = await mkdtemp(path.join(tmpdir(), 'migrations-'));
    for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
    return dir;
  };

  it('rejects a gap, a repeat, a misnamed file and a file without statements', async () => {
    const ok = 'CREATE TABLE IF NOT EXISTS {database}.t (x UInt8) ENGINE = Memory;\n';
    await expect(loadMigrations(await withFiles({ '001_a.sql': ok, '003_c.sql': ok }))).rejects.toThrow(
      /003_c\.sql: expected number 2/,
    );
    await rm(dir!, { recursive: true });
    await expect(loadMigrations(await withFiles({ '001_a.sql': ok, '001_b.sql': ok }))).rejects.toThrow(
      /001_b\.sql: expected number 2/,
    );
    await rm(dir!, { recursive: true });
    await expect(loadMigrations(await withFiles({ '1_a.sql': ok }))).rejects.toThrow(/1_a\.sql: expected a name/);
    await rm(dir!, { recursive: true });
    await expect(loadMigrations(await withFiles({ '001_a.sql': '-- only a comment\n' }))).rejects.toThrow(
      /no statement/,
    );
  });

  it('reads files in number order, whatever order the directory lists them in', async () => {
    const loaded = await loadMigrations(
      await withFiles({
        '002_second.sql': 'SELECT 2;\n',
        '001_first.sql': 'SELECT 1;\nSELECT 11;\n',
        'README.md': 'not a migration',
      }),
    );
    expect(loaded.map((m) => [m.version, m.name, m.statements])).toEqual([
      [1, 'first', ['SELECT 1', 'SELECT 11']],
      [2, 'second', ['SELECT 2']],
    ]);
  });
});

describe('row helpers match the tables', () => {
  const population = [
    ...[0, 1, 2, 3].map((i) => features(`big${i}`, 20_000 + i * 500, 2 + i, 100 + i)),
    ...[0, 1, 2, 3, 4, 5].map((i) => features(`mid${i}`, 900 + i * 30, 20 + i, 30 + i)),
    ...[0, 1, 2, 3, 4, 5].map((i) => features(`low${i}`, 50 + i * 5, 200 + i * 4, 2)),
  ];
  const model = fitModel(population, { seed: 5, k: 3 });

  it('customerRow: every column of customer_segments; no segment is 0, never bought is -1', async () => {
    const row = customerRow(
      features('c1', 12, null, 3),
      { segmentId: null, segmentName: null, isInsider: false, modelVersion: 4 },
      1_733_000_000_123,
      AT,
    );
    expect(Object.keys(row)).toEqual(await columnsOf(TABLES.customerSegments));
    expect(row).toMatchObject({
      customer_id: 'c1',
      segment_id: 0,
      segment_name: '',
      is_insider: 0,
      model_version: 4,
      recency_days: -1,
      gross_revenue_mills: 12_000,
      avg_ticket_mills: 1234.5,
      returned_mills: 2500,
      lifetime_revenue_mills: 12_007,
      updated_at: '2011-12-09 12:50:07',
      deleted: 0,
      version: 1_733_000_000_123,
    });
    const insider = customerRow(
      features('c2', 30_000, 0, 120),
      { segmentId: 7, segmentName: 'Insiders', isInsider: true, modelVersion: 4 },
      1,
      AT,
    );
    expect(insider).toMatchObject({ segment_id: 7, segment_name: 'Insiders', is_insider: 1, recency_days: 0 });
  });

  it('erasedCustomerRow: the same columns, deleted, no features', async () => {
    const row = erasedCustomerRow('c1', 99, AT);
    expect(Object.keys(row)).toEqual(await columnsOf(TABLES.customerSegments));
    expect(row).toMatchObject({ customer_id: 'c1', deleted: 1, version: 99, gross_revenue_mills: 0, segment_id: 0 });
  });

  it('changeRow: every column of segment_changes; none is 0 and an empty name', async () => {
    const change: SegmentChange = {
      changeId: 'c1:3',
      customerId: 'c1',
      seq: 3,
      fromSegment: 2,
      toSegment: null,
      fromName: 'Insiders',
      toName: null,
      insiders: 'left',
      modelVersion: 5,
      reason: 'time',
      atMs: AT,
    };
    const row = changeRow(change);
    expect(Object.keys(row)).toEqual(await columnsOf(TABLES.segmentChanges));
    expect(row).toEqual({
      change_id: 'c1:3',
      customer_id: 'c1',
      seq: 3,
      from_segment: 2,
      from_name: 'Insiders',
      to_segment: 0,
      to_name: '',
      insiders: 'left',
      reason: 'time',
      model_version: 5,
      at: '2011-12-09 12:50:07',
    });
  });

  it('modelRunRow: every column of model_runs, arrays aligned by segment, JSON that parses back', async () => {
    const row = modelRunRow({ ...model, seed: -1, silhouette: Number.NaN }, 1500.6, AT);
    expect(Object.keys(row)).toEqual(await columnsOf(TABLES.modelRuns));
    expect(row).toMatchObject({
      model_version: 1,
      k: 3,
      // JSON has no NaN: stored as 0
      silhouette: 0,
      duration_ms: 1501,
      // the UInt32 column holds the seed's low 32 bits
      seed: 0xffffffff,
      insiders_id: model.insidersId,
      trained_on: population.length,
      fitted_at: '2011-12-09 12:50:07',
      insiders_share_min: 0.05,
      insiders_share_max: 0.2,
      insiders_rule: 'highest grossRevenueMills, then lowest recencyDays',
      insiders_share_of_customers: model.selection!.insidersShareOfCustomers,
      insiders_share_of_revenue: model.selection!.insidersShareOfRevenue,
      insiders_in_band: model.selection!.insidersInBand ? 1 : 0,
      k_reason: model.selection!.reason,
    });
    expect(row.k_reason).toMatch(/^k = 3 fixed; Insiders at /);
    expect(row.segment_ids).toEqual(model.segments.map((s) => s.id));
    expect(row.sizes).toEqual(model.segments.map((s) => s.size));
    expect(row.sizes.reduce((a, b) => a + b, 0)).toBe(population.length);
    expect(row.feature_set).toEqual(model.transformsUsed.map((t) => t.name));
    const centres = JSON.parse(row.centres) as { segmentId: number; rank: number; name: string }[];
    expect(centres.find((c) => c.rank === 1)).toMatchObject({ segmentId: model.insidersId, name: 'Insiders' });
    expect(centres[centres.length - 1]).toMatchObject({
      segmentId: LAPSED_SEGMENT_ID,
      name: 'Lapsed',
      ruleBased: true,
    });
    expect((JSON.parse(row.scaler) as { kind: string }).kind).toBe('minmax');
    expect(Object.keys(JSON.parse(row.silhouette_by_k) as object)).toEqual(['3']);
  });

  it('profileRows: every column of segment_profiles, mean_ and median_ of each profiled feature', async () => {
    const profiles = segmentProfiles(model, population, placeCustomers(model, population));
    const rows = profileRows(1, profiles, AT);
    // three segments and the Lapsed group, last and empty here
    expect(rows).toHaveLength(4);
    expect(rows[3]).toMatchObject({ segment_id: LAPSED_SEGMENT_ID, name: 'Lapsed', rule_based: 1, customers: 0 });
    expect(Object.keys(rows[0]!)).toEqual(await columnsOf(TABLES.segmentProfiles));
    const insiders = rows.find((r) => r.rank === 1)!;
    const p = profiles.find((x) => x.rank === 1)!;
    expect(insiders).toMatchObject({
      model_version: 1,
      segment_id: model.insidersId,
      name: 'Insiders',
      customers: 4,
      revenue_mills: 83_000_000,
      mean_gross_revenue_mills: 20_750_000,
      median_gross_revenue_mills: p.median.grossRevenueMills,
      mean_recency_days: 3.5,
      median_products: 101.5,
      profiled_at: '2011-12-09 12:50:07',
      kind: 'insiders',
      description: p.description,
      action: p.action,
      rule_based: 0,
    });
    expect(insiders.description).toMatch(/^last bought \d+ days ago \(median\)/);
  });

  it('clickhouseDateTime: UTC wall-clock text to the second', () => {
    expect(clickhouseDateTime(0)).toBe('1970-01-01 00:00:00');
    expect(clickhouseDateTime(AT)).toBe('2011-12-09 12:50:07');
  });
});
