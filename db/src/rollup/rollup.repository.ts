// Writes to the hourly rollups. Every status change of an event moves one count from its old
// (status, errorCode) row to its new one, in the same transaction as the change itself.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { EventStatus, IntegrationType } from '../domain.ts';

export interface RollupDelta {
  workspaceId: string;
  integrationId: string;
  integrationType: IntegrationType;
  /** The event's receivedAt; truncated to its UTC hour here. */
  receivedAt: Date;
  status: EventStatus;
  errorCode: string | null;
  delta: number;
}

export function hourOf(d: Date): Date {
  const h = new Date(d);
  h.setUTCMinutes(0, 0, 0);
  return h;
}

/** The deltas for one event moving from one (status, errorCode) to another. */
export function moveDeltas(
  e: { workspaceId: string; integrationId: string; integrationType: IntegrationType; receivedAt: Date },
  from: { status: EventStatus; errorCode: string | null } | null,
  to: { status: EventStatus; errorCode: string | null },
): RollupDelta[] {
  const out: RollupDelta[] = [];
  if (from) out.push({ ...e, status: from.status, errorCode: from.errorCode, delta: -1 });
  out.push({ ...e, status: to.status, errorCode: to.errorCode, delta: 1 });
  return out;
}

/**
 * Applies deltas in one statement: summed per row first (a batch of 1,000 deliveries touches a handful
 * of rows), then upserted in key order so concurrent writers lock rows in the same order (no deadlocks).
 */
export async function applyRollupDeltas(em: EntityManager, deltas: readonly RollupDelta[]): Promise<void> {
  if (deltas.length === 0) return;
  // All or nothing: inside the caller's transaction, or in one of its own.
  if (!em.getTransactionContext()) {
    await em.transactional((tx) => applyRollupDeltas(tx, deltas));
    return;
  }
  const rows = new Map<string, { d: RollupDelta; hour: Date; sum: number; first: Date; last: Date }>();
  for (const d of deltas) {
    const hour = hourOf(d.receivedAt);
    const code = d.errorCode ?? '';
    const key = `${d.workspaceId}|${hour.toISOString()}|${d.integrationId}|${d.status}|${code}`;
    const row = rows.get(key);
    if (row) {
      row.sum += d.delta;
      if (d.delta > 0 && d.receivedAt < row.first) row.first = d.receivedAt;
      if (d.delta > 0 && d.receivedAt > row.last) row.last = d.receivedAt;
    } else {
      rows.set(key, { d, hour, sum: d.delta, first: d.receivedAt, last: d.receivedAt });
    }
  }
  const sorted = [...rows.entries()].filter(([, r]) => r.sum !== 0).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (sorted.length === 0) return;
  // One JSON parameter: MikroORM's execute() inlines array parameters as lists, so unnest(?::uuid[]) cannot bind.
  // Increments upsert; decrements update rows that must exist (a check constraint would refuse a
  // negative candidate row even when the conflict path is taken).
  const toJson = (list: typeof sorted) =>
    JSON.stringify(
      list.map(([, r]) => ({
        workspace_id: r.d.workspaceId,
        hour: r.hour.toISOString(),
        integration_id: r.d.integrationId,
        status: r.d.status,
        error_code: r.d.errorCode ?? '',
        integration_type: r.d.integrationType,
        count: r.sum,
        first_at: r.first.toISOString(),
        last_at: r.last.toISOString(),
      })),
    );
  const columns = `as r(workspace_id uuid, hour timestamptz, integration_id uuid, status text, error_code text,
       integration_type text, count int, first_at timestamptz, last_at timestamptz)`;
  const conn = em.getConnection();
  const ctx = em.getTransactionContext();
  const increments = sorted.filter(([, r]) => r.sum > 0);
  const decrements = sorted.filter(([, r]) => r.sum < 0);
  if (increments.length) {
    await conn.execute(
      `insert into event_rollup (workspace_id, hour, integration_id, status, error_code, integration_type, count, first_at, last_at)
       select workspace_id, hour, integration_id, status, error_code, integration_type, count, first_at, last_at
       from jsonb_to_recordset(?::jsonb) ${columns}
       on conflict (workspace_id, hour, integration_id, status, error_code) do update set
         count = event_rollup.count + excluded.count,
         first_at = least(event_rollup.first_at, excluded.first_at),
         last_at = greatest(event_rollup.last_at, excluded.last_at)`,
      [toJson(increments)],
      'run',
      ctx,
    );
  }
  if (decrements.length) {
    const res = await conn.execute<{ affectedRows?: number }>(
      `update event_rollup e set count = e.count + r.count
       from jsonb_to_recordset(?::jsonb) ${columns}
       where e.workspace_id = r.workspace_id and e.hour = r.hour and e.integration_id = r.integration_id
         and e.status = r.status and e.error_code = r.error_code`,
      [toJson(decrements)],
      'run',
      ctx,
    );
    if (res.affectedRows !== decrements.length) {
      throw new Error(`rollup out of step: ${decrements.length - (res.affectedRows ?? 0)} decremented row(s) do not exist`);
    }
  }
}
