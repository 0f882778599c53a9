// Delivery protection state kept on the integration row, so every worker process sees the same:
// a destination's "quota spent" (throttled_until), the static rate limit's pacing (rate_tat), and the
// attempts a wait must not charge to an event's retry budget.
import type { EntityManager } from '@mikro-orm/postgresql';
import { queryRows } from '../raw-sql.ts';
import type { RatePeriod } from './integration.entity.ts';

/** The claim's condition on an integration (alias `i`): nothing is taken from it while it is throttled. */
export function deliverableNow(alias: string, now: string): string {
  return `(${alias}.throttled_until is null or ${alias}.throttled_until <= ${now})`;
}

/** No worker claims this integration's events before `until` (only ever moves later). */
export async function throttleIntegration(em: EntityManager, integrationId: string, until: Date): Promise<void> {
  await queryRows(
    em,
    `update integration set throttled_until = $2::timestamptz
     where id = $1 and (throttled_until is null or throttled_until < $2::timestamptz)`,
    [integrationId, until.toISOString()],
  );
}

export const RATE_PERIOD_MS: Record<RatePeriod, number> = { SECOND: 1000, MINUTE: 60_000 };

/**
 * The static limit, paced evenly (GCRA without a burst): each send reserves the next free slot, one
 * interval (period / limit) after the previous one, whichever worker process sends. A slot further
 * than `maxWaitMs` away is not reserved: the caller puts the event back, due then, and the integration
 * is throttled until shortly before it so no worker claims more of its events meanwhile.
 */
export async function reserveSendSlot(
  em: EntityManager,
  integrationId: string,
  limit: number,
  period: RatePeriod,
  maxWaitMs: number,
  now = new Date(),
): Promise<{ at: Date; reserved: boolean }> {
  const intervalMs = RATE_PERIOD_MS[period] / limit;
  const rows = await queryRows<{ slot: Date | string; reserved: boolean }>(
    em,
    `with cur as (
       select id, greatest(coalesce(rate_tat, $2::timestamptz), $2::timestamptz) as slot from integration where id = $1 for update
     ),
     upd as (
       update integration i set
         rate_tat = cur.slot + $3 * interval '1 millisecond',
         -- reservations running ahead of the wait bound: stop claiming this integration's events until they catch up
         throttled_until = case when cur.slot + $3 * interval '1 millisecond' > $2::timestamptz + $4 * interval '1 millisecond'
                                then greatest(i.throttled_until, cur.slot + $3 * interval '1 millisecond' - $4 * interval '1 millisecond')
                                else i.throttled_until end
       from cur where i.id = cur.id and cur.slot <= $2::timestamptz + $4 * interval '1 millisecond'
       returning 1
     )
     select cur.slot, exists (select 1 from upd) as reserved from cur`,
    [integrationId, now.toISOString(), intervalMs, maxWaitMs],
  );
  const row = rows[0];
  if (!row) return { at: now, reserved: true };
  return { at: new Date(row.slot), reserved: row.reserved };
}

/**
 * Gives back what a wait must not cost: `unsent` events were claimed (counted) but put back without a
 * request, so their attempt count returns to what it was; `free` events were sent and answered "quota
 * spent" (429 / Retry-After): the attempt is recorded and keeps its number, but is not charged to the
 * retry budget (the cycle's base moves with it).
 */
export async function refundAttempts(em: EntityManager, unsent: readonly string[], free: readonly string[]): Promise<void> {
  if (unsent.length === 0 && free.length === 0) return;
  await queryRows(
    em,
    `update event set
       attempt_count = attempt_count - case when id = any($1::uuid[]) then 1 else 0 end,
       retry_base = retry_base + case when id = any($2::uuid[]) then 1 else 0 end
     where id = any($1::uuid[]) or id = any($2::uuid[])`,
    [[...unsent], [...free]],
  );
}
