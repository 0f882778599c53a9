// The one rollup rule. Every event that is not a test event (isTest: dashboards describe real traffic)
// is counted once, under the UTC hour it was received in, its integration and its status:
//   - in event_rollup, also under its error code — its code while RETRYING or FAILED, '' otherwise;
//   - in event_status_rollup, without the error code (the trends', overview's and health's shape: a
//     fifth of the rows, since failures spread over many codes).
// The pipeline moves counts with `rollupMove` in the same SQL statement as the event change; bulk
// writers (the generator, test seeding) count rows with `RollupCounter` and write them with
// `writeRollupCounts`. Nothing else writes the rollups.
import type { EventStatus, IntegrationType } from '../domain.ts';

/** The error code an event counts under: its code while RETRYING or FAILED, '' otherwise. */
export function rollupErrorCode(status: EventStatus, errorCode: string | null | undefined): string {
  return status === 'RETRYING' || status === 'FAILED' ? (errorCode ?? '') : '';
}

/** `rollupErrorCode` in SQL, over a status and an error code expression. */
export const rollupErrorCodeSql = (status: string, code: string) =>
  `case when ${status} in ('RETRYING', 'FAILED') then coalesce(${code}, '') else '' end`;

/** A status and a raw error code, as SQL expressions over the moved rows. */
export interface RollupKeySql {
  status: string;
  errorCode: string;
}

/**
 * The CTEs (`deltas` … `status_up`) that move the counts of the rows of `source` — a CTE returning
 * workspace_id, received_at, integration_id, integration_type and is_test — from `from` (null for a new
 * event) to `to`. Append to a `with` list after `source`; test events are skipped here, once.
 */
export function rollupMove(source: string, from: RollupKeySql | null, to: RollupKeySql): string {
  const row = (k: RollupKeySql, delta: 1 | -1) =>
    `select workspace_id, received_at, integration_id, integration_type, (${k.status})::text as status,
            ${rollupErrorCodeSql(`(${k.status})`, `(${k.errorCode})`)}::text as error_code, ${delta} as delta
     from ${source} where not is_test`;
  return `deltas as (
       ${from ? `${row(from, -1)}\n       union all\n       ` : ''}${row(to, 1)}
     ),
     ${APPLY_DELTAS}`;
}

/**
 * Applies `deltas(workspace_id, received_at, integration_id, integration_type, status, error_code,
 * delta)` to both rollups, summed per row first. Decrements update existing rows (an insert with a
 * negative count would trip the `count >= 0` check before ON CONFLICT is considered); increments upsert
 * in key order so concurrent writers lock rollup rows in one order.
 */
const APPLY_DELTAS = `grouped as (
  select workspace_id, date_trunc('hour', received_at, 'UTC') as hour, integration_id, status, error_code,
         min(integration_type) as integration_type, sum(delta)::int as delta, min(received_at) as first_at, max(received_at) as last_at
  from deltas
  group by 1, 2, 3, 4, 5
),
roll_down as (
  update event_rollup r set count = r.count + g.delta
  from grouped g
  where g.delta < 0 and r.workspace_id = g.workspace_id and r.hour = g.hour and r.integration_id = g.integration_id
    and r.status = g.status and r.error_code = g.error_code
),
roll_up as (
  insert into event_rollup (workspace_id, hour, integration_id, status, error_code, integration_type, count, first_at, last_at)
  select workspace_id, hour, integration_id, status, error_code, integration_type, delta, first_at, last_at
  from grouped where delta > 0
  order by workspace_id, hour, integration_id, status, error_code
  on conflict (workspace_id, hour, integration_id, status, error_code) do update set
    count = event_rollup.count + excluded.count,
    first_at = least(event_rollup.first_at, excluded.first_at),
    last_at = greatest(event_rollup.last_at, excluded.last_at)
),
status_grouped as (
  select workspace_id, hour, integration_id, status, min(integration_type) as integration_type, sum(delta)::int as delta
  from grouped
  group by 1, 2, 3, 4
),
status_down as (
  update event_status_rollup r set count = r.count + g.delta
  from status_grouped g
  where g.delta < 0 and r.workspace_id = g.workspace_id and r.hour = g.hour and r.integration_id = g.integration_id and r.status = g.status
),
status_up as (
  insert into event_status_rollup (workspace_id, hour, integration_id, status, integration_type, count)
  select workspace_id, hour, integration_id, status, integration_type, delta
  from status_grouped where delta > 0
  order by workspace_id, hour, integration_id, status
  on conflict (workspace_id, hour, integration_id, status) do update set count = event_status_rollup.count + excluded.count
)`;

/** An event as a bulk writer sees it. */
export interface CountedEvent {
  integrationId: string;
  integrationType: IntegrationType;
  /** receivedAt, ms since the epoch. */
  receivedAt: number;
  status: EventStatus;
  errorCode: string | null;
  isTest?: boolean;
}

interface CountRow {
  hour: number;
  integrationId: string;
  integrationType: IntegrationType;
  status: EventStatus;
  errorCode: string;
  count: number;
  first: number;
  last: number;
}

const HOUR_MS = 3600_000;

/** Counts events in memory under the rule, for writers that insert events in bulk. */
export class RollupCounter {
  private readonly rows = new Map<string, CountRow>();

  add(e: CountedEvent): void {
    if (e.isTest) return;
    const hour = Math.floor(e.receivedAt / HOUR_MS) * HOUR_MS;
    const errorCode = rollupErrorCode(e.status, e.errorCode);
    const key = `${hour}|${e.integrationId}|${e.status}|${errorCode}`;
    const row = this.rows.get(key);
    if (row) {
      row.count++;
      if (e.receivedAt < row.first) row.first = e.receivedAt;
      if (e.receivedAt > row.last) row.last = e.receivedAt;
    } else {
      this.rows.set(key, {
        hour,
        integrationId: e.integrationId,
        integrationType: e.integrationType,
        status: e.status,
        errorCode,
        count: 1,
        first: e.receivedAt,
        last: e.receivedAt,
      });
    }
  }

  /** The counted rows in key order (so concurrent writers lock rollup rows in one order). */
  sorted(): CountRow[] {
    return [...this.rows.values()].sort(
      (a, b) => a.hour - b.hour || cmp(a.integrationId, b.integrationId) || cmp(a.status, b.status) || cmp(a.errorCode, b.errorCode),
    );
  }
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Anything with pg's `query(text, params)`: a client, a pool. */
export interface SqlClient {
  query(text: string, params: unknown[]): Promise<unknown>;
}

/**
 * Adds the counted events to both rollups of one workspace (upserts: events already counted stay
 * counted). Run it in the transaction that inserts the events when readers must never see them apart.
 */
export async function writeRollupCounts(client: SqlClient, workspaceId: string, counter: RollupCounter): Promise<void> {
  const rows = counter.sorted();
  for (let i = 0; i < rows.length; i += 10_000) {
    const chunk = rows.slice(i, i + 10_000);
    await client.query(
      `with input as (
         select * from unnest($2::timestamptz[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::int[], $8::timestamptz[], $9::timestamptz[])
           as t(hour, integration_id, status, error_code, integration_type, count, first_at, last_at)
       ),
       by_code as (
         insert into event_rollup (workspace_id, hour, integration_id, status, error_code, integration_type, count, first_at, last_at)
         select $1::uuid, * from input
         on conflict (workspace_id, hour, integration_id, status, error_code) do update set
           count = event_rollup.count + excluded.count,
           first_at = least(event_rollup.first_at, excluded.first_at),
           last_at = greatest(event_rollup.last_at, excluded.last_at)
       )
       insert into event_status_rollup (workspace_id, hour, integration_id, status, integration_type, count)
       select $1::uuid, hour, integration_id, status, min(integration_type), sum(count)::int from input
       group by hour, integration_id, status
       order by hour, integration_id, status
       on conflict (workspace_id, hour, integration_id, status) do update set count = event_status_rollup.count + excluded.count`,
      [
        workspaceId,
        chunk.map((r) => new Date(r.hour).toISOString()),
        chunk.map((r) => r.integrationId),
        chunk.map((r) => r.status),
        chunk.map((r) => r.errorCode),
        chunk.map((r) => r.integrationType),
        chunk.map((r) => r.count),
        chunk.map((r) => new Date(r.first).toISOString()),
        chunk.map((r) => new Date(r.last).toISOString()),
      ],
    );
  }
}
