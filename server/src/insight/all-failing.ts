// ALL_FAILING: every attempt of an integration has failed for at least the window (default 10 min,
// at least 5 attempts, no success in between) — credentials, URL or connectivity.
import { attemptsByIntegration, base, clock, type Detector, dominant, duration, evidenceOf, likelyCauseOf, watched } from './detector.ts';

export const detectAllFailing: Detector = (ctx) => {
  const byIntegration = attemptsByIntegration(ctx);
  const out = [];
  for (const i of watched(ctx)) {
    const attempts = byIntegration.get(i.id) ?? [];
    const firstSuccess = attempts.findIndex((a) => a.succeeded);
    const run = firstSuccess === -1 ? attempts : attempts.slice(0, firstSuccess);
    const oldest = run.at(-1);
    if (!oldest || run.length < ctx.settings.allFailingMinAttempts) continue;
    const failingFor = ctx.now.getTime() - oldest.startedAt.getTime();
    if (failingFor < ctx.windows.allFailingMs) continue;
    const code = dominant(run.map((a) => a.errorCode));
    const events = evidenceOf(run.map((a) => ({ eventId: a.eventId, at: a.startedAt })));
    out.push({
      ...base(ctx, i),
      kind: 'ALL_FAILING' as const,
      errorCode: code,
      severity: 'CRITICAL' as const,
      title: `${i.name}: every delivery is failing${code ? ` (${code})` : ''}`,
      summary:
        `${run.length} attempts in a row failed${code ? `, most with ${code}` : ''}, over ${events.length} events, ` +
        `since ${clock(oldest.startedAt)} (${duration(failingFor)}), with no success in between` +
        (i.state === 'ERROR' ? `; the integration is in ERROR and its deliveries are held until it is reconnected.` : '.'),
      likelyCause: likelyCauseOf(code, oldest.startedAt, true),
      evidence: events,
    });
  }
  return out;
};
