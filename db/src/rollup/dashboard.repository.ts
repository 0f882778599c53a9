// Dashboard numbers (DESIGN.md "Dashboard semantics") from the hourly rollups.
//
// A range is half-open [from, to). The whole UTC hours inside it are read from event_rollup; when
// `from` or `to` is not on the hour, the partial edge hours are counted from raw events through the
// (workspace_id, received_at) index, so the numbers are exact for any range while a scan never
// covers more than two hours of events.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { EventStatus, IntegrationType } from '../domain.ts';
import { INTEGRATION_TYPES } from '../domain.ts';
import { BadInputError } from '../errors.ts';

const HOUR_MS = 3600_000;

export interface TimeRange {
  from: Date;
  to: Date;
}

/** Most buckets one trends call may return per type (e.g. 200 days hourly). */
export const MAX_TREND_BUCKETS = 5000;

export function assertRange(range: TimeRange): void {
  if (!(range.from instanceof Date) || Number.isNaN(range.from.getTime()) || Number.isNaN(range.to.getTime())) {
    throw new BadInputError('range.from and range.to must be valid date-times');
  }
  if (range.from.getTime() >= range.to.getTime()) throw new BadInputError('range.from must be before range.to');
}

/**
 * A piece of SQL with its positional (`?`) parameters. MikroORM's `execute` inlines parameters
 * (escaped) and expands an array into a list, so array filters are written `x in (?)` and only
 * with non-empty arrays.
 */
interface Sql {
  text: string;
  params: unknown[];
}

function q(text: string, ...params: unknown[]): Sql {
  return { text, params };
}

function join(parts: Sql[], sep: string): Sql {
  return { text: parts.map((p) => p.text).join(sep), params: parts.flatMap((p) => p.params) };
}

export interface FactFilter {
  types?: readonly IntegrationType[] | null;
  integrationIds?: readonly string[] | null;
  statuses?: readonly EventStatus[] | null;
}

/** Splits [from, to) into whole UTC hours (from the rollups) and partial edges (from raw events). */
export function splitRange({ from, to }: TimeRange): { hours: TimeRange | null; edges: TimeRange[] } {
  const hs = new Date(Math.ceil(from.getTime() / HOUR_MS) * HOUR_MS);
  const he = new Date(Math.floor(to.getTime() / HOUR_MS) * HOUR_MS);
  if (hs.getTime() >= he.getTime()) return { hours: null, edges: [{ from, to }] };
  const edges: TimeRange[] = [];
  if (from < hs) edges.push({ from, to: hs });
  if (he < to) edges.push({ from: he, to });
  return { hours: { from: hs, to: he }, edges };
}

/**
 * Rows (integration_type, integration_id, status, error_code, t, n, first_at, last_at) counting the
 * events received in [from, to): rollup rows for whole hours (t = the hour) and one row per raw
 * event in the edges (t = its receivedAt). error_code is '' when there is none, as in the rollups.
 */
function factsSql(workspaceId: string, range: TimeRange, f: FactFilter, period = ''): Sql {
  const { hours, edges } = splitRange(range);
  const extra = (prefix: string): Sql[] => {
    const out: Sql[] = [];
    if (f.types?.length) out.push(q(`${prefix}integration_type in (?)`, [...f.types]));
    if (f.integrationIds) out.push(q(`${prefix}integration_id in (?)`, [...f.integrationIds]));
    if (f.statuses?.length) out.push(q(`${prefix}status in (?)`, [...f.statuses]));
    return out;
  };
  const parts: Sql[] = [];
  if (hours) {
    parts.push(
      join(
        [
          q(
            `select ${period} integration_type, integration_id, status, error_code, hour as t, count as n, first_at, last_at from event_rollup where workspace_id = ?::uuid and hour >= ?::timestamptz and hour < ?::timestamptz and count > 0`,
            workspaceId,
            hours.from,
            hours.to,
          ),
          ...extra(''),
        ],
        ' and ',
      ),
    );
  }
  if (edges.length) {
    const edgeSql = join(
      edges.map((e) => q('(received_at >= ?::timestamptz and received_at < ?::timestamptz)', e.from, e.to)),
      ' or ',
    );
    parts.push(
      join(
        [
          q(
            `select ${period} integration_type, integration_id, status, coalesce(error_code, '') as error_code, received_at as t, 1 as n, received_at as first_at, received_at as last_at from event where workspace_id = ?::uuid`,
            workspaceId,
          ),
          { text: `(${edgeSql.text})`, params: edgeSql.params },
          ...extra(''),
        ],
        ' and ',
      ),
    );
  }
  return join(parts, ' union all ');
}

async function run<T>(em: EntityManager, sql: Sql): Promise<T[]> {
  return em.getConnection().execute<T[]>(sql.text, sql.params, 'all', em.getTransactionContext());
}

// ---- overview ----

export interface TypeSummary {
  type: IntegrationType;
  succeeded: number;
  failed: number;
  previousSucceeded: number;
  previousFailed: number;
  succeededChange: number | null;
  failedChange: number | null;
}

export interface OverviewNumbers {
  from: Date;
  to: Date;
  succeeded: number;
  failed: number;
  retrying: number;
  inFlight: number;
  byType: TypeSummary[];
}

/** (current − previous) / previous × 100; null when previous is 0. */
export function percentChange(current: number, previous: number): number | null {
  return previous === 0 ? null : ((current - previous) / previous) * 100;
}

export async function overview(em: EntityManager, workspaceId: string, range: TimeRange): Promise<OverviewNumbers> {
  assertRange(range);
  const len = range.to.getTime() - range.from.getTime();
  const previous = { from: new Date(range.from.getTime() - len), to: range.from };
  const facts = join(
    [factsSql(workspaceId, range, {}, `'c' as period,`), factsSql(workspaceId, previous, {}, `'p' as period,`)],
    ' union all ',
  );
  const rows = await run<{ period: 'c' | 'p'; integration_type: IntegrationType; status: EventStatus; n: string | number }>(em, {
    text: `select period, integration_type, status, sum(n) as n from (${facts.text}) f group by 1, 2, 3`,
    params: facts.params,
  });
  const byType = new Map(INTEGRATION_TYPES.map((t) => [t, { c: {} as Record<string, number>, p: {} as Record<string, number> }]));
  const total: Record<string, number> = {};
  for (const r of rows) {
    const n = Number(r.n);
    const slot = byType.get(r.integration_type);
    if (slot) slot[r.period][r.status] = (slot[r.period][r.status] ?? 0) + n;
    if (r.period === 'c') total[r.status] = (total[r.status] ?? 0) + n;
  }
  return {
    from: range.from,
    to: range.to,
    succeeded: total.DELIVERED ?? 0,
    failed: total.FAILED ?? 0,
    retrying: total.RETRYING ?? 0,
    inFlight: (total.RECEIVED ?? 0) + (total.PROCESSING ?? 0),
    byType: INTEGRATION_TYPES.map((type) => {
      const s = byType.get(type) as { c: Record<string, number>; p: Record<string, number> };
      const succeeded = s.c.DELIVERED ?? 0;
      const failed = s.c.FAILED ?? 0;
      const previousSucceeded = s.p.DELIVERED ?? 0;
      const previousFailed = s.p.FAILED ?? 0;
      return {
        type,
        succeeded,
        failed,
        previousSucceeded,
        previousFailed,
        succeededChange: percentChange(succeeded, previousSucceeded),
        failedChange: percentChange(failed, previousFailed),
      };
    }),
  };
}

// ---- failures by error code ----

export interface ErrorCodeTotal {
  code: string;
  count: number;
  share: number;
}

/** FAILED events grouped by their final error code, most frequent first; share is of all failures in the range. */
export async function failuresByErrorCode(
  em: EntityManager,
  workspaceId: string,
  range: TimeRange,
  filter: { types?: readonly IntegrationType[] | null; integrationId?: string | null } = {},
): Promise<ErrorCodeTotal[]> {
  assertRange(range);
  const facts = factsSql(workspaceId, range, {
    types: filter.types,
    integrationIds: filter.integrationId === undefined || filter.integrationId === null ? null : [filter.integrationId],
    statuses: ['FAILED'],
  });
  const rows = await run<{ error_code: string; n: string | number }>(em, {
    text: `select error_code, sum(n) as n from (${facts.text}) f group by 1 having sum(n) > 0 order by 2 desc, 1`,
    params: facts.params,
  });
  const all = rows.reduce((s, r) => s + Number(r.n), 0);
  return rows.map((r) => ({ code: r.error_code || 'UNKNOWN', count: Number(r.n), share: all === 0 ? 0 : Number(r.n) / all }));
}

// ---- trends ----

export type TimeBucket = 'HOUR' | 'DAY';

export interface TrendPoint {
  bucketStart: Date;
  succeeded: number;
  failed: number;
}

/**
 * One series per type with every bucket present (zeros included). HOUR buckets are UTC hours; DAY
 * buckets are days in the workspace's timezone (DST-aware: a local day may be 23 or 25 hours).
 * Rollup rows are hours in UTC and are placed in the day holding the hour's start. For zones whose
 * offset is a whole number of hours every UTC hour lies inside one local day, so this is exact; for
 * half-hour (or 45-minute) zones such as Asia/Kolkata, the hour straddling local midnight is counted
 * wholly in the day it starts in, so up to 30 (45) minutes of events can land in the neighbouring
 * day. Edge hours of a non-aligned range come from raw events and are always exact.
 */
export async function trends(
  em: EntityManager,
  workspaceId: string,
  range: TimeRange,
  bucket: TimeBucket,
  timezone: string,
  types: readonly IntegrationType[] | null | undefined,
): Promise<{ type: IntegrationType; points: TrendPoint[] }[]> {
  assertRange(range);
  const unit = bucket === 'HOUR' ? 'hour' : 'day';
  const tz = bucket === 'HOUR' ? 'UTC' : timezone;
  const approx = (range.to.getTime() - range.from.getTime()) / (bucket === 'HOUR' ? HOUR_MS : 24 * HOUR_MS);
  if (approx > MAX_TREND_BUCKETS) {
    throw new BadInputError(`The range holds about ${Math.ceil(approx)} ${unit} buckets; at most ${MAX_TREND_BUCKETS} are allowed`);
  }
  const wanted = types?.length ? [...new Set(types)] : [...INTEGRATION_TYPES];
  const buckets = await run<{ b: Date | string }>(
    em,
    q(
      `select (g at time zone ?) as b from generate_series(date_trunc(?, ?::timestamptz at time zone ?), ?::timestamptz at time zone ?, ?::interval) g
       where (g at time zone ?) < ?::timestamptz order by 1`,
      tz,
      unit,
      range.from,
      tz,
      range.to,
      tz,
      `1 ${unit}`,
      tz,
      range.to,
    ),
  );
  const facts = factsSql(workspaceId, range, { types: wanted, statuses: ['DELIVERED', 'FAILED'] });
  const rows = await run<{ integration_type: IntegrationType; b: Date | string; s: string | number; f: string | number }>(em, {
    text: `select integration_type, (date_trunc(?, t at time zone ?) at time zone ?) as b,
             sum(n) filter (where status = 'DELIVERED') as s, sum(n) filter (where status = 'FAILED') as f
           from (${facts.text}) x group by 1, 2`,
    params: [unit, tz, tz, ...facts.params],
  });
  const counts = new Map<string, { s: number; f: number }>();
  for (const r of rows) counts.set(`${r.integration_type}|${new Date(r.b).getTime()}`, { s: Number(r.s ?? 0), f: Number(r.f ?? 0) });
  const starts = buckets.map((b) => new Date(b.b));
  return wanted.map((type) => ({
    type,
    points: starts.map((bucketStart) => {
      const c = counts.get(`${type}|${bucketStart.getTime()}`);
      return { bucketStart, succeeded: c?.s ?? 0, failed: c?.f ?? 0 };
    }),
  }));
}

// ---- failure groups ----

export interface FailureGroupRow {
  integrationId: string;
  errorCode: string;
  totalErrors: number;
  firstSeenAt: Date;
  lastSeenAt: Date;
}

export interface FailureGroupKeyset {
  total: number;
  integrationId: string;
  errorCode: string;
}

/** FAILED events grouped by integration × error code, largest groups first; keyset-paged. */
export async function failureGroups(
  em: EntityManager,
  workspaceId: string,
  range: TimeRange,
  types: readonly IntegrationType[] | null | undefined,
  first: number,
  after: FailureGroupKeyset | null,
): Promise<{ items: FailureGroupRow[]; hasNextPage: boolean }> {
  assertRange(range);
  const facts = factsSql(workspaceId, range, { types, statuses: ['FAILED'] });
  const page = after
    ? q(
        `where total < ? or (total = ? and (integration_id, error_code) > (?::uuid, ?))`,
        after.total,
        after.total,
        after.integrationId,
        after.errorCode,
      )
    : q('');
  const rows = await run<{ integration_id: string; error_code: string; total: string | number; first_at: Date; last_at: Date }>(em, {
    text: `select * from (
             select integration_id, error_code, sum(n) as total, min(first_at) as first_at, max(last_at) as last_at
             from (${facts.text}) f group by 1, 2 having sum(n) > 0
           ) g ${page.text} order by total desc, integration_id, error_code limit ?`,
    params: [...facts.params, ...page.params, first + 1],
  });
  return {
    items: rows.slice(0, first).map((r) => ({
      integrationId: r.integration_id,
      errorCode: r.error_code || 'UNKNOWN',
      totalErrors: Number(r.total),
      firstSeenAt: new Date(r.first_at),
      lastSeenAt: new Date(r.last_at),
    })),
    hasNextPage: rows.length > first,
  };
}

// ---- health ----

export interface HealthCounts {
  delivered: number;
  failed: number;
  retrying: number;
}

/** Delivered / failed / retrying counts per integration for events received in the range (one query for many integrations). */
export async function healthCounts(
  em: EntityManager,
  workspaceId: string,
  integrationIds: readonly string[],
  range: TimeRange,
): Promise<Map<string, HealthCounts>> {
  assertRange(range);
  const out = new Map<string, HealthCounts>(integrationIds.map((id) => [id, { delivered: 0, failed: 0, retrying: 0 }]));
  if (integrationIds.length === 0) return out;
  const facts = factsSql(workspaceId, range, { integrationIds, statuses: ['DELIVERED', 'FAILED', 'RETRYING'] });
  const rows = await run<{ integration_id: string; status: EventStatus; n: string | number }>(em, {
    text: `select integration_id, status, sum(n) as n from (${facts.text}) f group by 1, 2`,
    params: facts.params,
  });
  for (const r of rows) {
    const h = out.get(r.integration_id);
    if (!h) continue;
    if (r.status === 'DELIVERED') h.delivered += Number(r.n);
    else if (r.status === 'FAILED') h.failed += Number(r.n);
    else if (r.status === 'RETRYING') h.retrying += Number(r.n);
  }
  return out;
}
