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
  const cols = {
    ws: [] as string[],
    hour: [] as string[],
    int: [] as string[],
    status: [] as string[],
    code: [] as string[],
    type: [] as string[],
    count: [] as number[],
    first: [] as string[],
    last: [] as string[],
  };
  for (const [, r] of sorted) {
    cols.ws.push(r.d.workspaceId);
    cols.hour.push(r.hour.toISOString());
    cols.int.push(r.d.integrationId);
    cols.status.push(r.d.status);
    cols.code.push(r.d.errorCode ?? '');
    cols.type.push(r.d.integrationType);
    cols.count.push(r.sum);
    cols.first.push(r.first.toISOString());
    cols.last.push(r.last.toISOString());
  }
  await em.getConnection().execute(
    `insert into event_rollup (workspace_id, hour, integration_id, status, error_code, integration_type, count, first_at, last_at)
     select * from unnest(?::uuid[], ?::timestamptz[], ?::uuid[], ?::text[], ?::text[], ?::text[], ?::int[], ?::timestamptz[], ?::timestamptz[])
     on conflict (workspace_id, hour, integration_id, status, error_code) do update set
       count = event_rollup.count + excluded.count,
       first_at = least(event_rollup.first_at, excluded.first_at),
       last_at = greatest(event_rollup.last_at, excluded.last_at)`,
    [cols.ws, cols.hour, cols.int, cols.status, cols.code, cols.type, cols.count, cols.first, cols.last],
    'run',
    em.getTransactionContext(),
  );
}
