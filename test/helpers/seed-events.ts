// Writes events (+ one delivery attempt per finished event + the hourly rollups) straight into a
// test database, consistently: every event is counted in the rollups by the pipeline's own rule
// (RollupCounter, db/src/rollup/rollup-rule.ts). For API tests that need data without running deliveries.
import { randomBytes } from 'node:crypto';
import { type EventStatus, type IntegrationType, newId, RollupCounter, writeRollupCounts } from '@switchboard/db';
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
    const counter = new RollupCounter();
    for (const r of rows) counter.add({ ...r, receivedAt: r.receivedAt.getTime() });
    await writeRollupCounts(client, workspaceId, counter);
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
