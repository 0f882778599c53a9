// The events of a worker that stopped renewing its leases (it died, or lost the database) go back to
// the queue as they were before the claim — RECEIVED for a first attempt, RETRYING otherwise, error
// code kept — due now; the attempt that never completed is given back, so no budget is lost to a crash.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { IntegrationType } from '../domain.ts';
import { queryRows } from '../raw-sql.ts';
import { EVENT_OPERATIONS, sqlStatuses } from './event-status.ts';
import { rollupMove } from '../rollup/rollup-rule.ts';

export interface ReleasedEvent {
  id: string;
  workspaceId: string;
  integrationId: string;
  integrationType: IntegrationType;
  status: 'RECEIVED' | 'RETRYING';
  errorCode: string | null;
}

export async function releaseExpiredLeases(
  em: EntityManager,
  opts: { now: Date; limit: number; reason: string },
): Promise<ReleasedEvent[]> {
  const at = opts.now.toISOString();
  return queryRows(
    em,
    `with expired as (
       select e.id, e.received_at from event e
       where e.status in ${sqlStatuses(EVENT_OPERATIONS.releaseLease.from)} and e.lease_expires_at < $1::timestamptz
       order by e.lease_expires_at
       limit $2
       for update skip locked
     ),
     upd as (
       update event e set
         status = case when e.attempt_count - e.retry_base <= 1 then 'RECEIVED' else 'RETRYING' end,
         attempt_count = e.attempt_count - 1,
         processing_started_at = null, lease_owner = null, lease_expires_at = null,
         next_attempt_at = $1::timestamptz, updated_at = $1::timestamptz,
         status_history = e.status_history || jsonb_build_array(jsonb_build_object(
           'from', 'PROCESSING', 'to', case when e.attempt_count - e.retry_base <= 1 then 'RECEIVED' else 'RETRYING' end,
           'at', $4::text, 'reason', $3::text))
       from expired where e.id = expired.id and e.received_at = expired.received_at
       returning e.id, e.workspace_id, e.integration_id, e.integration_type, e.received_at, e.is_test, e.status, e.error_code
     ),
     ${rollupMove('upd', { status: `'PROCESSING'`, errorCode: 'null' }, { status: 'status', errorCode: 'error_code' })}
     select id, workspace_id as "workspaceId", integration_id as "integrationId", integration_type as "integrationType",
            status, error_code as "errorCode" from upd`,
    [at, opts.limit, opts.reason, at],
  );
}
