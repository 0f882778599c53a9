// The detectors' windows and thresholds (DESIGN.md "Insight"): defaults, a workspace's overrides
// (stored on the workspace, set with the `updateInsightSettings` mutation), and the time scale that
// compresses every window in tests. Lives with the domain: the API validates overrides with it,
// the server's detectors apply it.
import { BadInputError } from '../errors.ts';

export const DEFAULT_INSIGHT_SETTINGS = {
  /** CONSECUTIVE_FAILURES: events of one integration ending FAILED in a row with the same code. */
  consecutiveFailures: 5,
  /** ALL_FAILING: every attempt failed for this long, at least this many attempts. */
  allFailingMinutes: 10,
  allFailingMinAttempts: 5,
  /** FAILURE_SPIKE: failures in the window ≥ factor × the same window on each previous day, and ≥ min. */
  spikeWindowMinutes: 15,
  spikeFactor: 3,
  spikeMinFailures: 10,
  /** STUCK_PROCESSING: PROCESSING, or due and unclaimed, for longer than this. */
  stuckMinutes: 15,
  /** RECURRING_DAILY: failures concentrated in one clock hour on at least this many of the last `recurringDays` days. */
  recurringMinDays: 3,
  recurringDays: 7,
  /** An hour counts as a failure hour when it holds this many failures and this share of the day's. */
  recurringMinFailures: 5,
  recurringMinShare: 0.25,
  /** RATE_LIMIT_HEADROOM: less than this share of the window or daily quota left. */
  rateLimitHeadroom: 0.1,
  /** SILENCE: no event for this many usual gaps, and at least `silenceMinMinutes`. */
  silenceGapFactor: 3,
  silenceMinMinutes: 60,
  /** DESTINATION_DOWN: integrations on one host all failing with network or 5xx codes. */
  destinationMinIntegrations: 2,
  /** Auto-resolve: clear for this long, or this many successful attempts in a row. */
  resolveAfterMinutes: 15,
  resolveAfterSuccesses: 5,
} as const;

export type InsightSettings = { -readonly [K in keyof typeof DEFAULT_INSIGHT_SETTINGS]: number };

/** Shares (0 < x < 1); every other setting is a positive number. */
const SHARES = new Set(['rateLimitHeadroom', 'recurringMinShare']);

/** A workspace's overrides, checked: unknown names and out-of-range values are BAD_USER_INPUT. */
export function parseInsightOverrides(value: unknown): Partial<InsightSettings> {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new BadInputError('insight settings must be a JSON object of numbers', { field: 'settings' });
  const out: Partial<InsightSettings> = {};
  for (const [k, v] of Object.entries(value)) {
    if (!(k in DEFAULT_INSIGHT_SETTINGS))
      throw new BadInputError(`insight settings: unknown setting "${k}" (known: ${Object.keys(DEFAULT_INSIGHT_SETTINGS).join(', ')})`, {
        field: k,
      });
    const ok = typeof v === 'number' && Number.isFinite(v) && (SHARES.has(k) ? v > 0 && v < 1 : v > 0 && v <= 1_000_000);
    if (!ok)
      throw new BadInputError(`insight settings: ${k} must be ${SHARES.has(k) ? 'between 0 and 1 (exclusive)' : 'a positive number'}`, {
        field: k,
      });
    out[k as keyof InsightSettings] = v as number;
  }
  return out;
}

/** Settings of a workspace, in effect: its overrides over the defaults (a stored value that no longer parses is ignored). */
export function effectiveSettings(overrides: Record<string, number> | null | undefined): InsightSettings {
  let o: Partial<InsightSettings> = {};
  try {
    o = overrides ? parseInsightOverrides(overrides) : {};
  } catch {
    o = {};
  }
  return { ...DEFAULT_INSIGHT_SETTINGS, ...o };
}

/** Windows in milliseconds, compressed by the time scale; counts and ratios unchanged. */
export interface DetectorWindows {
  allFailingMs: number;
  spikeWindowMs: number;
  stuckMs: number;
  silenceMinMs: number;
  resolveAfterMs: number;
  /** A rate-limit window snapshot older than this says nothing about the quota now. */
  rateLimitFreshMs: number;
}

const MINUTE = 60_000;

export function windowsOf(s: InsightSettings, timeScale: number): DetectorWindows {
  return {
    allFailingMs: s.allFailingMinutes * MINUTE * timeScale,
    spikeWindowMs: s.spikeWindowMinutes * MINUTE * timeScale,
    stuckMs: s.stuckMinutes * MINUTE * timeScale,
    silenceMinMs: s.silenceMinMinutes * MINUTE * timeScale,
    resolveAfterMs: s.resolveAfterMinutes * MINUTE * timeScale,
    rateLimitFreshMs: 15 * MINUTE * timeScale,
  };
}
