// claim: leases due events to a worker. The lease is taken on the narrow queue row (owner, expiry,
// claim time); the event row moves to PROCESSING (a heap-only update: no index of `event` covers a
// column it changes) and the rollups move, all in one statement.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { EventStatus, IntegrationType, TriggerSource } from '../domain.ts';
import { claimRoom, deliverableNow } from '../integration/delivery-protection.repository.ts';
import { pgDate, queryRows } from '../raw-sql.ts';
import { rollupMove } from '../rollup/rollup-rule.ts';
import type { EventChange } from './event-change.ts';
import { EVENT_OPERATIONS, sqlStatuses } from './event-status.ts';

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
  /** The move this claim made (→ PROCESSING), as the live bus announces it. */
  change: EventChange;
}

/**
 * Claims up to `limit` due events of ACTIVE integrations (held otherwise) in due order — received
 * order for new events. `FOR UPDATE SKIP LOCKED` on the queue rows lets several workers share the
 * queue without ever claiming the same event.
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
  const rows = await queryRows<Omit<ClaimedEvent, 'receivedAt' | 'claimedAt' | 'change'> & { receivedAt: string }>(
    em,
    // Candidates first, without locks: each ACTIVE integration's earliest due queue rows through
    // event_queue_due_idx (an ordered index scan per integration, so the cost is the rows taken, never
    // the backlog), merged in due order. Then the earliest of those nobody else holds are locked (another
    // worker skips them). Twice the limit in candidates leaves room for rows a concurrent worker has just locked.
    `with candidate as (
       select d.event_id, d.due_at, d.received_at
       from integration i
       cross join lateral (
         select q.event_id, q.due_at, q.received_at
         from event_queue q
         where q.integration_id = i.id and q.lease_owner is null and q.due_at <= $1::timestamptz
           and (not $11::bool or not q.retrying)
         order by q.due_at, q.received_at
         limit ${claimRoom('i', '$5', '$9::int', '$10::jsonb')}
       ) d
       where i.state = 'ACTIVE' and not (i.id = any($3::uuid[])) and ${deliverableNow('i', '$1::timestamptz', '$8::uuid[]')}
       order by d.due_at, d.received_at
       limit $5
     ),
     -- By primary key (= any(array(…))): a join here let the planner scan the whole queue.
     due as (
       select q.event_id
       from event_queue q
       where q.event_id = any(array(select event_id from candidate)) and q.lease_owner is null and q.due_at <= $1::timestamptz
       order by q.due_at, q.received_at
       limit $2
       for update of q skip locked
     ),
     leased as (
       update event_queue q set lease_owner = $6::text, lease_expires_at = $7::timestamptz, claimed_at = $1::timestamptz
       where q.event_id = any(array(select event_id from due))
       returning q.event_id, q.received_at
     ),
     prior as (
       select e.id, e.received_at, e.status as old_status, e.error_code as old_code
       from event e join leased l on e.id = l.event_id and e.received_at = l.received_at
       where e.status in ${sqlStatuses(EVENT_OPERATIONS.claim.from)}
     ),
     upd as (
       update event e set
         status = 'PROCESSING', processing_started_at = $1::timestamptz, updated_at = $1::timestamptz,
         attempt_count = e.attempt_count + 1,
         status_history = e.status_history || jsonb_build_array(jsonb_build_object('from', prior.old_status, 'to', 'PROCESSING', 'at', $4::text, 'reason', null))
       from prior where e.id = prior.id and e.received_at = prior.received_at
       returning e.id, e.workspace_id, e.integration_id, e.integration_type, e.event_type, e.source, e.trace_id, e.is_test,
                 e.received_at, e.attempt_count, e.retry_base, e.payload, e.payload_expired, prior.old_status, prior.old_code
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
    { prepared: true },
  );
  return rows.map((r) => ({
    ...r,
    receivedAt: pgDate(r.receivedAt),
    claimedAt: opts.now,
    change: {
      workspaceId: r.workspaceId,
      eventId: r.id,
      integrationId: r.integrationId,
      integrationType: r.integrationType,
      status: 'PROCESSING',
      previousStatus: r.previousStatus,
      errorCode: null,
      at,
    },
  }));
}
