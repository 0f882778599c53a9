// Writes events (+ one delivery attempt per finished event + the hourly rollups) straight into a
// test database, consistently: every event is counted in event_rollup under its current status and
// error code, as the pipeline keeps them. For API tests that need data without running deliveries.
import { randomBytes } from 'node:crypto';
import { type EventStatus, type IntegrationType, newId } from '@switchboard/db';
import pg from 'pg';

export interface SeedEvent {
  integrationId: string;
  integrationType: IntegrationType;
  receivedAt: Date;
  status: EventStatus;
  errorCode?: string | null;
  eventType?: string;
  sourceRecordId?: string | null;
  idempotencyKey?: string | null;
}

export interface SeededEvent extends Required<Omit<SeedEvent, 'errorCode'>> {
  id: string;
  errorCode: string | null;
  traceId: string;
}

const HOUR = 3600_000;

/** Inserts the events in one transaction; returns them with their ids and trace ids. */
export async function seedEvents(url: string, workspaceId: string, events: readonly SeedEvent[]): Promise<SeededEvent[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const rows: SeededEvent[] = events.map((e) => ({
    id: newId(),
    integrationId: e.integrationId,
    integrationType: e.integrationType,
    receivedAt: e.receivedAt,
    status: e.status,
    errorCode: e.status === 'FAILED' || e.status === 'RETRYING' ? (e.errorCode ?? '500') : null,
    eventType: e.eventType ?? 'order.created',
    sourceRecordId: e.sourceRecordId ?? null,
    idempotencyKey: e.idempotencyKey ?? null,
    traceId: randomBytes(16).toString('hex'),
  }));
  try {
    await client.query('begin');
    for (let i = 0; i < rows.length; i += 5000) {
      const batch = rows.slice(i, i + 5000);
      await client.query(
        `insert into event (id, workspace_id, integration_id, integration_type, event_type, status, source, source_record_id,
           idempotency_key, trace_id, received_at, updated_at, delivered_at, attempt_count, error_code, error_message, payload, status_history)
         select u.id, $1::uuid, u.integration_id, u.integration_type, u.event_type, u.status, 'SYSTEM', u.source_record_id,
           u.idempotency_key, u.trace_id, u.received_at, u.received_at,
           case when u.status = 'DELIVERED' then u.received_at end,
           case when u.status in ('DELIVERED', 'FAILED', 'RETRYING') then 1 else 0 end,
           u.error_code, case when u.error_code is not null then 'HTTP ' || u.error_code end,
           jsonb_build_object('n', u.ord), '[]'::jsonb
         from unnest($2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::timestamptz[], $11::text[], $12::int[])
           as u(id, integration_id, integration_type, event_type, status, source_record_id, idempotency_key, trace_id, received_at, error_code, ord)`,
        [
          workspaceId,
          batch.map((r) => r.id),
          batch.map((r) => r.integrationId),
          batch.map((r) => r.integrationType),
          batch.map((r) => r.eventType),
          batch.map((r) => r.status),
          batch.map((r) => r.sourceRecordId),
          batch.map((r) => r.idempotencyKey),
          batch.map((r) => r.traceId),
          batch.map((r) => r.receivedAt.toISOString()),
          batch.map((r) => r.errorCode),
          batch.map((_, j) => i + j),
        ],
      );
      await client.query(
        `insert into event_idempotency (integration_id, idempotency_key, event_id, received_at)
         select integration_id, idempotency_key, id, received_at
         from unnest($1::uuid[], $2::text[], $3::uuid[], $4::timestamptz[]) as u(integration_id, idempotency_key, id, received_at)
         where idempotency_key is not null on conflict do nothing`,
        [
          batch.map((r) => r.integrationId),
          batch.map((r) => r.idempotencyKey),
          batch.map((r) => r.id),
          batch.map((r) => r.receivedAt.toISOString()),
        ],
      );
      const finished = batch.filter((r) => r.status !== 'RECEIVED' && r.status !== 'PROCESSING');
      if (finished.length) {
        await client.query(
          `insert into delivery_attempt (id, event_id, workspace_id, integration_id, event_type, attempt_number, started_at, duration_ms,
             request_method, request_url, request_headers, request_body, response_status, response_headers, response_body, succeeded, error_code)
           select gen_random_uuid(), u.event_id, $1::uuid, u.integration_id, u.event_type, 1, u.started_at, 42,
             'POST', 'https://receiver.example/hook', '[{"name":"authorization","value":"[redacted]"}]'::jsonb,
             '{"event":"' || u.event_type || '"}', u.code, '[]'::jsonb, case when u.ok then '{"received":true}' else '{"error":"nope"}' end, u.ok,
             case when u.ok then null else u.code::text end
           from unnest($2::uuid[], $3::uuid[], $4::text[], $5::timestamptz[], $6::int[], $7::bool[])
             as u(event_id, integration_id, event_type, started_at, code, ok)`,
          [
            workspaceId,
            finished.map((r) => r.id),
            finished.map((r) => r.integrationId),
            finished.map((r) => r.eventType),
            finished.map((r) => new Date(r.receivedAt.getTime() + 10).toISOString()),
            finished.map((r) => (r.status === 'DELIVERED' ? 200 : /^\d{3}$/.test(r.errorCode ?? '') ? Number(r.errorCode) : 500)),
            finished.map((r) => r.status === 'DELIVERED'),
          ],
        );
      }
    }
    // The hourly rollups, summed per row and upserted like the pipeline's delta writes.
    const acc = new Map<string, { hour: Date; r: SeededEvent; n: number; first: Date; last: Date }>();
    for (const r of rows) {
      const hour = new Date(Math.floor(r.receivedAt.getTime() / HOUR) * HOUR);
      const key = `${hour.toISOString()}|${r.integrationId}|${r.status}|${r.errorCode ?? ''}`;
      const a = acc.get(key);
      if (a) {
        a.n += 1;
        if (r.receivedAt < a.first) a.first = r.receivedAt;
        if (r.receivedAt > a.last) a.last = r.receivedAt;
      } else acc.set(key, { hour, r, n: 1, first: r.receivedAt, last: r.receivedAt });
    }
    const v = [...acc.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, x]) => x);
    if (v.length) {
      await client.query(
        `insert into event_rollup (workspace_id, hour, integration_id, status, error_code, integration_type, count, first_at, last_at)
         select $1::uuid, * from unnest($2::timestamptz[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::int[], $8::timestamptz[], $9::timestamptz[])
         on conflict (workspace_id, hour, integration_id, status, error_code) do update set
           count = event_rollup.count + excluded.count,
           first_at = least(event_rollup.first_at, excluded.first_at),
           last_at = greatest(event_rollup.last_at, excluded.last_at)`,
        [
          workspaceId,
          v.map((x) => x.hour.toISOString()),
          v.map((x) => x.r.integrationId),
          v.map((x) => x.r.status),
          v.map((x) => x.r.errorCode ?? ''),
          v.map((x) => x.r.integrationType),
          v.map((x) => x.n),
          v.map((x) => x.first.toISOString()),
          v.map((x) => x.last.toISOString()),
        ],
      );
    }
    await client.query('commit');
  } catch (err) {
    await client.query('rollback');
    throw err;
  } finally {
    await client.end();
  }
  return rows;
}

/** Row uuid from a public id (`int_<32 hex>` → uuid). */
export function uuidOf(publicId: string): string {
  const h = publicId.split('_')[1] as string;
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** A direct SQL query on the test database (brute-force checks). */
export async function sqlQuery<T>(url: string, text: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as T[];
  } finally {
    await client.end();
  }
}
