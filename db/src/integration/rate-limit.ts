// How long a rate-limit snapshot says anything: a destination's quota renews, and one old snapshot
// must not read "0% left" forever. The API and the console both use this one definition.
import type { RateLimitSnapshot } from './integration.entity.ts';

/** Window quotas (x-ratelimit-max / RateLimit-*) span seconds to minutes: past this, an unrenewed snapshot is stale. */
export const RATE_LIMIT_WINDOW_STALE_MS = 10 * 60_000;

/**
 * When the quota seen has renewed: observedAt + Retry-After when the destination said, for a daily
 * quota alone the next UTC midnight, else observedAt + 10 minutes. Stale once that has passed.
 */
export function rateLimitResetAt(s: RateLimitSnapshot): Date {
  const observed = new Date(s.observedAt).getTime();
  if (s.retryAfterSeconds != null) return new Date(observed + s.retryAfterSeconds * 1000);
  if (s.remaining == null && s.dailyRemaining != null) {
    const d = new Date(observed);
    return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1));
  }
  return new Date(observed + RATE_LIMIT_WINDOW_STALE_MS);
}

export function rateLimitIsStale(s: RateLimitSnapshot, now = new Date()): boolean {
  return rateLimitResetAt(s).getTime() <= now.getTime();
}
