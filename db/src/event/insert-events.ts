// insert: new events, RECEIVED and due now, each with its queue row, its idempotency key and its rollup
// move, in one statement.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { TriggerSource } from '../domain.ts';
import { queryRows } from '../raw-sql.ts';
import { rollupMove } from '../rollup/rollup-rule.ts';
import { changeColumns, type EventChange } from './event-change.ts';
import type { EventStatusChange } from './event-status.ts';

export interface NewEventRow {
  id: string;
  integrationId: string;
  eventType: string;
  source: TriggerSource;
  sourceRecordId: string | null;
  idempotencyKey: string | null;
  traceId: string;
  isTest: boolean;
  receivedAt: Date;
  /** The payload as JSON text (ingest already holds the raw body). */
  payloadJson: string;
}

/**
 * Inserts events. A row is skipped when its integration is unknown or DISCONNECTED, or when its
 * idempotency key already exists on the integration (the key table decides, so concurrent duplicates
 * write one event). Returns the changes (null → RECEIVED) of the events actually inserted.
 */
export async function insertEvents(em: EntityManager, rows: readonly NewEventRow[]): Promise<EventChange[]> {
  if (rows.length === 0) return [];
  const n = rows.length;
  const cols = {
    id: new Array<string>(n),
    integrationId: new Array<string>(n),
    eventType: new Array<string>(n),
    source: new Array<string>(n),
    sourceRecordId: new Array<string | null>(n),
    idempotencyKey: new Array<string | null>(n),
    traceId: new Array<string>(n),
    isTest: new Array<boolean>(n),
    receivedAt: new Array<string>(n),
    payload: new Array<string>(n),
    history: new Array<string>(n),
  };
  rows.forEach((r, i) => {
    const at = r.receivedAt.toISOString();
    cols.id[i] = r.id;
    cols.integrationId[i] = r.integrationId;
    cols.eventType[i] = r.eventType;
    cols.source[i] = r.source;
    cols.sourceRecordId[i] = r.sourceRecordId;
    cols.idempotencyKey[i] = r.idempotencyKey;
    cols.traceId[i] = r.traceId;
    cols.isTest[i] = r.isTest;
    cols.receivedAt[i] = at;
    cols.payload[i] = r.payloadJson;
    const change: EventStatusChange = { from: null, to: 'RECEIVED', at, reason: null };
    cols.history[i] = JSON.stringify([change]);
  });
  return queryRows(
    em,
    `with input as (
       select * from unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bool[],
                            $9::timestamptz[], $10::jsonb[], $11::jsonb[])
         as t(id, integration_id, event_type, source, source_record_id, idempotency_key, trace_id, is_test, received_at, payload, history)
     ),
     accepted as (
       select t.*, i.workspace_id, i.type as integration_type
       from input t join integration i on i.id = t.integration_id and i.state <> 'DISCONNECTED'
     ),
     -- The idempotency key table decides (events are partitioned by day, so their own unique index could
     -- not span days): a key already there, or taken by a concurrent statement, writes no event.
     keyed as (
       insert into event_idempotency (integration_id, idempotency_key, event_id, received_at)
       select integration_id, idempotency_key, id, received_at from accepted where idempotency_key is not null
       on conflict do nothing
       returning event_id
     ),
     ins as (
       insert into event (id, workspace_id, integration_id, integration_type, event_type, status, source, source_record_id,
                          idempotency_key, trace_id, is_test, received_at, updated_at, attempt_count, next_attempt_at,
                          payload, payload_expired, status_history)
       select a.id, a.workspace_id, a.integration_id, a.integration_type, a.event_type, 'RECEIVED', a.source, a.source_record_id,
              a.idempotency_key, a.trace_id, a.is_test, a.received_at, a.received_at, 0, a.received_at,
              a.payload, false, a.history
       from accepted a
       where a.idempotency_key is null or a.id in (select event_id from keyed)
       returning id, workspace_id, integration_id, integration_type, received_at, is_test
     ),
     queued as (
       insert into event_queue (event_id, received_at, integration_id, due_at)
       select id, received_at, integration_id, received_at from ins
     ),
     ${rollupMove('ins', null, { status: `'RECEIVED'`, errorCode: 'null' })}
     select ${changeColumns({ status: `'RECEIVED'`, previousStatus: 'null', errorCode: 'null', at: 'received_at' })} from ins`,
    [
      cols.id,
      cols.integrationId,
      cols.eventType,
      cols.source,
      cols.sourceRecordId,
      cols.idempotencyKey,
      cols.traceId,
      cols.isTest,
      cols.receivedAt,
      cols.payload,
      cols.history,
    ],
    { prepared: true },
  );
}
