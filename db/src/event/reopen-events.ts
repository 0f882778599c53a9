// reopen (replay): DELIVERED/FAILED events (payload not expired) of one workspace start a new attempt
// cycle — RECEIVED, queued and due now, history kept, last error cleared — with their rollups, in one statement.
import type { EntityManager } from '@mikro-orm/postgresql';
import { queryRows } from '../raw-sql.ts';
import { rollupMove } from '../rollup/rollup-rule.ts';
import { changeColumns, type EventChange } from './event-change.ts';
import { EVENT_OPERATIONS, sqlStatuses } from './event-status.ts';

export async function reopenEvents(
  em: EntityManager,
  workspaceId: string,
  eventIds: readonly string[],
  reason: string,
  now: Date,
): Promise<EventChange[]> {
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
     queued as (
       insert into event_queue (event_id, received_at, integration_id, due_at)
       select id, received_at, integration_id, $3::timestamptz from upd
       on conflict (event_id) do update set due_at = excluded.due_at, retrying = false, lease_owner = null, lease_expires_at = null, claimed_at = null
     ),
     ${rollupMove('upd', { status: 'old_status', errorCode: 'old_code' }, { status: `'RECEIVED'`, errorCode: 'null' })}
     select ${changeColumns({ status: `'RECEIVED'`, previousStatus: 'old_status', errorCode: 'null', at: '$3::timestamptz' })} from upd`,
    [workspaceId, eventIds, at, at, reason],
  );
}
