// Delivery attempts and what they teach about their integration, as parts of the worker's one
// statement per batch (recordDeliveries, with the event completions).
import type { RateLimitSnapshot } from '../integration/integration.entity.ts';
import type { StoredHeader } from './delivery-attempt.entity.ts';

export interface NewDeliveryAttempt {
  id: string;
  eventId: string;
  workspaceId: string;
  integrationId: string;
  eventType: string;
  attemptNumber: number;
  source: string;
  startedAt: Date;
  durationMs: number | null;
  requestMethod: string;
  requestUrl: string;
  /** Already redacted. */
  requestHeaders: StoredHeader[];
  requestBody: string | null;
  responseStatus: number | null;
  responseHeaders: StoredHeader[] | null;
  responseBody: string | null;
  /** BASE64 when the destination answered bytes that are not text; null for text. */
  responseBodyEncoding?: 'BASE64' | null;
  succeeded: boolean;
  errorCode: string | null;
  errorMessage: string | null;
  rateLimit: RateLimitSnapshot | null;
}

/** The insert of a batch of attempts, its parameters numbered from `$first`. */
export function attemptsInsert(attempts: readonly NewDeliveryAttempt[], first = 1): { sql: string; params: unknown[] } {
  const col = <T>(f: (a: NewDeliveryAttempt) => T) => attempts.map(f);
  const types = [
    'uuid',
    'uuid',
    'uuid',
    'uuid',
    'text',
    'int',
    'text',
    'timestamptz',
    'int',
    'text',
    'text',
    'jsonb',
    'text',
    'int',
    'jsonb',
    'text',
    'bool',
    'text',
    'text',
    'jsonb',
    'text',
  ];
  return {
    sql: `insert into delivery_attempt (id, event_id, workspace_id, integration_id, event_type, attempt_number, source, started_at,
       duration_ms, request_method, request_url, request_headers, request_body, response_status, response_headers, response_body,
       succeeded, error_code, error_message, rate_limit, response_body_encoding)
     select * from unnest(${types.map((t, i) => `$${first + i}::${t}[]`).join(', ')})`,
    params: [
      col((a) => a.id),
      col((a) => a.eventId),
      col((a) => a.workspaceId),
      col((a) => a.integrationId),
      col((a) => a.eventType),
      col((a) => a.attemptNumber),
      col((a) => a.source),
      col((a) => a.startedAt.toISOString()),
      col((a) => a.durationMs),
      col((a) => a.requestMethod),
      col((a) => a.requestUrl),
      col((a) => JSON.stringify(a.requestHeaders)),
      col((a) => a.requestBody),
      col((a) => a.responseStatus),
      col((a) => (a.responseHeaders ? JSON.stringify(a.responseHeaders) : null)),
      col((a) => a.responseBody),
      col((a) => a.succeeded),
      col((a) => a.errorCode),
      col((a) => a.errorMessage),
      col((a) => (a.rateLimit ? JSON.stringify(a.rateLimit) : null)),
      col((a) => a.responseBodyEncoding ?? null),
    ],
  };
}

/** What one batch of attempts says about one integration, in attempt order. */
export interface IntegrationOutcome {
  integrationId: string;
  /** True when a response other than 401/403 arrived: the auth-failure run starts over from `authFailureRun`. */
  authReset: boolean;
  /** 401/403 responses since the last reset (or in the whole batch when there was none). */
  authFailureRun: number;
  failureReset: boolean;
  failureRun: number;
  lastFailureAt: Date | null;
  lastRateLimit: RateLimitSnapshot | null;
}

/**
 * The update of the integrations' failure counters and latest rate-limit snapshot, as CTEs
 * (`counters_input`, `counters_locked`, `counters`) returning id, workspace_id, state and the new
 * consecutive_auth_failures; parameters numbered from `$first`. Rows are locked in id order, FOR NO
 * KEY UPDATE: ingest's foreign-key checks (KEY SHARE) on the same integration never wait for it.
 */
export function outcomesUpdate(outcomes: readonly IntegrationOutcome[], first = 1): { sql: string; params: unknown[] } {
  const sorted = [...outcomes].sort((a, b) => (a.integrationId < b.integrationId ? -1 : 1));
  const col = <T>(f: (o: IntegrationOutcome) => T) => sorted.map(f);
  const p = (i: number) => `$${first + i}`;
  return {
    sql: `counters_input as (
       select * from unnest(${p(0)}::uuid[], ${p(1)}::bool[], ${p(2)}::int[], ${p(3)}::bool[], ${p(4)}::int[], ${p(5)}::timestamptz[], ${p(6)}::jsonb[])
         as t(id, auth_reset, auth_run, failure_reset, failure_run, last_failure_at, last_rate_limit)
     ),
     counters_locked as (
       select i.id from integration i join counters_input t on t.id = i.id order by i.id for no key update of i
     ),
     counters as (
       update integration i set
         consecutive_auth_failures = case when t.auth_reset then t.auth_run else i.consecutive_auth_failures + t.auth_run end,
         consecutive_failures = case when t.failure_reset then t.failure_run else i.consecutive_failures + t.failure_run end,
         last_failure_at = greatest(i.last_failure_at, t.last_failure_at),
         last_rate_limit = coalesce(t.last_rate_limit, i.last_rate_limit)
       from counters_input t, counters_locked l
       where i.id = t.id and l.id = t.id
       returning i.id, i.workspace_id, i.state, i.consecutive_auth_failures
     )`,
    params: [
      col((o) => o.integrationId),
      col((o) => o.authReset),
      col((o) => o.authFailureRun),
      col((o) => o.failureReset),
      col((o) => o.failureRun),
      col((o) => o.lastFailureAt?.toISOString() ?? null),
      col((o) => (o.lastRateLimit ? JSON.stringify(o.lastRateLimit) : null)),
    ],
  };
}
