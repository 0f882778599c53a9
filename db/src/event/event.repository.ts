// Event writes on the pipeline's hot paths. Each function is one SQL statement (data-modifying CTEs
// where an event change and its rollup move must land together), with bound array parameters so a
// batch of a thousand events is one round trip. Rollups move by the one rule of rollup/rollup-rule.ts.
import type { EntityManager } from '@mikro-orm/postgresql';
import {
  attemptsInsert,
  type IntegrationOutcome,
  type NewDeliveryAttempt,
  outcomesUpdate,
} from '../delivery-attempt/delivery-attempt.repository.ts';
import type { EventStatus, IntegrationState, IntegrationType, TriggerSource } from '../domain.ts';
import { claimRoom, deliverableNow } from '../integration/delivery-protection.repository.ts';
import { queryRows } from '../raw-sql.ts';
import { rollupMove } from '../rollup/rollup-rule.ts';
import { EVENT_OPERATIONS, type EventStatusChange, sqlStatuses } from './event-status.ts';

/** Timestamps come back from the driver as PostgreSQL text. */
export function pgDate(v: string | Date): Date {
  if (v instanceof Date) return v;
  return new Date(v.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00'));
}

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
 * Inserts events (status RECEIVED, due now) and moves their rollups, in one statement. A row is
 * skipped when its integration is unknown or DISCONNECTED, or when its idempotency key already
 * exists on the integration (the unique index decides, so concurrent duplicates write one row).
 * Returns the ids actually inserted, with the fields the caller publishes.
 */
export async function insertEvents(
  em: EntityManager,
  rows: readonly NewEventRow[],
): Promise<Array<{ id: string; workspaceId: string; integrationId: string; integrationType: IntegrationType }>> {
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
     ${rollupMove('ins', null, { status: `'RECEIVED'`, errorCode: 'null' })}
     select id, workspace_id as "workspaceId", integration_id as "integrationId", integration_type as "integrationType" from ins`,
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
  );
}

export interface ExistingEventRef {
  id: string;
  integrationId: string;
  idempotencyKey: string;
  status: EventStatus;
}

/** The events already stored under these (integration, idempotency key) pairs. */
export async function findEventsByIdempotencyKeys(
  em: EntityManager,
  pairs: ReadonlyArray<{ integrationId: string; idempotencyKey: string }>,
): Promise<ExistingEventRef[]> {
  if (pairs.length === 0) return [];
  return queryRows(
    em,
    `select e.id, e.integration_id as "integrationId", e.idempotency_key as "idempotencyKey", e.status
     from unnest($1::uuid[], $2::text[]) as k(integration_id, idempotency_key)
     join event_idempotency ik on ik.integration_id = k.integration_id and ik.idempotency_key = k.idempotency_key
     join event e on e.id = ik.event_id and e.received_at = ik.received_at`,
    [pairs.map((p) => p.integrationId), pairs.map((p) => p.idempotencyKey)],
  );
}

export interface ClaimedEvent {
  id: string;
  workspaceId: string;
  integrationId: string;
  integrationType: IntegrationType;
  eventType: string;
  source: TriggerSource;
  traceId: string;
  isTest: boolean;
  receivedAt: Date;
  /** The attempt this claim starts (1-based, over the event's whole life). */
  attemptCount: number;
  /** Attempts made before the current cycle began (a replay starts a new cycle). */
  retryBase: number;
  payload: unknown;
  payloadExpired: boolean;
  previousStatus: EventStatus;
  claimedAt: Date;
}

/**
 * Claims up to `limit` due events of ACTIVE integrations (held otherwise) in due order — received
 * order for new events — marking them PROCESSING and moving their rollups, in one statement.
 * `FOR UPDATE SKIP LOCKED` lets several workers share the table without ever claiming the same row.
 */
export async function claimDueEvents(
  em: EntityManager,
  opts: {
    now: Date;
    limit: number;
    skipIntegrationIds?: readonly string[];
    /** The claiming worker process, and how long its lease lasts unless renewed. */
    owner: string;
    leaseMs: number;
    /** Integrations whose open circuit this worker is probing: one event each, despite the circuit. */
    probeIntegrationIds?: readonly string[];
    /** Fairness: deliveries in flight per integration at most its max_in_flight, else `defaultCap`; `inFlight` already taken. */
    inFlightCap?: { defaultCap: number; inFlight: ReadonlyMap<string, number> };
    /** Retries hold their share of the worker: only first attempts (RECEIVED) are taken. */
    firstAttemptsOnly?: boolean;
  },
): Promise<ClaimedEvent[]> {
  const at = opts.now.toISOString();
  const rows = await queryRows<Omit<ClaimedEvent, 'receivedAt' | 'claimedAt'> & { receivedAt: string }>(
    em,
    // Candidates first, without locks: each ACTIVE integration's earliest due events through event_due_idx
    // (an ordered index scan per integration, so the cost is the rows taken, never the backlog), merged in
    // due order. Then the earliest of those nobody else holds are locked (another worker skips them). Twice
    // the limit in candidates leaves room for rows a concurrent worker has just locked.
    `with candidate as (
       select d.id, d.next_attempt_at, d.received_at
       from integration i
       cross join lateral (
         select e.id, e.next_attempt_at, e.received_at
         from event e
         where e.integration_id = i.id and e.status in ${sqlStatuses(EVENT_OPERATIONS.claim.from)} and e.next_attempt_at <= $1::timestamptz
           and (not $11::bool or e.status = 'RECEIVED')
         order by e.next_attempt_at, e.received_at
         limit ${claimRoom('i', '$5', '$9::int', '$10::jsonb')}
       ) d
       where i.state = 'ACTIVE' and not (i.id = any($3::uuid[])) and ${deliverableNow('i', '$1::timestamptz', '$8::uuid[]')}
       order by d.next_attempt_at, d.received_at
       limit $5
     ),
     due as (
       select e.id, e.received_at, e.status as old_status, e.error_code as old_code
       from event e join candidate c on c.id = e.id and c.received_at = e.received_at
       where e.status in ${sqlStatuses(EVENT_OPERATIONS.claim.from)} and e.next_attempt_at <= $1::timestamptz
       order by c.next_attempt_at, c.received_at
       limit $2
       for update of e skip locked
     ),
     upd as (
       update event e set
         status = 'PROCESSING', processing_started_at = $1::timestamptz, updated_at = $1::timestamptz,
         lease_owner = $6::text, lease_expires_at = $7::timestamptz,
         attempt_count = e.attempt_count + 1,
         status_history = e.status_history || jsonb_build_array(jsonb_build_object('from', due.old_status, 'to', 'PROCESSING', 'at', $4::text, 'reason', null))
       from due where e.id = due.id and e.received_at = due.received_at
       returning e.id, e.workspace_id, e.integration_id, e.integration_type, e.event_type, e.source, e.trace_id, e.is_test,
                 e.received_at, e.attempt_count, e.retry_base, e.payload, e.payload_expired, due.old_status, due.old_code
     ),
     ${rollupMove('upd', { status: 'old_status', errorCode: 'old_code' }, { status: `'PROCESSING'`, errorCode: 'null' })}
     select id, workspace_id as "workspaceId", integration_id as "integrationId", integration_type as "integrationType",
            event_type as "eventType", source, trace_id as "traceId", is_test as "isTest", received_at as "receivedAt",
            attempt_count as "attemptCount", retry_base as "retryBase", payload, payload_expired as "payloadExpired",
            old_status as "previousStatus"
     from upd order by received_at`,
    [
      at,
      opts.limit,
      opts.skipIntegrationIds ?? [],
      at,
      opts.limit * 2,
      opts.owner,
      new Date(opts.now.getTime() + opts.leaseMs).toISOString(),
      opts.probeIntegrationIds ?? [],
      opts.inFlightCap?.defaultCap ?? 2_147_483_647,
      JSON.stringify(Object.fromEntries(opts.inFlightCap?.inFlight ?? [])),
      opts.firstAttemptsOnly ?? false,
    ],
  );
  return rows.map((r) => ({ ...r, receivedAt: pgDate(r.receivedAt), claimedAt: opts.now }));
}

export interface EventCompletion {
  id: string;
  /** The claim this completes: a reclaimed (stuck) event is no longer ours and is left alone. */
  claimedAt: Date;
  /** The event's partition key. */
  receivedAt: Date;
  status: 'DELIVERED' | 'RETRYING' | 'FAILED';
  nextAttemptAt: Date | null;
  errorCode: string | null;
  errorMessage: string | null;
  destinationRecordId: string | null;
  reason: string | null;
  at: Date;
}

export interface CompletedEvent {
  id: string;
  workspaceId: string;
  integrationId: string;
  integrationType: IntegrationType;
  status: EventStatus;
  errorCode: string | null;
}

/** The completion CTEs (`input` … `roll_up`, the changed rows in `upd`), parameters numbered from `$first`. */
function completionsUpdate(completions: readonly EventCompletion[], first = 1): { sql: string; params: unknown[] } {
  const sorted = [...completions].sort((a, b) => (a.id < b.id ? -1 : 1));
  const p = (i: number) => `$${first + i}`;
  return {
    sql: `input as (
       select * from unnest(${p(0)}::uuid[], ${p(1)}::timestamptz[], ${p(2)}::text[], ${p(3)}::timestamptz[], ${p(4)}::text[], ${p(5)}::text[], ${p(6)}::text[], ${p(7)}::timestamptz[], ${p(8)}::jsonb[], ${p(9)}::timestamptz[])
         as t(id, claimed_at, status, next_attempt_at, error_code, error_message, destination_record_id, at, change, received_at)
     ),
     upd as (
       update event e set
         status = t.status, updated_at = t.at, processing_started_at = null, lease_owner = null, lease_expires_at = null,
         next_attempt_at = t.next_attempt_at,
         -- errorCode/errorMessage describe the event's current failure: a delivered event has none (its
         -- attempts keep every earlier error), so the log never shows a Delivered event with a code.
         error_code = case when t.status = 'DELIVERED' then null else t.error_code end,
         error_message = case when t.status = 'DELIVERED' then null else t.error_message end,
         destination_record_id = coalesce(t.destination_record_id, e.destination_record_id),
         delivered_at = case when t.status = 'DELIVERED' then t.at else e.delivered_at end,
         status_history = e.status_history || jsonb_build_array(t.change)
       from input t
       where e.id = t.id and e.received_at = t.received_at and e.status in ${sqlStatuses(EVENT_OPERATIONS.record.from)} and e.processing_started_at = t.claimed_at
       returning e.id, e.workspace_id, e.integration_id, e.integration_type, e.received_at, e.status, e.error_code, e.is_test
     ),
     ${rollupMove('upd', { status: `'PROCESSING'`, errorCode: 'null' }, { status: 'status', errorCode: 'error_code' })}`,
    params: [
      sorted.map((c) => c.id),
      sorted.map((c) => c.claimedAt.toISOString()),
      sorted.map((c) => c.status),
      sorted.map((c) => c.nextAttemptAt?.toISOString() ?? null),
      sorted.map((c) => c.errorCode),
      sorted.map((c) => c.errorMessage),
      sorted.map((c) => c.destinationRecordId),
      sorted.map((c) => c.at.toISOString()),
      sorted.map((c) =>
        JSON.stringify({ from: 'PROCESSING', to: c.status, at: c.at.toISOString(), reason: c.reason } satisfies EventStatusChange),
      ),
      sorted.map((c) => c.receivedAt.toISOString()),
    ],
  };
}

/**
 * Records a batch of finished deliveries in ONE statement (so one round trip and one commit, and the
 * rows it locks are held only while it runs): inserts the attempts, moves the integrations' counters
 * and the events with their rollups. Returns the events that changed (an event the stuck-event reclaim
 * took back meanwhile is left alone) and the integrations' new auth-failure counts (the caller moves an
 * integration to ERROR past its threshold).
 */
export async function recordDeliveries(
  em: EntityManager,
  batch: { attempts: readonly NewDeliveryAttempt[]; completions: readonly EventCompletion[]; outcomes: readonly IntegrationOutcome[] },
): Promise<{
  completed: CompletedEvent[];
  counters: Array<{ id: string; workspaceId: string; state: IntegrationState; consecutiveAuthFailures: number }>;
}> {
  const parts: string[] = [];
  const params: unknown[] = [];
  const add = (built: { sql: string; params: unknown[] }) => {
    parts.push(built.sql);
    params.push(...built.params);
  };
  if (batch.attempts.length) {
    const insert = attemptsInsert(batch.attempts, params.length + 1);
    add({ sql: `attempts as (${insert.sql} returning 1)`, params: insert.params });
  }
  const hasOutcomes = batch.outcomes.length > 0;
  if (hasOutcomes) add(outcomesUpdate(batch.outcomes, params.length + 1));
  const hasCompletions = batch.completions.length > 0;
  if (hasCompletions) add(completionsUpdate(batch.completions, params.length + 1));
  if (parts.length === 0) return { completed: [], counters: [] };
  const selects = [
    hasCompletions
      ? `select 'event' as kind, id, workspace_id as "workspaceId", integration_id as "integrationId", integration_type as "integrationType",
                status::text as status, error_code::text as "errorCode", null::text as state, null::int as "consecutiveAuthFailures" from upd`
      : null,
    hasOutcomes
      ? `select 'integration' as kind, id, workspace_id as "workspaceId", null::uuid as "integrationId", null::text as "integrationType",
                null::text as status, null::text as "errorCode", state::text as state, consecutive_auth_failures as "consecutiveAuthFailures" from counters`
      : null,
  ].filter((x): x is string => x !== null);
  const rows = await queryRows<
    CompletedEvent & { kind: 'event' | 'integration'; state: IntegrationState; consecutiveAuthFailures: number }
  >(
    em,
    `with ${parts.join(',\n     ')}
     ${selects.length ? selects.join('\n     union all\n     ') : 'select null as kind where false'}`,
    params,
  );
  const completed: CompletedEvent[] = [];
  const counters: Array<{ id: string; workspaceId: string; state: IntegrationState; consecutiveAuthFailures: number }> = [];
  for (const r of rows) {
    if (r.kind === 'event')
      completed.push({
        id: r.id,
        workspaceId: r.workspaceId,
        integrationId: r.integrationId,
        integrationType: r.integrationType,
        status: r.status,
        errorCode: r.errorCode,
      });
    else counters.push({ id: r.id, workspaceId: r.workspaceId, state: r.state, consecutiveAuthFailures: r.consecutiveAuthFailures });
  }
  return { completed, counters };
}

/**
 * Re-opens DELIVERED/FAILED events (payload not expired) of one workspace for a new attempt cycle (RECEIVED, due now,
 * history kept, last error cleared), moving rollups, in one statement. Returns the ids re-opened.
 */
export async function reopenEvents(
  em: EntityManager,
  workspaceId: string,
  eventIds: readonly string[],
  reason: string,
  now: Date,
): Promise<Array<{ id: string; integrationId: string; integrationType: IntegrationType; previousStatus: EventStatus }>> {
  if (eventIds.length === 0) return [];
  const at = now.toISOString();
  return queryRows(
    em,
    `with target as (
       select e.id, e.received_at, e.status as old_status, e.error_code as old_code from event e
       where e.workspace_id = $1 and e.id = any($2::uuid[]) and e.status in ${sqlStatuses(EVENT_OPERATIONS.reopen.from)}
         -- nothing left to send: re-opening would only fail and overwrite the outcome the event really had
         and not e.payload_expired
       order by e.id
       for update
     ),
     upd as (
       update event e set
         status = 'RECEIVED', next_attempt_at = $3::timestamptz, updated_at = $3::timestamptz, retry_base = e.attempt_count,
         error_code = null, error_message = null,
         status_history = e.status_history || jsonb_build_array(jsonb_build_object('from', target.old_status, 'to', 'RECEIVED', 'at', $4::text, 'reason', $5::text))
       from target where e.id = target.id and e.received_at = target.received_at
       returning e.id, e.workspace_id, e.integration_id, e.integration_type, e.received_at, e.is_test, target.old_status, target.old_code
     ),
     ${rollupMove('upd', { status: 'old_status', errorCode: 'old_code' }, { status: `'RECEIVED'`, errorCode: 'null' })}
     select id, integration_id as "integrationId", integration_type as "integrationType", old_status as "previousStatus" from upd`,
    [workspaceId, eventIds, at, at, reason],
  );
}

/**
 * Puts events stuck in PROCESSING since before `olderThan` (their worker died) back in the queue
 * as RETRYING with code STUCK, due now, their history saying so; rollups moved; one statement.
 */
export async function reclaimStuckEvents(
  em: EntityManager,
  opts: { olderThan: Date; now: Date; limit: number; reason: string },
): Promise<Array<{ id: string; workspaceId: string; integrationId: string; integrationType: IntegrationType }>> {
  const at = opts.now.toISOString();
  return queryRows(
    em,
    `with stuck as (
       select e.id, e.received_at from event e
       where e.status in ${sqlStatuses(EVENT_OPERATIONS.reclaimStuck.from)} and e.processing_started_at < $1::timestamptz
       order by e.processing_started_at
       limit $3
       for update skip locked
     ),
     upd as (
       update event e set
         status = 'RETRYING', processing_started_at = null, lease_owner = null, lease_expires_at = null,
         next_attempt_at = $2::timestamptz, updated_at = $2::timestamptz, error_code = 'STUCK', error_message = $4::text,
         status_history = e.status_history || jsonb_build_array(jsonb_build_object('from', 'PROCESSING', 'to', 'RETRYING', 'at', $5::text, 'reason', $4::text))
       from stuck where e.id = stuck.id and e.received_at = stuck.received_at
       returning e.id, e.workspace_id, e.integration_id, e.integration_type, e.received_at, e.is_test, e.status, e.error_code
     ),
     ${rollupMove('upd', { status: `'PROCESSING'`, errorCode: 'null' }, { status: 'status', errorCode: 'error_code' })}
     select id, workspace_id as "workspaceId", integration_id as "integrationId", integration_type as "integrationType" from upd`,
    [opts.olderThan.toISOString(), at, opts.limit, opts.reason, at],
  );
}

/** Nulls the payloads of up to `limit` events received before `cutoff`; returns how many. */
export async function expireEventPayloads(em: EntityManager, cutoff: Date, limit: number): Promise<number> {
  const rows = await queryRows<{ n: string }>(
    em,
    `with batch as (
       select id, received_at from event where payload_expired = false and received_at < $1::timestamptz
       order by received_at limit $2
       for update skip locked
     ), upd as (
       update event e set payload = null, payload_expired = true from batch where e.id = batch.id and e.received_at = batch.received_at returning 1
     )
     select count(*) as n from upd`,
    [cutoff.toISOString(), limit],
  );
  return Number(rows[0]?.n ?? 0);
}
