// The event log: filters and keyset pages over (received_at, id), served by event_log_idx /
// event_integration_log_idx; never OFFSET, so every page costs the same however deep it is.
import type { EntityManager } from '@mikro-orm/postgresql';
import { DeliveryAttempt } from '../delivery-attempt/delivery-attempt.entity.ts';
import type { EventStatus, IntegrationType } from '../domain.ts';
import { Event } from './event.entity.ts';
import { parseEventSearch } from './event-search.ts';
import { REPLAYABLE_STATUSES } from './event-status.ts';

export interface EventFilter {
  /** Row id (already decoded and known to belong to the workspace, or a value that matches nothing). */
  integrationId?: string | null;
  types?: readonly IntegrationType[] | null;
  statuses?: readonly EventStatus[] | null;
  eventTypes?: readonly string[] | null;
  errorCodes?: readonly string[] | null;
  range?: { from: Date; to: Date } | null;
  /** Event types starting with this (e.g. `order.` for order.created, order.paid). */
  eventTypePrefix?: string | null;
  /** HTTP status of the event's last attempt (events with no attempt never match). */
  httpStatuses?: readonly number[] | null;
  /** HTTP method of the event's last attempt. */
  methods?: readonly string[] | null;
  /** See parseEventSearch: an event id, a trace id (any case), an idempotency key or record id, or `key = value` inside payloads. */
  search?: string | null;
}

export type EventOrder = 'RECEIVED_AT_DESC' | 'RECEIVED_AT_ASC';

export interface EventKeyset {
  /** Exact (microsecond) UTC timestamp as PostgreSQL stores it: a JS Date would round it to milliseconds. */
  receivedAt: string;
  id: string;
}

interface Where {
  sql: string[];
  params: unknown[];
}

function filterSql(workspaceId: string, f: EventFilter): Where {
  const w: Where = { sql: ['e.workspace_id = ?'], params: [workspaceId] };
  const add = (sql: string, ...params: unknown[]) => {
    w.sql.push(sql);
    w.params.push(...params);
  };
  if (f.integrationId) add('e.integration_id = ?', f.integrationId);
  if (f.types?.length) add('e.integration_type in (?)', [...f.types]);
  if (f.statuses?.length) {
    add('e.status in (?)', [...f.statuses]);
    // Failing events always carry a code: said here, the planner can use event_failing_log_idx.
    if (f.statuses.every((s) => s === 'FAILED' || s === 'RETRYING')) add('e.error_code is not null');
  }
  if (f.eventTypes?.length) add('e.event_type in (?)', [...f.eventTypes]);
  if (f.errorCodes?.length) add('e.error_code in (?)', [...f.errorCodes]);
  if (f.range) add('e.received_at >= ? and e.received_at < ?', f.range.from, f.range.to);
  const prefix = f.eventTypePrefix?.trim();
  // left(…) = prefix rather than LIKE: no escaping of % and _ in event types.
  if (prefix) add('left(e.event_type, ?) = ?', prefix.length, prefix);
  // The last attempt through delivery_attempt_event_idx (event_id, attempt_number): one index probe per event.
  const lastAttempt = (column: string) =>
    `(select a.${column} from delivery_attempt a where a.event_id = e.id order by a.attempt_number desc limit 1)`;
  if (f.httpStatuses?.length) add(`${lastAttempt('response_status')} in (?)`, [...f.httpStatuses]);
  if (f.methods?.length)
    add(
      `${lastAttempt('request_method')} in (?)`,
      f.methods.map((m) => m.toUpperCase()),
    );
  const search = parseEventSearch(f.search);
  if (search?.kind === 'id') add('e.id = ?', search.id);
  else if (search?.kind === 'payload') add('e.payload @> ?::jsonb', JSON.stringify(search.contains));
  else if (search)
    add(
      '(e.trace_id = ? or e.idempotency_key = ? or e.source_record_id = ? or e.destination_record_id = ?)',
      search.traceId,
      search.value,
      search.value,
      search.value,
    );
  return w;
}

/** Every column but the payload (lazy, possibly large, loaded per page only when asked for). */
const LOG_COLUMNS = [
  'id',
  'workspace_id',
  'integration_id',
  'integration_type',
  'event_type',
  'status',
  'source',
  'source_record_id',
  'destination_record_id',
  'idempotency_key',
  'trace_id',
  'is_test',
  'received_at',
  'updated_at',
  'delivered_at',
  'attempt_count',
  'next_attempt_at',
  'processing_started_at',
  'error_code',
  'error_message',
  'payload_expired',
  'status_history',
]
  .map((c) => `e.${c}`)
  .join(', ');

/**
 * One page of the log. Reads `first + 1` rows to know whether another page follows. Rows are
 * hydrated into the request's identity map (em.map), so resolvers see ordinary entities.
 */
export async function listEvents(
  em: EntityManager,
  workspaceId: string,
  filter: EventFilter,
  order: EventOrder,
  first: number,
  after: EventKeyset | null,
): Promise<{ items: Array<{ event: Event; key: EventKeyset }>; hasNextPage: boolean }> {
  const w = filterSql(workspaceId, filter);
  const desc = order === 'RECEIVED_AT_DESC';
  if (after) {
    w.sql.push(`(e.received_at, e.id) ${desc ? '<' : '>'} (?::timestamptz, ?::uuid)`);
    w.params.push(after.receivedAt, after.id);
  }
  const dir = desc ? 'desc' : 'asc';
  const rows = await em
    .getConnection()
    .execute<Record<string, unknown>[]>(
      `select ${LOG_COLUMNS}, to_char(e.received_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as cursor_at from event e where ${w.sql.join(' and ')} order by e.received_at ${dir}, e.id ${dir} limit ?`,
      [...w.params, first + 1],
      'all',
    );
  const items = rows.slice(0, first).map(({ cursor_at, ...r }) => {
    const event = em.map(Event, r as never);
    return { event, key: { receivedAt: cursor_at as string, id: event.id } };
  });
  return { items, hasNextPage: rows.length > first };
}

/** Most events the log counts for its total; past it the log says "more than". */
export const MAX_LOG_COUNT = 10_000;

/** How many events match, counted no further than `cap` (so a broad filter costs at most `cap` rows). */
export async function countEvents(em: EntityManager, workspaceId: string, filter: EventFilter, cap: number): Promise<number> {
  const w = filterSql(workspaceId, filter);
  const [row] = await em
    .getConnection()
    .execute<{ n: number }[]>(
      `select count(*)::int as n from (select 1 from event e where ${w.sql.join(' and ')} limit ?) capped`,
      [...w.params, cap],
      'all',
    );
  return row?.n ?? 0;
}

export interface LastAttemptSummary {
  eventId: string;
  attemptNumber: number;
  method: string;
  url: string;
  statusCode: number | null;
  errorCode: string | null;
  startedAt: Date;
}

/** The last attempt of each event, without headers and bodies (the log shows a page of them at once). */
export async function lastAttemptsOfEvents(em: EntityManager, eventIds: readonly string[]): Promise<Map<string, LastAttemptSummary>> {
  if (eventIds.length === 0) return new Map();
  const rows = await em.getConnection().execute<Record<string, unknown>[]>(
    `select distinct on (event_id) event_id, attempt_number, request_method, request_url, response_status, error_code, started_at
     from delivery_attempt where event_id in (?) order by event_id, attempt_number desc`,
    [[...eventIds]],
    'all',
  );
  return new Map(
    rows.map((r) => [
      r.event_id as string,
      {
        eventId: r.event_id as string,
        attemptNumber: r.attempt_number as number,
        method: r.request_method as string,
        url: r.request_url as string,
        statusCode: (r.response_status as number | null) ?? null,
        errorCode: (r.error_code as string | null) ?? null,
        startedAt: new Date(r.started_at as string),
      },
    ]),
  );
}

/** The event with this row id in this workspace, or null. */
export function findEvent(em: EntityManager, workspaceId: string, id: string): Promise<Event | null> {
  return em.findOne(Event, { id, workspace: workspaceId });
}

/** Most events one `replayEvents` call re-opens; a larger match is refused with a clear message. */
export const MAX_REPLAY = 10_000;

/**
 * The filter's conditions plus "replayable": what replayEvents takes and replayPreview counts. An event
 * whose payload has expired has nothing left to send, so it is not replayable (re-opening it would only
 * fail at once and overwrite the outcome it really had); `expired` selects those instead, to count them.
 */
function replayableWhere(workspaceId: string, filter: EventFilter, expired = false): ReturnType<typeof filterSql> {
  const w = filterSql(workspaceId, filter);
  w.sql.push('e.status in (?)');
  w.params.push([...REPLAYABLE_STATUSES]);
  w.sql.push(expired ? 'e.payload_expired' : 'not e.payload_expired');
  return w;
}

/** Ids of replayable (DELIVERED/FAILED) events matching the filter, oldest first, at most `limit`. */
export async function replayableEventIds(em: EntityManager, workspaceId: string, filter: EventFilter, limit: number): Promise<string[]> {
  const w = replayableWhere(workspaceId, filter);
  const rows = await em
    .getConnection()
    .execute<{ id: string }[]>(
      `select e.id from event e where ${w.sql.join(' and ')} order by e.received_at, e.id limit ?`,
      [...w.params, limit],
      'all',
    );
  return rows.map((r) => r.id);
}

/**
 * How many replayable events match, counted no further than `cap` (so a broad filter costs at most `cap`
 * rows); with `expired`, how many DELIVERED/FAILED events match but are left out because their payload expired.
 */
export async function countReplayableEvents(
  em: EntityManager,
  workspaceId: string,
  filter: EventFilter,
  cap: number,
  expired = false,
): Promise<number> {
  const w = replayableWhere(workspaceId, filter, expired);
  const [row] = await em
    .getConnection()
    .execute<{ n: number }[]>(
      `select count(*)::int as n from (select 1 from event e where ${w.sql.join(' and ')} limit ?) capped`,
      [...w.params, cap],
      'all',
    );
  return row?.n ?? 0;
}

/** Every attempt of these events, in attempt order (one query for a whole page). */
export function attemptsOfEvents(em: EntityManager, eventIds: readonly string[]): Promise<DeliveryAttempt[]> {
  return em.find(DeliveryAttempt, { event: { $in: [...eventIds] } }, { orderBy: { event: 'asc', attemptNumber: 'asc' } });
}

/** Payloads are lazy on the entity; the log's `payload` field loads them for a page at once. */
export async function payloadsOfEvents(em: EntityManager, eventIds: readonly string[]): Promise<Map<string, unknown>> {
  const rows = await em
    .getConnection()
    .execute<{ id: string; payload: unknown }[]>('select id, payload from event where id in (?)', [[...eventIds]], 'all');
  return new Map(rows.map((r) => [r.id, r.payload]));
}

export interface AttemptLogRow {
  id: string;
  eventType: string;
  succeeded: boolean;
  requestBody: string | null;
  responseStatus: number | null;
  responseBody: string | null;
  durationMs: number | null;
  startedAt: Date;
}

/** A page of an integration's delivery attempts by start time (the REST logs shape pages by number). */
export async function attemptLogPage(
  em: EntityManager,
  integrationId: string,
  opts: { limit: number; offset: number; ascending: boolean },
): Promise<{ rows: AttemptLogRow[]; total: number }> {
  const dir = opts.ascending ? 'asc' : 'desc';
  const conn = em.getConnection();
  const [rows, count] = await Promise.all([
    conn.execute<Record<string, unknown>[]>(
      `select id, event_type, succeeded, request_body, response_status, response_body, duration_ms, started_at from delivery_attempt
       where integration_id = ? order by started_at ${dir}, id ${dir} limit ? offset ?`,
      [integrationId, opts.limit, opts.offset],
      'all',
    ),
    conn.execute<{ n: string | number }[]>('select count(*) as n from delivery_attempt where integration_id = ?', [integrationId], 'all'),
  ]);
  return {
    rows: rows.map((r) => ({
      id: r.id as string,
      eventType: r.event_type as string,
      succeeded: r.succeeded as boolean,
      requestBody: (r.request_body as string | null) ?? null,
      responseStatus: (r.response_status as number | null) ?? null,
      responseBody: (r.response_body as string | null) ?? null,
      durationMs: (r.duration_ms as number | null) ?? null,
      startedAt: new Date(r.started_at as string),
    })),
    total: Number(count[0]?.n ?? 0),
  };
}
