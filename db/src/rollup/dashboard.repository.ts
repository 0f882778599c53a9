// Dashboard numbers (DESIGN.md "Dashboard semantics") from the hourly rollups: event_rollup where the
// error code matters (failures by code, failure groups), event_status_rollup where it does not (trends,
// overview, health: a fifth of the rows).
//
// A range is half-open [from, to). The whole UTC hours inside it are read from event_rollup; when
// `from` or `to` is not on the hour, the partial edge hours are counted from raw events through the
// (workspace_id, received_at) index, so the numbers are exact for any range while a scan never
// covers more than two hours of events. Test events (isTest) are in neither: dashboards count real traffic.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { EventStatus, IntegrationType } from '../domain.ts';
import { INTEGRATION_TYPES } from '../domain.ts';
import { BadInputError } from '../errors.ts';
import { pgDate, queryRows } from '../raw-sql.ts';

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
 * A piece of SQL with its positional (`?`) parameters, numbered `$1…$n` when it runs (`run`); an array
 * is one parameter, so array filters are written `x = any(?)`.
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
  /**
   * The reader needs no error code, first_at or last_at, and only adds `n` up: whole hours come from
   * event_status_rollup, a fifth of the rows (error_code is then always '', first_at/last_at the hour),
   * and edge hours may be read by `countingPlan` (rows with n = -1) within the buckets `oneBucket` says.
   */
  byStatusOnly?: boolean;
  oneBucket?: (hourStart: Date) => boolean;
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
 * For readers that only add counts up: like `splitRange`, but a partial edge hour is read as the whole
 * hour from the rollup minus its events outside the range (`minus`) whenever that is the shorter span of
 * raw events — a range ending now reads its last hour from the rollup less the events received since
 * (next to none) instead of up to an hour of events. Only where the whole hour lands in one bucket of
 * the reader (`oneBucket`), so the subtraction stays in the bucket it corrects.
 */
export function countingPlan(
  range: TimeRange,
  oneBucket: (hourStart: Date) => boolean,
): { hours: TimeRange | null; plus: TimeRange[]; minus: TimeRange[] } {
  const { hours, edges } = splitRange(range);
  if (!hours) return { hours: null, plus: edges, minus: [] };
  const whole = { from: hours.from, to: hours.to };
  const plus: TimeRange[] = [];
  const minus: TimeRange[] = [];
  if (range.from < hours.from) {
    const start = new Date(hours.from.getTime() - HOUR_MS);
    if (hours.from.getTime() - range.from.getTime() > range.from.getTime() - start.getTime() && oneBucket(start)) {
      whole.from = start;
      minus.push({ from: start, to: range.from });
    } else plus.push({ from: range.from, to: hours.from });
  }
  if (hours.to < range.to) {
    const end = new Date(hours.to.getTime() + HOUR_MS);
    if (range.to.getTime() - hours.to.getTime() > end.getTime() - range.to.getTime() && oneBucket(hours.to)) {
      whole.to = end;
      minus.push({ from: range.to, to: end });
    } else plus.push({ from: hours.to, to: range.to });
  }
  return { hours: whole, plus, minus };
}

/** Whether an hour starting at `hourStart` lies inside one local day of `timezone`. */
export function hourInOneDay(timezone: string): (hourStart: Date) => boolean {
  const day = new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' });
  return (h) => day.format(h) === day.format(new Date(h.getTime() + HOUR_MS - 1));
}

/**
 * Rows (integration_type, integration_id, status, error_code, t, n, first_at, last_at) counting the
 * events received in [from, to): rollup rows for whole hours (t = the hour) and one row per raw
 * event in the edges (t = its receivedAt). error_code is '' when there is none, as in the rollups.
 */
function factsSql(workspaceId: string, range: TimeRange, f: FactFilter, period = ''): Sql {
  const split = splitRange(range);
  const plan = f.byStatusOnly ? countingPlan(range, f.oneBucket ?? (() => true)) : { hours: split.hours, plus: split.edges, minus: [] };
  const { hours, plus: edges, minus } = plan;
  const extra = (prefix: string): Sql[] => {
    const out: Sql[] = [];
    if (f.types?.length) out.push(q(`${prefix}integration_type = any(?)`, [...f.types]));
    if (f.integrationIds) out.push(q(`${prefix}integration_id = any(?::uuid[])`, [...f.integrationIds]));
    if (f.statuses?.length) out.push(q(`${prefix}status = any(?)`, [...f.statuses]));
    return out;
  };
  const parts: Sql[] = [];
  if (hours) {
    parts.push(
      join(
        [
          q(
            f.byStatusOnly
              ? `select ${period} integration_type, integration_id, status, ''::varchar as error_code, hour as t, count as n, hour as first_at, hour as last_at from event_status_rollup where workspace_id = ?::uuid and hour >= ?::timestamptz and hour < ?::timestamptz and count > 0`
              : `select ${period} integration_type, integration_id, status, error_code, hour as t, count as n, first_at, last_at from event_rollup where workspace_id = ?::uuid and hour >= ?::timestamptz and hour < ?::timestamptz and count > 0`,
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
  const raw = (spans: TimeRange[], n: 1 | -1) => {
    if (spans.length === 0) return;
    const spanSql = join(
      spans.map((e) => q('(received_at >= ?::timestamptz and received_at < ?::timestamptz)', e.from, e.to)),
      ' or ',
    );
    parts.push(
      join(
        [
          q(
            `select ${period} integration_type, integration_id, status, coalesce(error_code, '') as error_code, received_at as t, ${n} as n, received_at as first_at, received_at as last_at from event where workspace_id = ?::uuid and not is_test`,
            workspaceId,
          ),
          { text: `(${spanSql.text})`, params: spanSql.params },
          ...extra(''),
        ],
        ' and ',
      ),
    );
  };
  raw(edges, 1);
  raw(minus, -1);
  return join(parts, ' union all ');
}

/**
 * Runs a dashboard statement with bound parameters as a prepared statement. With the values inlined
 * (MikroORM's `execute`), PostgreSQL planned every call again, pruning the event table's day partitions
 * for the edge hours at plan time; prepared, a statement of the same shape reuses its plan and prunes
 * partitions when it runs.
 */
async function run<T>(em: EntityManager, sql: Sql): Promise<T[]> {
  let n = 0;
  const text = sql.text.replace(/\?/g, () => `$${++n}`);
  if (n !== sql.params.length) throw new Error(`dashboard SQL has ${n} placeholders for ${sql.params.length} parameters`);
  return queryRows<T>(em, text, sql.params, { prepared: true });
}

// ---- overview ----

export interface TypeSummary {
  type: IntegrationType;
  succeeded: number;
  failed: number;
  retrying: number;
  previousSucceeded: number;
  previousFailed: number;
  previousRetrying: number;
  succeededChange: number | null;
  failedChange: number | null;
  /** FAILED + RETRYING: every event whose last attempt failed, final or not. */
  failing: number;
  previousFailing: number;
  failingChange: number | null;
}

export interface OverviewNumbers {
  from: Date;
  to: Date;
  succeeded: number;
  failed: number;
  retrying: number;
  /** RECEIVED or PROCESSING events of integrations that deliver now (ACTIVE). */
  inFlight: number;
  /** RECEIVED or PROCESSING events of integrations whose deliveries are stopped (PAUSED, ERROR, DISCONNECTED). */
  held: number;
  successRate: number | null;
  byType: TypeSummary[];
}

/** (current − previous) / previous × 100; null when previous is 0. */
export function percentChange(current: number, previous: number): number | null {
  return previous === 0 ? null : ((current - previous) / previous) * 100;
}

/**
 * delivered / (delivered + failed + retrying): of the events that were attempted and are not in flight,
 * the share delivered. A retrying event has failed at least once and is not delivered yet, so it counts
 * against the rate (with 12 retrying and nothing FAILED the rate is not 100%). Null when all are 0.
 */
export function successRateOf(c: { delivered: number; failed: number; retrying: number }): number | null {
  const attempted = c.delivered + c.failed + c.retrying;
  return attempted === 0 ? null : c.delivered / attempted;
}

export async function overview(em: EntityManager, workspaceId: string, range: TimeRange): Promise<OverviewNumbers> {
  assertRange(range);
  const len = range.to.getTime() - range.from.getTime();
  const previous = { from: new Date(range.from.getTime() - len), to: range.from };
  const facts = join(
    [
      factsSql(workspaceId, range, { byStatusOnly: true }, `'c' as period,`),
      factsSql(workspaceId, previous, { byStatusOnly: true }, `'p' as period,`),
    ],
    ' union all ',
  );
  const rows = await run<{ period: 'c' | 'p'; integration_type: IntegrationType; status: EventStatus; held: boolean; n: string | number }>(
    em,
    {
      text: `select f.period, f.integration_type, f.status, coalesce(i.state <> 'ACTIVE', false) as held, sum(f.n) as n
             from (${facts.text}) f left join integration i on i.id = f.integration_id group by 1, 2, 3, 4`,
      params: facts.params,
    },
  );
  const byType = new Map(INTEGRATION_TYPES.map((t) => [t, { c: {} as Record<string, number>, p: {} as Record<string, number> }]));
  const total: Record<string, number> = {};
  let held = 0;
  for (const r of rows) {
    const n = Number(r.n);
    const slot = byType.get(r.integration_type);
    if (slot) slot[r.period][r.status] = (slot[r.period][r.status] ?? 0) + n;
    if (r.period !== 'c') continue;
    if (r.held && (r.status === 'RECEIVED' || r.status === 'PROCESSING')) held += n;
    else total[r.status] = (total[r.status] ?? 0) + n;
  }
  const succeeded = total.DELIVERED ?? 0;
  const failed = total.FAILED ?? 0;
  const retrying = total.RETRYING ?? 0;
  return {
    from: range.from,
    to: range.to,
    succeeded,
    failed,
    retrying,
    inFlight: (total.RECEIVED ?? 0) + (total.PROCESSING ?? 0),
    held,
    successRate: successRateOf({ delivered: succeeded, failed, retrying }),
    byType: INTEGRATION_TYPES.map((type) => {
      const s = byType.get(type) as { c: Record<string, number>; p: Record<string, number> };
      const succeeded = s.c.DELIVERED ?? 0;
      const failed = s.c.FAILED ?? 0;
      const retrying = s.c.RETRYING ?? 0;
      const previousSucceeded = s.p.DELIVERED ?? 0;
      const previousFailed = s.p.FAILED ?? 0;
      const previousRetrying = s.p.RETRYING ?? 0;
      return {
        type,
        succeeded,
        failed,
        retrying,
        previousSucceeded,
        previousFailed,
        previousRetrying,
        succeededChange: percentChange(succeeded, previousSucceeded),
        failedChange: percentChange(failed, previousFailed),
        failing: failed + retrying,
        previousFailing: previousFailed + previousRetrying,
        failingChange: percentChange(failed + retrying, previousFailed + previousRetrying),
      };
    }),
  };
}

// ---- failures by error code ----

export interface ErrorCodeTotal {
  code: string;
  /** FAILED events whose final code this is. */
  count: number;
  /** RETRYING events whose last attempt failed with this code (failing now; may still be delivered). */
  retrying: number;
  share: number;
}

/**
 * Events grouped by their (last) error code, most frequent first. By default FAILED only, and share is
 * of all failures in the range. With `includeRetrying`, RETRYING events count too (in `retrying`), codes
 * seen only in retries appear, and share is of failed + retrying.
 */
export async function failuresByErrorCode(
  em: EntityManager,
  workspaceId: string,
  range: TimeRange,
  filter: { types?: readonly IntegrationType[] | null; integrationId?: string | null; includeRetrying?: boolean | null } = {},
): Promise<ErrorCodeTotal[]> {
  assertRange(range);
  const facts = factsSql(workspaceId, range, {
    types: filter.types,
    integrationIds: filter.integrationId === undefined || filter.integrationId === null ? null : [filter.integrationId],
    statuses: filter.includeRetrying ? ['FAILED', 'RETRYING'] : ['FAILED'],
  });
  const rows = await run<{ error_code: string; f: string | number; r: string | number }>(em, {
    text: `select error_code, coalesce(sum(n) filter (where status = 'FAILED'), 0) as f, coalesce(sum(n) filter (where status = 'RETRYING'), 0) as r
           from (${facts.text}) x group by 1 having sum(n) > 0 order by sum(n) desc, 1`,
    params: facts.params,
  });
  const all = rows.reduce((s, r) => s + Number(r.f) + Number(r.r), 0);
  return rows.map((r) => {
    const count = Number(r.f);
    const retrying = Number(r.r);
    return { code: r.error_code || 'UNKNOWN', count, retrying, share: all === 0 ? 0 : (count + retrying) / all };
  });
}

// ---- trends ----

/** Starts (epoch ms) of the UTC hours that overlap [from, to). */
function utcHourStarts({ from, to }: TimeRange): number[] {
  const out: number[] = [];
  for (let t = Math.floor(from.getTime() / HOUR_MS) * HOUR_MS; t < to.getTime(); t += HOUR_MS) out.push(t);
  return out;
}

export type TimeBucket = 'HOUR' | 'DAY';

export interface TrendPoint {
  bucketStart: Date;
  succeeded: number;
  failed: number;
  /** RETRYING: failed at least once, not final yet (most become DELIVERED or FAILED within the retry schedule). */
  retrying: number;
  /** The bucket is not over yet (it ends after now): its counts are still growing. */
  partial: boolean;
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
  // Bucket starts and counts come back as epoch milliseconds and ints, and are looked up by type and
  // number: parsing 3,600 hourly points from timestamp and bigint text and keying them by strings showed
  // in the request's CPU profile (~10% of its samples). Over HTTP the difference is within the noise.
  // UTC hours are counted here; local days (23 or 25 hours across a DST change) by PostgreSQL's calendar.
  const bucketStarts =
    bucket === 'HOUR'
      ? utcHourStarts(range)
      : (
          await run<{ b: number }>(
            em,
            q(
              `select date_part('epoch', g at time zone ?) * 1000 as b from generate_series(date_trunc('day', ?::timestamptz at time zone ?), ?::timestamptz at time zone ?, '1 day'::interval) g
               where (g at time zone ?) < ?::timestamptz order by 1`,
              tz,
              range.from,
              tz,
              range.to,
              tz,
              tz,
              range.to,
            ),
          )
        ).map((r) => Number(r.b));
  const facts = factsSql(workspaceId, range, {
    types: wanted,
    statuses: ['DELIVERED', 'FAILED', 'RETRYING'],
    byStatusOnly: true,
    oneBucket: bucket === 'HOUR' ? () => true : hourInOneDay(timezone),
  });
  const rows = await run<{ integration_type: IntegrationType; b: number; s: number | null; f: number | null; r: number | null }>(em, {
    // Grouped by the local bucket first, turned into epoch milliseconds after: extract() is numeric
    // arithmetic, and per rollup row (14,690 at 10 M events) it was a third of the statement's time.
    text: `select integration_type, date_part('epoch', bt at time zone ?) * 1000 as b, s, f, r from (
             select integration_type, date_trunc(?, t at time zone ?) as bt,
               (sum(n) filter (where status = 'DELIVERED'))::int as s, (sum(n) filter (where status = 'FAILED'))::int as f,
               (sum(n) filter (where status = 'RETRYING'))::int as r
             from (${facts.text}) x group by 1, 2) g`,
    params: [tz, unit, tz, ...facts.params],
  });
  const counts = new Map<IntegrationType, Map<number, { s: number; f: number; r: number }>>();
  for (const r of rows) {
    let byBucket = counts.get(r.integration_type);
    if (!byBucket) {
      byBucket = new Map();
      counts.set(r.integration_type, byBucket);
    }
    byBucket.set(Number(r.b), { s: Number(r.s ?? 0), f: Number(r.f ?? 0), r: Number(r.r ?? 0) });
  }
  const starts = bucketStarts.map((b) => new Date(b));
  const now = Date.now();
  // A bucket ends where the next starts (a local day may be 23 or 25 hours), the last one at the range's end.
  const endOf = (i: number) => (starts[i + 1] ?? range.to).getTime();
  return wanted.map((type) => ({
    type,
    points: starts.map((bucketStart, i) => {
      const c = counts.get(type)?.get(bucketStart.getTime());
      return { bucketStart, succeeded: c?.s ?? 0, failed: c?.f ?? 0, retrying: c?.r ?? 0, partial: endOf(i) > now };
    }),
  }));
}

// ---- failure groups ----

export interface FailureGroupRow {
  integrationId: string;
  errorCode: string;
  /** FAILED events. */
  totalErrors: number;
  /** RETRYING events (0 unless asked for). */
  retrying: number;
  firstSeenAt: Date;
  lastSeenAt: Date;
}

export interface FailureGroupKeyset {
  total: number;
  integrationId: string;
  errorCode: string;
}

/**
 * FAILED events grouped by integration × error code, largest groups first; keyset-paged (the keyset's
 * total is failed, or failed + retrying with `includeRetrying`, which also counts RETRYING events).
 */
export async function failureGroups(
  em: EntityManager,
  workspaceId: string,
  range: TimeRange,
  types: readonly IntegrationType[] | null | undefined,
  first: number,
  after: FailureGroupKeyset | null,
  includeRetrying = false,
): Promise<{ items: FailureGroupRow[]; hasNextPage: boolean }> {
  assertRange(range);
  const facts = factsSql(workspaceId, range, { types, statuses: includeRetrying ? ['FAILED', 'RETRYING'] : ['FAILED'] });
  const page = after
    ? q(
        `where total < ? or (total = ? and (integration_id, error_code) > (?::uuid, ?))`,
        after.total,
        after.total,
        after.integrationId,
        after.errorCode,
      )
    : q('');
  const rows = await run<{
    integration_id: string;
    error_code: string;
    total: string | number;
    retrying: string | number;
    first_at: Date;
    last_at: Date;
  }>(em, {
    text: `select * from (
             select integration_id, error_code, sum(n) as total, coalesce(sum(n) filter (where status = 'RETRYING'), 0) as retrying,
                    min(first_at) as first_at, max(last_at) as last_at
             from (${facts.text}) f group by 1, 2 having sum(n) > 0
           ) g ${page.text} order by total desc, integration_id, error_code limit ?`,
    params: [...facts.params, ...page.params, first + 1],
  });
  return {
    items: rows.slice(0, first).map((r) => ({
      integrationId: r.integration_id,
      errorCode: r.error_code || 'UNKNOWN',
      totalErrors: Number(r.total) - Number(r.retrying),
      retrying: Number(r.retrying),
      firstSeenAt: pgDate(r.first_at),
      lastSeenAt: pgDate(r.last_at),
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
  const facts = factsSql(workspaceId, range, { integrationIds, statuses: ['DELIVERED', 'FAILED', 'RETRYING'], byStatusOnly: true });
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
