import { beforeAll, describe, expect, it } from 'vitest';
import { clickhouseErrorCode } from '../../src/errors.js';
import { useClickHouse } from '../support/use-clickhouse.js';

describe('clickhouse: create, insert and select through @clickhouse/client', () => {
  const { database, server, db } = useClickHouse();

  beforeAll(async () => {
    await server().command({ query: `CREATE DATABASE IF NOT EXISTS ${database}` });
  });

  it('round-trips rows, with ISO-8601 timestamps', async () => {
    await db().command({
      query: `CREATE TABLE orders (customer_id String, occurred_at DateTime, revenue_pence Int64)
              ENGINE = MergeTree ORDER BY (customer_id, occurred_at)`,
    });
    await db().insert({
      table: 'orders',
      format: 'JSONEachRow',
      values: [
        { customer_id: '12347', occurred_at: '2011-12-07T15:52:00Z', revenue_pence: 22450 },
        { customer_id: '12347', occurred_at: '2011-01-26T14:30:00Z', revenue_pence: 47583 },
        { customer_id: '12348', occurred_at: '2011-09-25T13:13:00Z', revenue_pence: 31000 },
      ],
    });
    const result = await db().query({
      query: `SELECT customer_id, count() AS orders, sum(revenue_pence) AS revenue_pence,
                     toString(max(occurred_at)) AS last_order
              FROM orders GROUP BY customer_id ORDER BY customer_id`,
      format: 'JSONEachRow',
    });
    expect(await result.json()).toEqual([
      { customer_id: '12347', orders: '2', revenue_pence: '70033', last_order: '2011-12-07 15:52:00' },
      { customer_id: '12348', orders: '1', revenue_pence: '31000', last_order: '2011-09-25 13:13:00' },
    ]);
  });

  it('answers 64-bit integers as exact strings on every server version', async () => {
    // 2^53 + 1: a JSON number would arrive as 2^53
    const result = await db().query({
      query: 'SELECT toUInt64(9007199254740993) AS big, toInt64(-5) AS small, toUInt32(7) AS narrow',
      format: 'JSONEachRow',
    });
    expect(await result.json()).toEqual([{ big: '9007199254740993', small: '-5', narrow: 7 }]);
  });

  it('reports server errors with a code the project can branch on', async () => {
    const err = await db()
      .query({ query: 'SELECT * FROM no_such_table', format: 'JSONEachRow' })
      .catch((e: unknown) => e);
    expect(clickhouseErrorCode(err)).toBe(60); // UNKNOWN_TABLE
  });
});
