// Delivery attempts and what they teach about their integration. One SQL statement per function;
// the worker runs them, with the event completions, in one transaction per batch.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { IntegrationState } from '../domain.ts';
import type { RateLimitSnapshot } from '../integration/integration.entity.ts';
import { queryRows } from '../raw-sql.ts';
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
  succeeded: boolean;
  errorCode: string | null;
  errorMessage: string | null;
  rateLimit: RateLimitSnapshot | null;
}

/** Records a batch of attempts in one multi-row insert. */
export async function insertDeliveryAttempts(em: EntityManager, attempts: readonly NewDeliveryAttempt[]): Promise<void> {
  if (attempts.length === 0) return;
  const col = <T>(f: (a: NewDeliveryAttempt) => T) => attempts.map(f);
  await queryRows(
    em,
    `insert into delivery_attempt (id, event_id, workspace_id, integration_id, event_type, attempt_number, source, started_at,
       duration_ms, request_method, request_url, request_headers, request_body, response_status, response_headers, response_body,
       succeeded, error_code, error_message, rate_limit)
     select * from unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::text[], $6::int[], $7::text[], $8::timestamptz[],
       $9::int[], $10::text[], $11::text[], $12::jsonb[], $13::text[], $14::int[], $15::jsonb[], $16::text[],
       $17::bool[], $18::text[], $19::text[], $20::jsonb[])`,
    [
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
    ],
  );
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
 * Updates the integrations' failure counters and latest rate-limit snapshot; returns their new
 * auth-failure counts and states so the caller can move one to ERROR. Rows are locked in id order.
 */
export async function applyIntegrationOutcomes(
  em: EntityManager,
  outcomes: readonly IntegrationOutcome[],
): Promise<Array<{ id: string; workspaceId: string; state: IntegrationState; consecutiveAuthFailures: number }>> {
  if (outcomes.length === 0) return [];
  const sorted = [...outcomes].sort((a, b) => (a.integrationId < b.integrationId ? -1 : 1));
  const col = <T>(f: (o: IntegrationOutcome) => T) => sorted.map(f);
  return queryRows(
    em,
    `with input as (
       select * from unnest($1::uuid[], $2::bool[], $3::int[], $4::bool[], $5::int[], $6::timestamptz[], $7::jsonb[])
         as t(id, auth_reset, auth_run, failure_reset, failure_run, last_failure_at, last_rate_limit)
     ),
     locked as (
       select i.id from integration i join input t on t.id = i.id order by i.id for update of i
     )
     update integration i set
       consecutive_auth_failures = case when t.auth_reset then t.auth_run else i.consecutive_auth_failures + t.auth_run end,
       consecutive_failures = case when t.failure_reset then t.failure_run else i.consecutive_failures + t.failure_run end,
       last_failure_at = greatest(i.last_failure_at, t.last_failure_at),
       last_rate_limit = coalesce(t.last_rate_limit, i.last_rate_limit)
     from input t, locked l
     where i.id = t.id and l.id = t.id
     returning i.id, i.workspace_id as "workspaceId", i.state, i.consecutive_auth_failures as "consecutiveAuthFailures"`,
    [
      col((o) => o.integrationId),
      col((o) => o.authReset),
      col((o) => o.authFailureRun),
      col((o) => o.failureReset),
      col((o) => o.failureRun),
      col((o) => o.lastFailureAt?.toISOString() ?? null),
      col((o) => (o.lastRateLimit ? JSON.stringify(o.lastRateLimit) : null)),
    ],
  );
}
