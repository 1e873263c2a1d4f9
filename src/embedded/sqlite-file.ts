// What `insiders segment --sqlite FILE` writes: a SQLite database (sql.js, in memory, then saved
// whole) with a table `customers` (the assignments) and a table `segments` (the profiles), for
// Metabase or any SQL tool. Money in the currency's units; sql.js is loaded only when asked for.
import { writeFile } from 'node:fs/promises';
import { featureColumns } from '../features/export.js';
import type { SegmentProfileRow } from '../model/profiles.js';
import type { AssignmentRow } from './segment-files.js';

/** Writes the SQLite file at `file`, replacing one that is there. */
export async function writeSqlite(
  file: string,
  rows: readonly AssignmentRow[],
  profiles: readonly SegmentProfileRow[],
): Promise<void> {
  const { default: initSqlJs } = await import('sql.js');
  const SQL = await initSqlJs();
  const db = new SQL.Database();
  const columns = ['segment_id', 'segment', 'insider', ...featureColumns] as const;
  db.run(
    `CREATE TABLE customers (${columns.map((c) => `${c} ${c === 'segment' || c === 'customer_id' ? 'TEXT' : 'REAL'}`).join(', ')})`,
  );
  const insert = db.prepare(`INSERT INTO customers VALUES (${columns.map(() => '?').join(', ')})`);
  db.run('BEGIN');
  for (const r of rows) insert.run(columns.map((c) => r[c] ?? null));
  db.run('COMMIT');
  insert.free();
  db.run(
    'CREATE TABLE segments (segment_id INTEGER, rank INTEGER, name TEXT, description TEXT, action TEXT, rule_based INTEGER, customers INTEGER, share_of_customers REAL, revenue REAL, share_of_revenue REAL)',
  );
  for (const p of profiles) {
    db.run('INSERT INTO segments VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)', [
      p.segmentId,
      p.rank,
      p.name,
      p.description,
      p.action,
      p.ruleBased ? 1 : 0,
      p.customers,
      p.shareOfCustomers,
      p.revenueMills / 1000,
      p.shareOfRevenue,
    ]);
  }
  await writeFile(file, db.export());
  db.close();
}
