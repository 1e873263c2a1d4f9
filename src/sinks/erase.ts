// Deleting an erased customer's rows from the tables under the views (GDPR): the views already
// leave them out (their erasure row, see 008_erased_customers.sql); this removes the data itself.
// ALTER TABLE ... DELETE is a mutation: ClickHouse rewrites the affected parts in the background,
// on 18.16 as on current releases, so the rows go some seconds later. The erasure row itself stays
// (it holds only the customer id) so that the views keep hiding anything written after it.
import type { ClickHouseClient } from '@clickhouse/client';
import { TABLES } from './schema.js';

/** A ClickHouse string literal; 18.16 takes no query parameters, so the id is quoted here. */
export function stringLiteral(value: string): string {
  return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}

/** Starts deleting the customer's membership changes and placement rows; resolves once both mutations are queued. */
export async function deleteCustomerRows(client: ClickHouseClient, customerId: string): Promise<void> {
  const id = stringLiteral(customerId);
  await client.command({ query: `ALTER TABLE ${TABLES.segmentChanges} DELETE WHERE customer_id = ${id}` });
  await client.command({
    query: `ALTER TABLE ${TABLES.customerSegments} DELETE WHERE customer_id = ${id} AND deleted = 0`,
  });
}
