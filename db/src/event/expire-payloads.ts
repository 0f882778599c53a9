// Payload retention (shorter than the events'): the payloads of old events are nulled in batches.
import type { EntityManager } from '@mikro-orm/postgresql';
import { queryRows } from '../raw-sql.ts';

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
