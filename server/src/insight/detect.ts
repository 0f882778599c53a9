// Runs every detector over one workspace's rows and removes the echoes: when a whole destination
// host is down, its integrations get the host's one incident, not one each; when an integration is
// ALL_FAILING, its consecutive-failure and spike findings say the same thing again.
import { type DetectorInputs, incidentKey, type UnresolvedIncident } from '@switchboard/db';
import { detectAllFailing } from './all-failing.ts';
import { detectConsecutiveFailures } from './consecutive-failures.ts';
import { attemptsByIntegration, type DetectorContext, type Finding } from './detector.ts';
import { detectDestinationDown } from './destination-down.ts';
import { detectFailureSpike } from './failure-spike.ts';
import { detectRateLimitHeadroom } from './rate-limit-headroom.ts';
import { detectRecurringDaily } from './recurring-daily.ts';
import { effectiveSettings, windowsOf } from '@switchboard/db';
import { detectSilence } from './silence.ts';
import { detectStuckProcessing } from './stuck-processing.ts';

export const DETECTORS = {
  ALL_FAILING: detectAllFailing,
  CONSECUTIVE_FAILURES: detectConsecutiveFailures,
  FAILURE_SPIKE: detectFailureSpike,
  STUCK_PROCESSING: detectStuckProcessing,
  RECURRING_DAILY: detectRecurringDaily,
  RATE_LIMIT_HEADROOM: detectRateLimitHeadroom,
  SILENCE: detectSilence,
  DESTINATION_DOWN: detectDestinationDown,
} as const;

export function detectorContext(inputs: DetectorInputs, timeScale: number, now: Date): DetectorContext {
  const settings = effectiveSettings(inputs.settings);
  return { inputs, settings, windows: windowsOf(settings, timeScale), timeScale, now };
}

const ECHOES = new Set(['ALL_FAILING', 'CONSECUTIVE_FAILURES', 'FAILURE_SPIKE']);
const RESOLVED_BY_SUCCESSES = new Set(['ALL_FAILING', 'CONSECUTIVE_FAILURES', 'FAILURE_SPIKE', 'DESTINATION_DOWN']);

export interface Detection {
  /** What may open or update an incident. */
  findings: Finding[];
  /**
   * The same cause said again (an integration's own failures under a host outage or under
   * ALL_FAILING): they update an incident already open for them but never open one, and they keep it
   * from being resolved as "clear" while the cause lasts.
   */
  echoes: Finding[];
}

export function detect(ctx: DetectorContext): Detection {
  const all = Object.values(DETECTORS).flatMap((d) => d(ctx));
  const underHostOutage = new Set(all.filter((f) => f.kind === 'DESTINATION_DOWN').flatMap((f) => f.integrationIds));
  const allFailing = new Set(all.filter((f) => f.kind === 'ALL_FAILING').map((f) => f.subject));
  const isEcho = (f: Finding) => {
    if (!ECHOES.has(f.kind) || f.integrationId === null) return false;
    if (underHostOutage.has(f.integrationId)) return true;
    return f.kind !== 'ALL_FAILING' && allFailing.has(f.subject);
  };
  return { findings: all.filter((f) => !isEcho(f)), echoes: all.filter(isEcho) };
}

/**
 * Unresolved incidents whose condition no longer holds and has been clear long enough: nothing seen
 * for `resolveAfterMinutes`, or — for the failure kinds — the newest `resolveAfterSuccesses` attempts
 * all successful (on each of its integrations).
 */
export function clearedIncidents(
  ctx: DetectorContext,
  unresolved: readonly UnresolvedIncident[],
  firing: readonly Finding[],
): Array<{ id: string; note: string }> {
  const firingKeys = new Set(firing.map(incidentKey));
  const attempts = attemptsByIntegration(ctx);
  const out: Array<{ id: string; note: string }> = [];
  for (const inc of unresolved) {
    if (firingKeys.has(incidentKey(inc))) continue;
    const clearFor = ctx.now.getTime() - inc.lastSeenAt.getTime();
    if (clearFor >= ctx.windows.resolveAfterMs) {
      out.push({ id: inc.id, note: `condition clear for ${Math.round(clearFor / 60_000 / ctx.timeScale)} min` });
      continue;
    }
    // Successes say nothing about a quota, a silence, a daily pattern or stuck events: those wait out the clear period.
    if (!RESOLVED_BY_SUCCESSES.has(inc.kind)) continue;
    const need = ctx.settings.resolveAfterSuccesses;
    const streaks = inc.integrationIds.map((id) => {
      const list = attempts.get(id) ?? [];
      let n = 0;
      while (n < list.length && list[n]?.succeeded) n++;
      return n;
    });
    if (streaks.length > 0 && streaks.every((n) => n >= need)) out.push({ id: inc.id, note: `${need} successful deliveries in a row` });
  }
  return out;
}
