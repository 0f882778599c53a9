// What the ingest and publish endpoints share: the group-commit writer, the integration and fan-out
// caches, the key authenticator, the rate limiter, and one mapping from storage failures to answers.
import type { Authenticator } from '../auth.ts';
import { isTransient } from '../batch-isolation.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import { DatabaseTimeoutError, isDatabaseUnavailable } from './database-errors.ts';
import { type EventWriter, UnstorableEventError, type WriteOutcome } from './event-writer.ts';
import type { FanOutCache } from './fan-out-cache.ts';
import type { IntegrationCache } from './integration-cache.ts';
import type { RateLimiter } from './rate-limiter.ts';
import type { NewEventRow } from '@switchboard/db';

export interface IngestContext {
  config: Config;
  metrics: Metrics;
  logger: Logger;
  writer: EventWriter;
  cache: IntegrationCache;
  /** Publish's fan-out: which integrations take a workspace's event type. */
  fanOut: FanOutCache;
  auth: Authenticator;
  limiter: RateLimiter;
}

export interface Refusal {
  status: number;
  code: string;
  message: string;
  headers: Record<string, string>;
}

/** 503 with Retry-After when the database can't be reached (the sender retries); 500 for anything else. Never a stack trace. */
export function refusal(ctx: IngestContext, err: unknown): Refusal {
  if (err instanceof UnstorableEventError) {
    return { status: 400, code: 'UNSTORABLE_EVENT', message: `The event cannot be stored: ${err.message}`, headers: {} };
  }
  if (isTransient(err)) {
    ctx.logger.warn({ err: (err as Error).message }, 'ingest: the database kept answering with a transient failure');
    return { status: 503, code: 'DATABASE_BUSY', message: 'The event store is busy; retry in a moment', headers: { 'retry-after': '1' } };
  }
  if (isDatabaseUnavailable(err)) {
    ctx.logger.warn({ err: (err as Error).message }, 'ingest: database unavailable');
    return {
      status: 503,
      code: 'DATABASE_UNAVAILABLE',
      message: 'The event store is unreachable; retry later',
      headers: { 'retry-after': '5' },
    };
  }
  ctx.logger.error({ err }, 'ingest: storing the event failed');
  return { status: 500, code: 'INTERNAL', message: 'Internal error', headers: {} };
}

/** Bounds a database wait by the ingest timeout: an unreachable database answers 503 rather than hanging the sender. */
export async function withDeadline<T>(ctx: IngestContext, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new DatabaseTimeoutError('the database did not answer in time')), ctx.config.ingestTimeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Stores rows through the group commit, bounded by the ingest timeout. */
export async function storeOrRefuse(ctx: IngestContext, rows: NewEventRow[]): Promise<{ outcomes: WriteOutcome[] } | { refusal: Refusal }> {
  try {
    return { outcomes: await withDeadline(ctx, ctx.writer.write(rows)) };
  } catch (err) {
    return { refusal: refusal(ctx, err) };
  }
}
