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
    // A full page of failures: the run began before the oldest of them, right after the last success.
    const capped = ctx.inputs.lastSuccess.find((l) => l.integrationId === i.id);
    const since = capped ? (capped.at ?? oldest.startedAt) : oldest.startedAt;
    const failingFor = ctx.now.getTime() - Math.min(since.getTime(), oldest.startedAt.getTime());
    // An open circuit breaker has already judged the destination down: the incident opens with it, not 10 minutes later.
    const circuitOpen = i.circuit === 'OPEN' || i.circuit === 'HALF_OPEN';
    if (failingFor < ctx.windows.allFailingMs && !circuitOpen) continue;
    const code = dominant(run.map((a) => a.errorCode));
    const events = evidenceOf(run.map((a) => ({ eventId: a.eventId, at: a.startedAt })));
    out.push({
      ...base(ctx, i),
      kind: 'ALL_FAILING' as const,
      errorCode: code,
      severity: 'CRITICAL' as const,
      title: `${i.name}: every delivery is failing${code ? ` (${code})` : ''}`,
      summary:
        `${capped ? 'At least ' : ''}${run.length} attempts in a row failed${code ? `, most with ${code}` : ''}, over ${events.length} events, ` +
        `since ${clock(new Date(ctx.now.getTime() - failingFor))} (${duration(failingFor)}), with no success in between` +
        (i.state === 'ERROR'
          ? `; the integration is in ERROR and its deliveries are held until it is reconnected.`
          : circuitOpen
            ? '; the circuit breaker is open: deliveries are held (keeping their retry budget) and a probe is tried on a backoff.'
            : '.'),
      likelyCause: likelyCauseOf(code, new Date(ctx.now.getTime() - failingFor), true),
      evidence: events,
    });
  }
  return out;
};
