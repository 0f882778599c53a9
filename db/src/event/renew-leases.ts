// renew: a worker extends the leases of the events it is still working on (sending, or waiting to
// record). Only the queue row's expiry changes, a column no index holds: a heap-only update.
import type { EntityManager } from '@mikro-orm/postgresql';
import { queryRows } from '../raw-sql.ts';

/** Moves the expiry of `owner`'s leases on these events to `until`; returns how many it still holds. */
export async function renewLeases(em: EntityManager, owner: string, eventIds: readonly string[], until: Date): Promise<number> {
  if (eventIds.length === 0) return 0;
  const rows = await queryRows<{ n: number }>(
    em,
    `with renewed as (
       update event_queue set lease_expires_at = $3::timestamptz
       where event_id = any($1::uuid[]) and lease_owner = $2
       returning 1
     )
     select count(*)::int as n from renewed`,
    [[...eventIds].sort(), owner, until.toISOString()],
  );
  return rows[0]?.n ?? 0;
}
