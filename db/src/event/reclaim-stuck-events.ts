// reclaim: events whose lease is still live but whose claim is older than the stuck threshold (the
// worker holding them makes no progress) go back to the queue as RETRYING with code STUCK, due now,
// their history saying so; rollups moved; one statement.
import type { EntityManager } from '@mikro-orm/postgresql';
import { queryRows } from '../raw-sql.ts';
import { rollupMove } from '../rollup/rollup-rule.ts';
import { changeColumns, type EventChange } from './event-change.ts';
import { EVENT_OPERATIONS, sqlStatuses } from './event-status.ts';

export async function reclaimStuckEvents(
  em: EntityManager,
  opts: { olderThan: Date; now: Date; limit: number; reason: string },
): Promise<EventChange[]> {
  const at = opts.now.toISOString();
  return queryRows(
    em,
    `with stuck as (
       select q.event_id, q.received_at from event_queue q
       where q.lease_owner is not null and q.claimed_at < $1::timestamptz
       order by q.claimed_at
       limit $3
       for update skip locked
     ),
     requeued as (
       update event_queue q set lease_owner = null, lease_expires_at = null, claimed_at = null, due_at = $2::timestamptz, retrying = true
       from stuck where q.event_id = stuck.event_id
     ),
     upd as (
       update event e set
         status = 'RETRYING', processing_started_at = null,
         next_attempt_at = $2::timestamptz, updated_at = $2::timestamptz, error_code = 'STUCK', error_message = $4::text,
         status_history = e.status_history || jsonb_build_array(jsonb_build_object('from', 'PROCESSING', 'to', 'RETRYING', 'at', $5::text, 'reason', $4::text))
       from stuck where e.id = stuck.event_id and e.received_at = stuck.received_at and e.status in ${sqlStatuses(EVENT_OPERATIONS.reclaimStuck.from)}
       returning e.id, e.workspace_id, e.integration_id, e.integration_type, e.received_at, e.is_test, e.status, e.error_code
     ),
     ${rollupMove('upd', { status: `'PROCESSING'`, errorCode: 'null' }, { status: 'status', errorCode: 'error_code' })}
     select ${changeColumns({ status: `'RETRYING'`, previousStatus: `'PROCESSING'`, errorCode: `'STUCK'`, at: '$2::timestamptz' })} from upd`,
    [opts.olderThan.toISOString(), at, opts.limit, opts.reason, at],
  );
}
