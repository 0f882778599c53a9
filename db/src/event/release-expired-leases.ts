// expire: the events of a worker that stopped renewing its leases (it died, or lost the database) go
// back to the queue as they were before the claim — RECEIVED for a first attempt, RETRYING otherwise,
// error code kept — due now; the attempt that never completed is given back, so no budget is lost to a crash.
import type { EntityManager } from '@mikro-orm/postgresql';
import { queryRows } from '../raw-sql.ts';
import { rollupMove } from '../rollup/rollup-rule.ts';
import { changeColumns, type EventChange } from './event-change.ts';
import { EVENT_OPERATIONS, sqlStatuses } from './event-status.ts';

export async function releaseExpiredLeases(em: EntityManager, opts: { now: Date; limit: number; reason: string }): Promise<EventChange[]> {
  const at = opts.now.toISOString();
  return queryRows(
    em,
    // Leased rows are few (what is in flight): event_queue_leased_idx holds only them.
    `with expired as (
       select q.event_id, q.received_at from event_queue q
       where q.lease_owner is not null and q.lease_expires_at < $1::timestamptz
       order by q.lease_expires_at
       limit $2
       for update skip locked
     ),
     upd as (
       update event e set
         status = case when e.attempt_count - e.retry_base <= 1 then 'RECEIVED' else 'RETRYING' end,
         attempt_count = e.attempt_count - 1,
         processing_started_at = null,
         next_attempt_at = $1::timestamptz, updated_at = $1::timestamptz,
         status_history = e.status_history || jsonb_build_array(jsonb_build_object(
           'from', 'PROCESSING', 'to', case when e.attempt_count - e.retry_base <= 1 then 'RECEIVED' else 'RETRYING' end,
           'at', $4::text, 'reason', $3::text))
       from expired where e.id = expired.event_id and e.received_at = expired.received_at
         and e.status in ${sqlStatuses(EVENT_OPERATIONS.releaseLease.from)}
       returning e.id, e.workspace_id, e.integration_id, e.integration_type, e.received_at, e.is_test, e.status, e.error_code
     ),
     -- Every expired lease is settled, so none is swept again and again: the events moved back are queued
     -- due now; a lease whose event is no longer PROCESSING (the queue and the record disagree) is dropped
     -- if the event still waits to be sent, and the row removed if it is final or gone.
     waiting as (
       select expired.event_id from expired
       join event e on e.id = expired.event_id and e.received_at = expired.received_at
       where e.status in ${sqlStatuses(EVENT_OPERATIONS.claim.from)}
     ),
     requeued as (
       update event_queue q set lease_owner = null, lease_expires_at = null, claimed_at = null, due_at = $1::timestamptz,
                                retrying = coalesce(upd.status = 'RETRYING', q.retrying)
       from expired left join upd on upd.id = expired.event_id
       where q.event_id = expired.event_id and (upd.id is not null or expired.event_id in (select event_id from waiting))
     ),
     settled as (
       delete from event_queue q using expired
       where q.event_id = expired.event_id and not exists (select 1 from upd where upd.id = q.event_id)
         and q.event_id not in (select event_id from waiting)
     ),
     ${rollupMove('upd', { status: `'PROCESSING'`, errorCode: 'null' }, { status: 'status', errorCode: 'error_code' })}
     select ${changeColumns({ status: 'status', previousStatus: `'PROCESSING'`, errorCode: 'error_code', at: '$1::timestamptz' })} from upd`,
    [at, opts.limit, opts.reason, at],
  );
}
