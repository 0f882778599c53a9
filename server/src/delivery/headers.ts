// The rate-limit snapshot parsed from a response (x-ratelimit-*, RateLimit-*, Retry-After). Secrets in
// stored headers are masked by ../secrets/scrubber.ts.
import type { RateLimitSnapshot } from '@switchboard/db';

function intHeader(headers: Record<string, string | string[] | undefined>, ...names: string[]): number | null {
  for (const name of names) {
    const raw = headers[name];
    const v = Array.isArray(raw) ? raw[0] : raw;
    if (v === undefined) continue;
    // RateLimit-* may carry a structured form like `limit=100, remaining=0`; take the first number.
    const m = /-?\d+/.exec(v);
    if (m) return Number.parseInt(m[0], 10);
  }
  return null;
}

/** Retry-After in seconds: delta-seconds or an HTTP date. */
export function retryAfterSeconds(value: string | string[] | undefined, now = Date.now()): number | null {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return null;
  if (/^\s*\d+\s*$/.test(v)) return Number.parseInt(v, 10);
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : Math.max(0, Math.ceil((t - now) / 1000));
}

/** The rate-limit snapshot a response carries, or null when it carries none. */
export function parseRateLimit(headers: Record<string, string | string[] | undefined>, observedAt = new Date()): RateLimitSnapshot | null {
  const snapshot: RateLimitSnapshot = {
    max: intHeader(headers, 'x-ratelimit-max', 'x-ratelimit-limit', 'ratelimit-limit'),
    remaining: intHeader(headers, 'x-ratelimit-remaining', 'ratelimit-remaining'),
    dailyLimit: intHeader(headers, 'x-ratelimit-limit-daily'),
    dailyRemaining: intHeader(headers, 'x-ratelimit-daily-remaining'),
    retryAfterSeconds: retryAfterSeconds(headers['retry-after'], observedAt.getTime()),
    observedAt: observedAt.toISOString(),
  };
  const any = [snapshot.max, snapshot.remaining, snapshot.dailyLimit, snapshot.dailyRemaining, snapshot.retryAfterSeconds].some(
    (v) => v !== null,
  );
  return any ? snapshot : null;
}

/** Seconds until the rate-limit window resets, when the response says (RateLimit-Reset / x-ratelimit-reset as seconds). */
export function rateLimitResetSeconds(headers: Record<string, string | string[] | undefined>, nowMs = Date.now()): number | null {
  const v = intHeader(headers, 'ratelimit-reset', 'x-ratelimit-reset');
  if (v === null) return null;
  // Some providers send an epoch timestamp rather than a delta.
  return v > 1_000_000_000 ? Math.max(0, v - Math.floor(nowMs / 1000)) : Math.max(0, v);
}
