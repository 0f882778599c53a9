// Bound-parameter SQL for the hot paths (ingest batches, claims, completions). MikroORM's
// `execute` inlines parameters into the SQL text; large unnest() arrays of JSON payloads are cheaper
// sent as real bind parameters, so these go to the driver (Kysely over pg) directly. Runs in the
// entity manager's transaction when it has one.
import type { EntityManager } from '@mikro-orm/postgresql';

interface RawExecutor {
  executeQuery(query: unknown): Promise<{ rows: unknown[]; numAffectedRows?: bigint }>;
}

/** Runs `sql` (with `$1…$n` placeholders) and returns its rows. */
export async function queryRows<T>(em: EntityManager, sql: string, params: readonly unknown[] = []): Promise<T[]> {
  const executor = (em.getTransactionContext() ?? em.getConnection().getClient()) as unknown as RawExecutor;
  const res = await executor.executeQuery({
    sql,
    parameters: params,
    query: { kind: 'RawNode', sqlFragments: [sql], parameters: [] },
    queryId: { queryId: 'switchboard-raw' },
  });
  return res.rows as T[];
}

/** Timestamps come back from the driver as PostgreSQL text. */
export function pgDate(v: string | Date): Date {
  if (v instanceof Date) return v;
  return new Date(v.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00'));
}
