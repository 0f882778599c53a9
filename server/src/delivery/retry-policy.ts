// What happens after a failed attempt: the retry schedule (seconds before each attempt of a cycle,
// scaled for tests), Retry-After honoured as a floor (in real seconds: it is the destination's
// word), and no retry for codes the catalog calls permanent.
import { DEFAULT_RETRY_SCHEDULE, isRetryableCode } from '@switchboard/db';

export type RetryDecision = { status: 'RETRYING'; nextAttemptAt: Date } | { status: 'FAILED'; reason: string };

export function decideRetry(opts: {
  errorCode: string;
  /** 1-based attempt number within the current cycle (a replay starts a new cycle). */
  cycleAttempt: number;
  schedule: readonly number[] | null;
  timeScale: number;
  retryAfterSeconds: number | null;
  now: Date;
  /** 0..1; random by default. */
  jitter?: number;
}): RetryDecision {
  if (!isRetryableCode(opts.errorCode)) return { status: 'FAILED', reason: `${opts.errorCode} is not retryable` };
  const schedule = opts.schedule && opts.schedule.length > 0 ? opts.schedule : DEFAULT_RETRY_SCHEDULE;
  if (opts.cycleAttempt >= schedule.length)
    return { status: 'FAILED', reason: `retries exhausted after ${opts.cycleAttempt} attempt${opts.cycleAttempt === 1 ? '' : 's'}` };
  // Up to 10% of jitter, only ever later than the schedule, so a recovering destination is not hit by every retry at once.
  const jitter = 1 + (opts.jitter ?? Math.random()) * 0.1;
  const scheduledMs = Math.max(0, (schedule[opts.cycleAttempt] ?? 0) * 1000 * opts.timeScale * jitter);
  const retryAfterMs = opts.retryAfterSeconds !== null ? opts.retryAfterSeconds * 1000 : 0;
  return { status: 'RETRYING', nextAttemptAt: new Date(opts.now.getTime() + Math.max(scheduledMs, retryAfterMs)) };
}
