import { describe, expect, it } from 'vitest';
import { circuitOutcomes, isDownCode } from './protection.ts';
import { throttleSeconds } from './throttle.ts';
import type { AttemptResult } from './sender.ts';

const at = (s: number) => new Date(Date.UTC(2026, 11, 1, 10, 0, s));

describe('circuitOutcomes', () => {
  it('network and 5xx codes are "down"; other answers reset the run; 429 says neither', () => {
    expect(['TIMEOUT', 'CONNECTION_REFUSED', 'DNS', 'TLS', '500', '503', '521', '408'].every(isDownCode)).toBe(true);
    expect(['400', '401', '404', '429', null].some(isDownCode)).toBe(false);
    const out = circuitOutcomes([
      { integrationId: 'a', succeeded: false, errorCode: '503', at: at(1) },
      { integrationId: 'a', succeeded: true, errorCode: null, at: at(2) },
      { integrationId: 'a', succeeded: false, errorCode: 'DNS', at: at(3) },
      { integrationId: 'a', succeeded: false, errorCode: 'TIMEOUT', at: at(4) },
      { integrationId: 'b', succeeded: false, errorCode: '429', at: at(5) },
      { integrationId: 'c', succeeded: false, errorCode: '404', at: at(6) },
    ]);
    expect(out).toEqual([
      { integrationId: 'a', reset: true, downSince: at(3), failures: 2 },
      { integrationId: 'c', reset: true, downSince: null, failures: 0 },
    ]);
  });
});

describe('throttleSeconds', () => {
  const result = (r: Partial<AttemptResult>) =>
    ({ errorCode: null, retryAfterSeconds: null, rateLimit: null, rateLimitResetSeconds: null, ...r }) as AttemptResult;
  const snapshot = { max: 100, remaining: 0, dailyLimit: null, dailyRemaining: null, retryAfterSeconds: null, observedAt: '' };
  it('429 + Retry-After, or a spent window with its reset; nothing otherwise', () => {
    expect(throttleSeconds(result({ errorCode: '429', retryAfterSeconds: 2 }))).toBe(2);
    expect(throttleSeconds(result({ rateLimit: snapshot, rateLimitResetSeconds: 30 }))).toBe(30);
    expect(throttleSeconds(result({ errorCode: '429' }))).toBeNull();
    expect(throttleSeconds(result({ rateLimit: { ...snapshot, remaining: 5 }, rateLimitResetSeconds: 30 }))).toBeNull();
  });
});
