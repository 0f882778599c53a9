// FAILURE_SPIKE: failures in the last window (default 15 min) at least `spikeFactor` times the same
// window on each of the previous 7 days, and at least `spikeMinFailures`. The current window comes
// from the integration's newest attempts; the previous days from the hourly rollups (the hour that
// held the same moment, pro rata for the window's length), so history is never scanned.
import { attemptsByIntegration, base, type Detector, dominant, evidenceOf, likelyCauseOf, watched } from './detector.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export const detectFailureSpike: Detector = (ctx) => {
  const out = [];
  const byIntegration = attemptsByIntegration(ctx);
  const windowStart = ctx.now.getTime() - ctx.windows.spikeWindowMs;
  const failedByHour = new Map<string, number>();
  for (const r of ctx.inputs.rollups) {
    const k = `${r.integrationId}|${r.hour.getTime()}`;
    failedByHour.set(k, (failedByHour.get(k) ?? 0) + r.failed);
  }
  const hourStart = Math.floor(ctx.now.getTime() / HOUR) * HOUR;
  for (const i of watched(ctx, ['ACTIVE'])) {
    const all = byIntegration.get(i.id) ?? [];
    const failing = all.filter((a) => !a.succeeded && a.startedAt.getTime() > windowStart);
    const events = evidenceOf(failing.map((a) => ({ eventId: a.eventId, at: a.startedAt })));
    // A full page of attempts inside the window covers only part of it: extrapolate its failure rate.
    const oldest = all.at(-1);
    const partial = all.length >= ctx.inputs.attemptPage && oldest !== undefined && oldest.startedAt.getTime() > windowStart;
    const covered = partial ? ctx.now.getTime() - oldest.startedAt.getTime() : ctx.windows.spikeWindowMs;
    const current = partial ? Math.round((events.length * ctx.windows.spikeWindowMs) / Math.max(covered, 1)) : events.length;
    if (current < ctx.settings.spikeMinFailures) continue;
    let usual = 0;
    for (let day = 1; day <= 7; day++) {
      const hourFailed = failedByHour.get(`${i.id}|${hourStart - day * DAY}`) ?? 0;
      usual = Math.max(usual, (hourFailed * ctx.windows.spikeWindowMs) / HOUR / ctx.timeScale);
    }
    if (current < ctx.settings.spikeFactor * usual) continue;
    const code = dominant(failing.map((a) => a.errorCode));
    const minutes = Math.round(ctx.settings.spikeWindowMinutes);
    out.push({
      ...base(ctx, i),
      kind: 'FAILURE_SPIKE' as const,
      errorCode: code,
      severity: 'WARNING' as const,
      title: `${i.name}: failure spike${code ? ` (${code})` : ''}`,
      summary:
        `${partial ? `About ${current}` : current} events failed in the last ${minutes} min` +
        (partial ? ` (${events.length} in the newest ${all.length} attempts, over ${Math.round(covered / 1000)} s)` : '') +
        `; the same ${minutes} min on the previous 7 days saw at most ` +
        `${usual.toFixed(1)} (≥ ${ctx.settings.spikeFactor}× is a spike).` +
        (code ? ` Dominant error code: ${code}.` : ''),
      likelyCause: likelyCauseOf(code, events.at(-1)?.at ?? null, false),
      evidence: events,
    });
  }
  return out;
};
