// Delivery protection state kept on the integration row, so every worker process sees the same:
// a destination's "quota spent" (throttled_until), the static rate limit's pacing (rate_tat), and the
// attempts a wait must not charge to an event's retry budget.
import type { EntityManager } from '@mikro-orm/postgresql';
import { queryRows } from '../raw-sql.ts';
import type { CircuitState, RatePeriod } from './integration.entity.ts';

/**
 * The claim's condition on an integration (alias `i`): nothing is taken from it while it is throttled,
 * nor while its circuit is open — except the one probe event of an integration in `probes`.
 */
export function deliverableNow(alias: string, now: string, probes: string): string {
  return `(${alias}.throttled_until is null or ${alias}.throttled_until <= ${now})
         and (${alias}.circuit = 'CLOSED' or ${alias}.id = any(${probes}))`;
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
export interface RefundedEvent {
  id: string;
  /** The event's partition key: the update touches one day partition, not every one. */
  receivedAt: Date;
}

export async function refundAttempts(em: EntityManager, unsent: readonly RefundedEvent[], free: readonly RefundedEvent[]): Promise<void> {
  if (unsent.length === 0 && free.length === 0) return;
  const rows = [...unsent.map((e) => ({ ...e, unsent: 1, free: 0 })), ...free.map((e) => ({ ...e, unsent: 0, free: 1 }))];
  await queryRows(
    em,
    `update event e set attempt_count = e.attempt_count - r.unsent, retry_base = e.retry_base + r.free
     from (select id, received_at, sum(unsent)::int as unsent, sum(free)::int as free
           from unnest($1::uuid[], $2::timestamptz[], $3::int[], $4::int[]) as t(id, received_at, unsent, free) group by 1, 2) r
     where e.id = r.id and e.received_at = r.received_at and e.status = 'PROCESSING'`,
    [rows.map((r) => r.id), rows.map((r) => r.receivedAt.toISOString()), rows.map((r) => r.unsent), rows.map((r) => r.free)],
  );
}

/**
 * How many due events the claim may take from one integration (alias `i`): the claim's own bound, one for
 * a circuit being probed, and never past the integration's cap on deliveries in flight (its
 * max_in_flight, else the worker's default) minus what this worker already has in flight for it.
 */
export function claimRoom(alias: string, limit: string, defaultCap: string, inFlight: string): string {
  return `greatest(0, least(
           case when ${alias}.circuit = 'CLOSED' then ${limit} else 1 end,
           coalesce(${alias}.max_in_flight, ${defaultCap}) - coalesce((${inFlight} ->> ${alias}.id::text)::int, 0)))`;
}

export interface CircuitOutcome {
  integrationId: string;
  /** The destination answered (a success, or a status that is not 5xx/408/429) since the batch's last down failure. */
  reset: boolean;
  /** The first network/5xx failure after the batch's last answer (null: none). */
  downSince: Date | null;
  /** How many network/5xx failures follow the batch's last answer. */
  failures: number;
}

export interface CircuitSettings {
  now: Date;
  /** Open after every attempt has failed with network/5xx codes for this long … */
  windowMs: number;
  /** … and at least this many in a row. */
  minFailures: number;
  /** Probe backoff: base × 2^(failed probes), at most max. */
  probeBaseMs: number;
  probeMaxMs: number;
}

export interface CircuitChange {
  id: string;
  workspaceId: string;
  from: CircuitState;
  to: CircuitState;
  /** Held events made due by this batch's closings (all integrations together). */
  released: number;
}

/**
 * Moves the circuit breakers of a batch's integrations (after its outcomes are recorded): a run of
 * network/5xx failures lasting the window (and at least minFailures long) opens a CLOSED circuit; a
 * failed probe re-opens a HALF_OPEN one with the next backoff; any answer closes it and makes the events
 * it held due at once, in the order received. Returns the changes.
 */
export async function updateCircuits(em: EntityManager, outcomes: readonly CircuitOutcome[], o: CircuitSettings): Promise<CircuitChange[]> {
  if (outcomes.length === 0) return [];
  const sorted = [...outcomes].sort((a, b) => (a.integrationId < b.integrationId ? -1 : 1));
  return queryRows<CircuitChange>(
    em,
    `with t as (
       select * from unnest($1::uuid[], $2::bool[], $3::timestamptz[], $9::int[]) as t(id, reset, down_since, failures)
     ),
     cur as (
       select i.id, i.workspace_id, i.circuit as old, i.circuit_probes as probes, i.consecutive_failures,
              -- A run no longer than this batch's failures began in it: an older failing_since is stale (a success
              -- recorded by a process that did not report it here reset the counter).
              case when t.reset or i.consecutive_failures <= t.failures then t.down_since
                   else coalesce(i.failing_since, t.down_since) end as failing_since
       from integration i join t on t.id = i.id
       order by i.id
       for update of i
     ),
     nxt as (
       select cur.*, case
           when cur.failing_since is null then 'CLOSED'
           when cur.old = 'CLOSED' and cur.failing_since <= $4::timestamptz - $5 * interval '1 millisecond'
                and cur.consecutive_failures >= $6 then 'OPEN'
           when cur.old = 'HALF_OPEN' then 'OPEN'
           else cur.old end as new
       from cur
     ),
     upd as (
       update integration i set
       failing_since = nxt.failing_since,
       circuit = nxt.new,
       circuit_opened_at = case when nxt.new = 'CLOSED' then null when nxt.old = 'CLOSED' then $4::timestamptz else i.circuit_opened_at end,
       circuit_probes = case when nxt.new = 'CLOSED' then 0 when nxt.old = 'HALF_OPEN' and nxt.new = 'OPEN' then i.circuit_probes + 1 else i.circuit_probes end,
       circuit_probe_at = case
           when nxt.new = 'CLOSED' then null
           when nxt.new = 'OPEN' and nxt.old <> 'OPEN'
             then $4::timestamptz + least($8::float8, $7::float8 * power(2, case when nxt.old = 'HALF_OPEN' then nxt.probes + 1 else 0 end)) * interval '1 millisecond'
           else i.circuit_probe_at end
     from nxt where i.id = nxt.id
     returning i.id, i.workspace_id, nxt.old, nxt.new
     ),
     -- Closing releases the held events in the same statement, so no claim sees the circuit closed
     -- before they are due: at their received time, i.e. in the order received.
     released as (
       update event_queue q set due_at = q.received_at
       from upd
       where upd.new = 'CLOSED' and upd.old <> 'CLOSED' and q.integration_id = upd.id
         and q.lease_owner is null and q.retrying and q.due_at > q.received_at
       returning q.event_id, q.received_at
     ),
     -- The events say when they are next attempted: now, as their queue rows.
     released_events as (
       update event e set next_attempt_at = e.received_at
       from released where e.id = released.event_id and e.received_at = released.received_at
     )
     select id, workspace_id as "workspaceId", old as "from", new as "to", (select count(*) from released)::int as released from upd`,
    [
      sorted.map((x) => x.integrationId),
      sorted.map((x) => x.reset),
      sorted.map((x) => x.downSince?.toISOString() ?? null),
      o.now.toISOString(),
      o.windowMs,
      o.minFailures,
      o.probeBaseMs,
      o.probeMaxMs,
      sorted.map((x) => x.failures),
    ],
  ).then((rows) => rows.filter((r) => r.from !== r.to));
}

/**
 * Open circuits whose probe is due move to HALF_OPEN (one worker wins each); the caller claims one event
 * of each as the probe. A HALF_OPEN circuit whose prober vanished (its probe time plus `staleMs` passed)
 * is taken over.
 */
export async function startProbes(em: EntityManager, now: Date, staleMs: number): Promise<string[]> {
  const rows = await queryRows<{ id: string }>(
    em,
    `update integration set circuit = 'HALF_OPEN', circuit_probe_at = $1::timestamptz + $2 * interval '1 millisecond'
     where id in (
       select id from integration
       where circuit in ('OPEN', 'HALF_OPEN') and circuit_probe_at <= $1::timestamptz and state = 'ACTIVE'
       order by id for update skip locked
     )
     returning id`,
    [now.toISOString(), staleMs],
  );
  return rows.map((r) => r.id);
}

/** A probe found nothing to send: back to OPEN, to look again after `retryMs`. */
export async function abandonProbes(em: EntityManager, integrationIds: readonly string[], now: Date, retryMs: number): Promise<void> {
  if (integrationIds.length === 0) return;
  await queryRows(
    em,
    `update integration set circuit = 'OPEN', circuit_probe_at = $2::timestamptz + $3 * interval '1 millisecond'
     where id = any($1::uuid[]) and circuit = 'HALF_OPEN'`,
    [[...integrationIds], now.toISOString(), retryMs],
  );
}
