// Per-key request rate limit: a token bucket per API key, in memory (per process). A replica
// behind a load balancer enforces its own share; that is enough to stop one runaway client.
import { RateLimitedError } from '@switchboard/db';

export interface RateLimitOptions {
  /** Tokens added per second. */
  perSecond: number;
  /** Bucket size: how many requests may arrive at once after a quiet period. */
  burst: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export class RateLimiter {
  readonly #opts: RateLimitOptions;
  readonly #buckets = new Map<string, Bucket>();
  readonly #now: () => number;
  #lastSweep = 0;

  constructor(opts: RateLimitOptions, now: () => number = () => performance.now()) {
    this.#opts = opts;
    this.#now = now;
  }

  /** Takes one token for `key`; throws RateLimitedError (with the seconds until one is available) when empty. */
  take(key: string): void {
    const now = this.#now();
    this.#sweep(now);
    const { perSecond, burst } = this.#opts;
    const b = this.#buckets.get(key) ?? { tokens: burst, at: now };
    b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * perSecond);
    b.at = now;
    this.#buckets.set(key, b);
    if (b.tokens < 1) {
      const wait = (1 - b.tokens) / perSecond;
      throw new RateLimitedError(
        `Too many requests for this API key (limit ${perSecond}/s, burst ${burst}); retry in ${Math.ceil(wait)} s`,
        wait,
      );
    }
    b.tokens -= 1;
  }

  /** Forgets buckets that have refilled completely (they behave exactly like new ones). */
  #sweep(now: number): void {
    if (now - this.#lastSweep < 60_000) return;
    this.#lastSweep = now;
    const full = (this.#opts.burst / this.#opts.perSecond) * 1000;
    for (const [k, b] of this.#buckets) if (now - b.at > full) this.#buckets.delete(k);
  }
}

/** Parses SWITCHBOARD_API_RATE_LIMIT: "<per second>" or "<per second>/<burst>"; "0" turns the limit off. */
export function parseRateLimit(value: string): RateLimitOptions | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(?:\/\s*(\d+)\s*)?$/.exec(value);
  if (!m) throw new Error('must be "<requests per second>" or "<requests per second>/<burst>", e.g. 50/200');
  const perSecond = Number(m[1]);
  if (perSecond === 0) return null;
  const burst = m[2] === undefined ? Math.max(1, Math.ceil(perSecond * 4)) : Number(m[2]);
  if (burst < 1) throw new Error('burst must be at least 1');
  return { perSecond, burst };
}

const shared = new WeakMap<object, RateLimiter | null>();

/** The one limiter of an app (GraphQL and REST share it), or null when the limit is off. */
export function rateLimiterFor(config: { apiRateLimit: RateLimitOptions | null }): RateLimiter | null {
  let limiter = shared.get(config);
  if (limiter === undefined) {
    limiter = config.apiRateLimit ? new RateLimiter(config.apiRateLimit) : null;
    shared.set(config, limiter);
  }
  return limiter;
}

/** The bucket a viewer draws from (root shares one). */
export function rateLimitKey(viewer: { kind: 'root' } | { kind: 'key'; apiKeyId: string }): string {
  return viewer.kind === 'root' ? 'root' : viewer.apiKeyId;
}
