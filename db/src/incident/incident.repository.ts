// Incidents: each statement here is the only place that moves an incident from one state to the
// next. Opening goes through the partial unique key (one unresolved incident per workspace ×
// subject × kind × error code), so detectors in several processes never open the same one twice.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { IncidentKind, IncidentSeverity, IncidentState } from '../domain.ts';
import { BadInputError, InvalidTransitionError, NotFoundError } from '../errors.ts';
import { newId } from '../ids.ts';
import { queryRows } from '../raw-sql.ts';
import { Incident } from './incident.entity.ts';
import { type IncidentAction, type IncidentChange, nextIncidentState } from './incident-state.ts';

export const INCIDENT_SAMPLE_SIZE = 20;

/** What a detector found this run: the incident's key, its texts, and the failing events behind it. */
export interface IncidentDetection {
  workspaceId: string;
  kind: IncidentKind;
  /** The integration's id, or `host:<name>` for a destination several integrations share. */
  subject: string;
  errorCode: string | null;
  integrationId: string | null;
  integrationIds: string[];
  severity: IncidentSeverity;
  title: string;
  summary: string;
  likelyCause: string | null;
  /** Failing events seen this run, newest first (ids and when they failed). */
  evidence: Array<{ eventId: string; at: Date }>;
  /** Failures behind it when they come from rollups (no event ids): the count is at least this. */
  eventTotal?: number;
}

/** The key of an unresolved incident, as a string (detections and stored rows compare by it). */
export function incidentKey(i: { subject: string; kind: string; errorCode: string | null }): string {
  return `${i.subject}\u0000${i.kind}\u0000${i.errorCode ?? ''}`;
}

export interface IncidentTouch {
  id: string;
  workspaceId: string;
  state: IncidentState;
  integrationIds: string[];
  /** What this statement did: a new incident, a mute that ended with the condition still there, or an update. */
  change: 'opened' | 'reopened' | 'updated';
  /** The recorded change (for opened and reopened). */
  record: IncidentChange | null;
}

/**
 * Opens the incident, or updates the unresolved one with the same key: lastSeenAt, texts, the events
 * newer than the ones already counted, the newest samples. A MUTED incident whose mute has ended
 * goes back to OPEN (recorded). One statement: concurrent callers serialize on the unique key.
 */
export async function upsertIncident(em: EntityManager, d: IncidentDetection, now: Date): Promise<IncidentTouch> {
  const at = now.toISOString();
  const opened: IncidentChange = { from: null, to: 'OPEN', at, actor: 'system', note: null };
  const reopened: IncidentChange = { from: 'MUTED', to: 'OPEN', at, actor: 'system', note: 'mute ended and the condition still holds' };
  const evidence = [...d.evidence].sort((a, b) => b.at.getTime() - a.at.getTime());
  const evidenceAt = evidence[0]?.at.toISOString() ?? null;
  const [row] = await queryRows<{ id: string; state: IncidentState; inserted: boolean; reopened: boolean; integration_ids: string[] }>(
    em,
    `insert into incident as i (id, workspace_id, kind, state, severity, subject, error_code, integration_id, integration_ids, title,
                              summary, likely_cause, opened_at, last_seen_at, event_count, sample_event_ids, evidence_at, history)
     values ($1, $2, $3, 'OPEN', $4, $5, $6, $7, $8::uuid[], $9, $10, $11, $12, $12, $13, $14::uuid[], $15, $16::jsonb)
     on conflict (workspace_id, subject, kind, error_code) where state <> 'RESOLVED' do update set
       last_seen_at = greatest(i.last_seen_at, excluded.last_seen_at),
       severity = excluded.severity,
       title = excluded.title,
       summary = excluded.summary,
       likely_cause = excluded.likely_cause,
       integration_ids = excluded.integration_ids,
       event_count = case when $20::int is not null then greatest(i.event_count, $20::int)
         else i.event_count + (select count(*) from unnest($17::timestamptz[]) a where i.evidence_at is null or a > i.evidence_at)::int end,
       evidence_at = greatest(i.evidence_at, excluded.evidence_at),
       sample_event_ids = array(
         select distinct s from unnest(excluded.sample_event_ids || i.sample_event_ids) s order by s desc limit ${INCIDENT_SAMPLE_SIZE}),
       state = case when i.state = 'MUTED' and i.muted_until <= $12 then 'OPEN' else i.state end,
       muted_until = case when i.state = 'MUTED' and i.muted_until <= $12 then null else i.muted_until end,
       history = case when i.state = 'MUTED' and i.muted_until <= $12 then i.history || $18::jsonb else i.history end
     returning i.id, i.state, i.integration_ids, (xmax = 0) as inserted,
       (i.history -> -1 ->> 'at' = $19 and i.history -> -1 ->> 'from' = 'MUTED') as reopened`,
    [
      newId(),
      d.workspaceId,
      d.kind,
      d.severity,
      d.subject,
      d.errorCode ?? '',
      d.integrationId,
      d.integrationIds,
      d.title,
      d.summary,
      d.likelyCause,
      at,
      d.eventTotal ?? evidence.length,
      evidence.slice(0, INCIDENT_SAMPLE_SIZE).map((e) => e.eventId),
      evidenceAt,
      JSON.stringify([opened]),
      evidence.map((e) => e.at.toISOString()),
      JSON.stringify([reopened]),
      at,
      d.eventTotal ?? null,
    ],
  );
  if (!row) throw new Error('incident upsert returned nothing');
  const change = row.inserted ? 'opened' : row.reopened ? 'reopened' : 'updated';
  return {
    id: row.id,
    workspaceId: d.workspaceId,
    state: row.state,
    integrationIds: row.integration_ids,
    change,
    record: change === 'opened' ? opened : change === 'reopened' ? reopened : null,
  };
}

export interface UnresolvedIncident {
  id: string;
  kind: IncidentKind;
  state: IncidentState;
  subject: string;
  errorCode: string;
  integrationIds: string[];
  lastSeenAt: Date;
  mutedUntil: Date | null;
}

/** A workspace's incidents that are not RESOLVED (few: one per key). */
export async function findUnresolvedIncidents(em: EntityManager, workspaceId: string): Promise<UnresolvedIncident[]> {
  const rows = await queryRows<UnresolvedIncident & { lastSeenAt: string | Date; mutedUntil: string | Date | null }>(
    em,
    `select id, kind, state, subject, error_code as "errorCode", integration_ids as "integrationIds", last_seen_at as "lastSeenAt",
            muted_until as "mutedUntil"
     from incident where workspace_id = $1 and state <> 'RESOLVED'`,
    [workspaceId],
  );
  return rows.map((r) => ({ ...r, lastSeenAt: new Date(r.lastSeenAt), mutedUntil: r.mutedUntil ? new Date(r.mutedUntil) : null }));
}

export interface IncidentMove {
  id: string;
  workspaceId: string;
  integrationIds: string[];
  record: IncidentChange;
}

/** Resolves these incidents by the system (those already resolved are left alone: another process got there first). */
export async function resolveIncidentsBySystem(
  em: EntityManager,
  ids: readonly string[],
  note: string,
  now: Date,
): Promise<IncidentMove[]> {
  if (ids.length === 0) return [];
  const at = now.toISOString();
  const rows = await queryRows<{ id: string; workspace_id: string; integration_ids: string[]; record: IncidentChange }>(
    em,
    `update incident i set state = 'RESOLVED', resolved_at = $2, muted_until = null,
       history = i.history || jsonb_build_array(jsonb_build_object('from', i.state, 'to', 'RESOLVED', 'at', $3::text, 'actor', 'system', 'note', $4::text))
     where i.id = any($1::uuid[]) and i.state <> 'RESOLVED'
     returning i.id, i.workspace_id, i.integration_ids, i.history -> -1 as record`,
    [ids, at, at, note],
  );
  return rows.map((r) => ({ id: r.id, workspaceId: r.workspace_id, integrationIds: r.integration_ids, record: r.record }));
}

/**
 * An operator's acknowledge / resolve / mute. The state machine decides; the update only applies
 * if the row is still in the state it was read in (a detector may have moved it meanwhile).
 */
export async function applyIncidentAction(
  em: EntityManager,
  workspaceId: string,
  id: string,
  action: Exclude<IncidentAction, 'unmute'>,
  actor: string,
  note: string | null,
  opts: { until?: Date; now?: Date } = {},
): Promise<IncidentMove> {
  const now = opts.now ?? new Date();
  if (note !== null && note.length > 1000) throw new BadInputError('note must be at most 1000 characters', { field: 'note' });
  if (action === 'mute' && (!opts.until || opts.until.getTime() <= now.getTime()))
    throw new BadInputError('until must be in the future', { field: 'until' });
  for (let attempt = 0; attempt < 3; attempt++) {
    const current = await em.fork().findOne(Incident, { id, workspace: workspaceId });
    if (!current) throw new NotFoundError('Incident', id);
    const to = nextIncidentState(action, current.state);
    const record: IncidentChange = { from: current.state, to, at: now.toISOString(), actor, note };
    const rows = await queryRows<{ id: string; integration_ids: string[] }>(
      em,
      `update incident set state = $3::text, history = history || $4::jsonb,
         muted_until = $5::timestamptz, resolved_at = case when $3::text = 'RESOLVED' then $6::timestamptz else resolved_at end
       where id = $1 and workspace_id = $2 and state = $7::text
       returning id, integration_ids`,
      [
        id,
        workspaceId,
        to,
        JSON.stringify([record]),
        action === 'mute' ? opts.until?.toISOString() : null,
        now.toISOString(),
        current.state,
      ],
    );
    const row = rows[0];
    if (row) return { id: row.id, workspaceId, integrationIds: row.integration_ids, record };
  }
  throw new InvalidTransitionError('incident', action, 'a state that keeps changing', action);
}

export function findIncident(em: EntityManager, workspaceId: string, id: string): Promise<Incident | null> {
  return em.findOne(Incident, { id, workspace: workspaceId });
}

export interface IncidentListFilter {
  states?: readonly IncidentState[] | null;
  kinds?: readonly IncidentKind[] | null;
  /** Row id; matches the incident's one integration or any of several. */
  integrationId?: string | null;
  /** Incidents open at any time within [from, to). */
  range?: { from: Date; to: Date } | null;
}

function listWhere(workspaceId: string, f: IncidentListFilter | null | undefined): { sql: string; params: unknown[] } {
  const params: unknown[] = [workspaceId];
  const where = ['workspace_id = $1'];
  if (f?.states?.length) {
    params.push(f.states);
    where.push(`state = any($${params.length}::text[])`);
  }
  if (f?.kinds?.length) {
    params.push(f.kinds);
    where.push(`kind = any($${params.length}::text[])`);
  }
  if (f?.integrationId) {
    params.push(f.integrationId);
    where.push(`$${params.length}::uuid = any(integration_ids)`);
  }
  if (f?.range) {
    params.push(f.range.to.toISOString(), f.range.from.toISOString());
    where.push(`opened_at < $${params.length - 1} and (resolved_at is null or resolved_at >= $${params.length})`);
  }
  return { sql: where.join(' and '), params };
}

/** Newest first, keyset-paginated on (openedAt, id). */
export async function listIncidents(
  em: EntityManager,
  workspaceId: string,
  filter: IncidentListFilter | null | undefined,
  after: { openedAt: string; id: string } | null,
  limit: number,
): Promise<Incident[]> {
  const w = listWhere(workspaceId, filter);
  const params = [...w.params];
  let sql = w.sql;
  if (after) {
    params.push(after.openedAt, after.id);
    sql += ` and (opened_at, id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`;
  }
  params.push(limit);
  const ids = await queryRows<{ id: string }>(
    em,
    `select id from incident where ${sql} order by opened_at desc, id desc limit $${params.length}`,
    params,
  );
  if (ids.length === 0) return [];
  const rows = await em.find(Incident, { id: { $in: ids.map((r) => r.id) } });
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.map((r) => byId.get(r.id)).filter((r): r is Incident => r !== undefined);
}

export async function countIncidents(
  em: EntityManager,
  workspaceId: string,
  filter: IncidentListFilter | null | undefined,
): Promise<number> {
  const w = listWhere(workspaceId, filter);
  const [row] = await queryRows<{ n: number }>(em, `select count(*)::int as n from incident where ${w.sql}`, w.params);
  return row?.n ?? 0;
}

/** Unresolved incidents by kind, every workspace (the open-incidents gauge). */
export async function countUnresolvedIncidentsByKind(em: EntityManager): Promise<Array<{ kind: IncidentKind; n: number }>> {
  return queryRows(em, `select kind, count(*)::int as n from incident where state <> 'RESOLVED' group by kind`);
}

/** Retention: resolved incidents older than the cutoff go, like events. */
export async function deleteResolvedIncidentsBefore(em: EntityManager, cutoff: Date): Promise<number> {
  const rows = await queryRows<{ id: string }>(em, `delete from incident where resolved_at < $1 returning id`, [cutoff.toISOString()]);
  return rows.length;
}
