// Per-integration ingest rate: a token bucket per integration in this process (burst = one second's worth).
export class RateLimiter {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  /** Takes a token; returns 0 when allowed, otherwise the seconds to wait. */
  take(key: string, perSecond: number, now = performance.now()): number {
    let b = this.#buckets.get(key);
    if (!b) {
      b = { tokens: perSecond, at: now };
      this.#buckets.set(key, b);
    }
    b.tokens = Math.min(perSecond, b.tokens + ((now - b.at) / 1000) * perSecond);
    b.at = now;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / perSecond));
  }
}
