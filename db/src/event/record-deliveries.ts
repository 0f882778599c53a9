// record outcome: a batch of finished deliveries in ONE statement (one round trip, one commit, locks
// held only while it runs): the attempts inserted, the integrations' counters moved, each event moved
// out of PROCESSING with its rollups, and its queue row removed (DELIVERED, FAILED) or made due again
// at its next attempt (RETRYING). A delivered first attempt changes no indexed column of `event`, so
// its update is heap-only.
import type { EntityManager } from '@mikro-orm/postgresql';
import {
  attemptsInsert,
  type IntegrationOutcome,
  type NewDeliveryAttempt,
  outcomesUpdate,
} from '../delivery-attempt/delivery-attempt.repository.ts';
import type { IntegrationState } from '../domain.ts';
import { queryRows } from '../raw-sql.ts';
import { rollupMove } from '../rollup/rollup-rule.ts';
import { changeColumns, type EventChange } from './event-change.ts';
import { EVENT_OPERATIONS, type EventStatusChange, sqlStatuses } from './event-status.ts';

export interface EventCompletion {
  id: string;
  /** The claim this completes: an event reclaimed meanwhile (stuck, or its lease expired) is no longer ours and is left alone. */
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

/** The completion CTEs (`input` … `roll_up`, the changed rows in `upd`), parameters numbered from `$first`. */
function completionsUpdate(completions: readonly EventCompletion[], first: number): { sql: string; params: unknown[] } {
  const sorted = [...completions].sort((a, b) => (a.id < b.id ? -1 : 1));
  const p = (i: number) => `$${first + i}`;
  return {
    sql: `input as (
       select * from unnest(${p(0)}::uuid[], ${p(1)}::timestamptz[], ${p(2)}::text[], ${p(3)}::timestamptz[], ${p(4)}::text[], ${p(5)}::text[], ${p(6)}::text[], ${p(7)}::timestamptz[], ${p(8)}::jsonb[], ${p(9)}::timestamptz[])
         as t(id, claimed_at, status, next_attempt_at, error_code, error_message, destination_record_id, at, change, received_at)
     ),
     upd as (
       update event e set
         status = t.status, updated_at = t.at, processing_started_at = null,
         next_attempt_at = t.next_attempt_at,
         -- errorCode/errorMessage describe the event's current failure: a delivered event has none (its
         -- attempts keep every earlier error), so the log never shows a Delivered event with a code. A
         -- failing event always has one (the failing log's index is keyed on it).
         error_code = case when t.status = 'DELIVERED' then null else coalesce(t.error_code, '804') end,
         error_message = case when t.status = 'DELIVERED' then null else t.error_message end,
         destination_record_id = coalesce(t.destination_record_id, e.destination_record_id),
         delivered_at = case when t.status = 'DELIVERED' then t.at else e.delivered_at end,
         status_history = e.status_history || jsonb_build_array(t.change)
       from input t
       where e.id = t.id and e.received_at = t.received_at and e.status in ${sqlStatuses(EVENT_OPERATIONS.record.from)} and e.processing_started_at = t.claimed_at
       returning e.id, e.workspace_id, e.integration_id, e.integration_type, e.received_at, e.status, e.error_code, e.is_test,
                 e.next_attempt_at, t.at
     ),
     dequeued as (
       delete from event_queue q using upd where q.event_id = upd.id and upd.status <> 'RETRYING'
     ),
     requeued as (
       update event_queue q set due_at = coalesce(upd.next_attempt_at, upd.at), retrying = true, lease_owner = null, lease_expires_at = null, claimed_at = null
       from upd where q.event_id = upd.id and upd.status = 'RETRYING'
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

export interface IntegrationCounters {
  id: string;
  workspaceId: string;
  state: IntegrationState;
  consecutiveAuthFailures: number;
}

/**
 * Returns the events' changes (an event taken back meanwhile is left alone and not among them) and the
 * integrations' new auth-failure counts (the caller moves an integration to ERROR past its threshold).
 */
export async function recordDeliveries(
  em: EntityManager,
  batch: { attempts: readonly NewDeliveryAttempt[]; completions: readonly EventCompletion[]; outcomes: readonly IntegrationOutcome[] },
): Promise<{ completed: EventChange[]; counters: IntegrationCounters[] }> {
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
      ? `select 'event' as kind, ${changeColumns({ status: 'status::text', previousStatus: `'PROCESSING'`, errorCode: 'error_code::text', at: 'at' })},
                null::text as state, null::int as "consecutiveAuthFailures" from upd`
      : null,
    hasOutcomes
      ? `select 'integration' as kind, id as "eventId", workspace_id as "workspaceId", null::uuid as "integrationId", null::text as "integrationType",
                null::text as status, null::text as "previousStatus", null::text as "errorCode", null::text as at,
                state::text as state, consecutive_auth_failures as "consecutiveAuthFailures" from counters`
      : null,
  ].filter((x): x is string => x !== null);
  const rows = await queryRows<EventChange & { kind: 'event' | 'integration'; state: IntegrationState; consecutiveAuthFailures: number }>(
    em,
    `with ${parts.join(',\n     ')}
     ${selects.length ? selects.join('\n     union all\n     ') : 'select null as kind where false'}`,
    params,
    { prepared: true },
  );
  const completed: EventChange[] = [];
  const counters: IntegrationCounters[] = [];
  for (const { kind, state, consecutiveAuthFailures, ...r } of rows) {
    if (kind === 'event') completed.push(r);
    else counters.push({ id: r.eventId, workspaceId: r.workspaceId, state, consecutiveAuthFailures });
  }
  return { completed, counters };
}
