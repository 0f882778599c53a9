// What the detectors read, per workspace and run: bounded index reads only — the integrations, each
// one's newest attempts and newest finished events (a LIMIT per integration through its own index),
// the hourly rollups of the last days, and the few events stuck past the threshold. Never a scan of
// raw events over a long range.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { EventStatus, IntegrationState, IntegrationType } from '../domain.ts';
import { pgDate } from '../raw-sql.ts';
import type { CircuitState, RateLimitSnapshot } from '../integration/integration.entity.ts';
import { queryRows } from '../raw-sql.ts';

export interface DetectorIntegration {
  id: string;
  name: string;
  type: IntegrationType;
  provider: string;
  state: IntegrationState;
  destinationUrl: string | null;
  lastRateLimit: RateLimitSnapshot | null;
  lastEventAt: Date | null;
  installedAt: Date;
  /** Delivery protection: OPEN/HALF_OPEN while the circuit breaker holds its deliveries; throttled until a destination's reset. */
  circuit?: CircuitState;
  throttledUntil?: Date | null;
}

export interface DetectorAttempt {
  integrationId: string;
  eventId: string;
  startedAt: Date;
  succeeded: boolean;
  errorCode: string | null;
}

export interface DetectorFinishedEvent {
  integrationId: string;
  eventId: string;
  status: EventStatus;
  errorCode: string | null;
  at: Date;
}

/** One rollup hour of one integration and error code ('' for events that are not failing). */
export interface DetectorRollupHour {
  integrationId: string;
  hour: Date;
  errorCode: string;
  /** FAILED + RETRYING events received in the hour. */
  failed: number;
  /** Every event received in the hour. */
  total: number;
}

export interface DetectorStuckEvent {
  integrationId: string;
  eventId: string;
  status: EventStatus;
  /** Claimed (PROCESSING) or due (RECEIVED / RETRYING) since. */
  since: Date;
}

export interface DetectorInputs {
  workspaceId: string;
  timezone: string;
  settings: Record<string, number> | null;
  integrations: DetectorIntegration[];
  /** Per integration, newest first; at most `attemptPage` each. */
  attempts: DetectorAttempt[];
  attemptPage: number;
  /** Per integration, newest first (DELIVERED or FAILED, among its newest events). */
  finished: DetectorFinishedEvent[];
  /**
   * For integrations whose newest attempts (a full page of them) all failed: when the last success
   * before them was (null: none since `recentSince`) — so a long outage at a high rate is still seen
   * as one run, however many failures it holds.
   */
  lastSuccess: Array<{ integrationId: string; at: Date | null }>;
  rollups: DetectorRollupHour[];
  stuck: DetectorStuckEvent[];
}

export interface DetectorReadOptions {
  now: Date;
  /** Attempts and finished events no older than this. */
  recentSince: Date;
  attemptsPerIntegration: number;
  finishedPerIntegration: number;
  /** Rollup hours from here on. */
  rollupSince: Date;
  /** PROCESSING or due for longer than this is stuck. */
  stuckBefore: Date;
}

const ts = (v: string | Date) => pgDate(v);

/** Workspaces that have at least one integration (the only ones with anything to detect). */
export async function findWorkspacesToWatch(em: EntityManager): Promise<string[]> {
  const rows = await queryRows<{ id: string }>(
    em,
    `select w.id from workspace w where exists (select 1 from integration i where i.workspace_id = w.id)`,
  );
  return rows.map((r) => r.id);
}

export async function readDetectorInputs(em: EntityManager, workspaceId: string, o: DetectorReadOptions): Promise<DetectorInputs> {
  const [ws] = await queryRows<{ timezone: string; insight_settings: Record<string, number> | null }>(
    em,
    `select timezone, insight_settings from workspace where id = $1`,
    [workspaceId],
  );
  const integrations = (
    await queryRows<DetectorIntegration & { lastEventAt: string | null; installedAt: string; throttledUntil: string | null }>(
      em,
      `select id, name, type, provider, state, destination_url as "destinationUrl", last_rate_limit as "lastRateLimit",
              last_event_at as "lastEventAt", installed_at as "installedAt", circuit, throttled_until as "throttledUntil"
       from integration where workspace_id = $1 and state <> 'DISCONNECTED' order by id`,
      [workspaceId],
    )
  ).map((i) => ({
    ...i,
    lastEventAt: i.lastEventAt ? ts(i.lastEventAt) : null,
    installedAt: ts(i.installedAt),
    throttledUntil: i.throttledUntil ? ts(i.throttledUntil) : null,
  }));
  const ids = integrations.map((i) => i.id);
  if (ids.length === 0) {
    return {
      workspaceId,
      timezone: ws?.timezone ?? 'UTC',
      settings: ws?.insight_settings ?? null,
      integrations,
      attempts: [],
      attemptPage: o.attemptsPerIntegration,
      finished: [],
      lastSuccess: [],
      rollups: [],
      stuck: [],
    };
  }
  const attempts = await queryRows<DetectorAttempt & { startedAt: string }>(
    em,
    `select a.integration_id as "integrationId", a.event_id as "eventId", a.started_at as "startedAt", a.succeeded, a.error_code as "errorCode"
     from unnest($1::uuid[]) as g(id)
     cross join lateral (
       select integration_id, event_id, started_at, succeeded, error_code from delivery_attempt
       where integration_id = g.id and started_at > $2 order by started_at desc, id desc limit $3
     ) a`,
    [ids, o.recentSince.toISOString(), o.attemptsPerIntegration],
  );
  // The newest events whatever their status, filtered here: a status filter in SQL turned the index
  // walk into a bitmap scan of the whole day (2 s at 1 M events).
  const newest = await queryRows<DetectorFinishedEvent & { at: string }>(
    em,
    `select e.integration_id as "integrationId", e.id as "eventId", e.status, e.error_code as "errorCode", e.updated_at as at
     from unnest($1::uuid[]) as g(id)
     cross join lateral (
       select integration_id, id, status, error_code, updated_at from event
       where integration_id = g.id and received_at > $2
       order by received_at desc, id desc limit $3
     ) e`,
    [ids, o.recentSince.toISOString(), o.finishedPerIntegration],
  );
  const finished = newest.filter((e) => e.status === 'DELIVERED' || e.status === 'FAILED');
  const attemptsBy = new Map<string, { n: number; failed: number }>();
  for (const a of attempts) {
    const c = attemptsBy.get(a.integrationId) ?? { n: 0, failed: 0 };
    c.n++;
    if (!a.succeeded) c.failed++;
    attemptsBy.set(a.integrationId, c);
  }
  const allFailed = [...attemptsBy].filter(([, c]) => c.n >= o.attemptsPerIntegration && c.failed === c.n).map(([id]) => id);
  const lastSuccess =
    allFailed.length === 0
      ? []
      : await queryRows<{ integrationId: string; at: string | null }>(
          em,
          `select g.id as "integrationId", (
             select started_at from delivery_attempt
             where integration_id = g.id and started_at > $2 and succeeded order by started_at desc, id desc limit 1) as at
           from unnest($1::uuid[]) as g(id)`,
          [allFailed, o.recentSince.toISOString()],
        );
  const rollups = await queryRows<DetectorRollupHour & { hour: string }>(
    em,
    `select integration_id as "integrationId", hour, error_code as "errorCode",
            (sum(count) filter (where status in ('FAILED', 'RETRYING')))::int as failed, sum(count)::int as total
     from event_rollup where workspace_id = $1 and hour >= $2
     group by integration_id, hour, error_code`,
    [workspaceId, o.rollupSince.toISOString()],
  );
  const stuck = await queryRows<DetectorStuckEvent & { since: string }>(
    em,
    // From the queue: leased rows claimed long ago (a live lease making no progress), and due rows nobody claims.
    `(select q.integration_id as "integrationId", q.event_id as "eventId", 'PROCESSING' as status, q.claimed_at as since
      from event_queue q join integration i on i.id = q.integration_id
      where q.lease_owner is not null and q.claimed_at < $2 and i.workspace_id = $3 limit 100)
     union all
     (select d.integration_id, d.event_id, case when d.retrying then 'RETRYING' else 'RECEIVED' end, d.due_at from unnest($1::uuid[]) as g(id)
      cross join lateral (
        select integration_id, event_id, retrying, due_at from event_queue
        where integration_id = g.id and lease_owner is null and due_at < $2
        order by due_at limit 20
      ) d)`,
    [integrations.filter((i) => i.state === 'ACTIVE').map((i) => i.id), o.stuckBefore.toISOString(), workspaceId],
  );
  return {
    workspaceId,
    timezone: ws?.timezone ?? 'UTC',
    settings: ws?.insight_settings ?? null,
    integrations,
    attempts: attempts.map((a) => ({ ...a, startedAt: ts(a.startedAt) })),
    attemptPage: o.attemptsPerIntegration,
    finished: finished.map((f) => ({ ...f, at: ts(f.at) })),
    lastSuccess: lastSuccess.map((l) => ({ integrationId: l.integrationId, at: l.at ? ts(l.at) : null })),
    rollups: rollups.map((r) => ({ ...r, hour: ts(r.hour), failed: r.failed ?? 0 })),
    stuck: stuck.map((s) => ({ ...s, since: ts(s.since) })),
  };
}
