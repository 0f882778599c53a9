// CONSECUTIVE_FAILURES: the integration's newest finished events (default 5) all ended FAILED with
// the same error code. A retry that ended DELIVERED breaks the run; so does one success.
import { base, clock, type Detector, likelyCauseOf, severityOfCode, watched } from './detector.ts';
import { describeErrorCode, remediationsFor } from '@switchboard/db';

export const detectConsecutiveFailures: Detector = (ctx) => {
  const out = [];
  const finished = new Map<string, typeof ctx.inputs.finished>();
  for (const f of ctx.inputs.finished) {
    const list = finished.get(f.integrationId) ?? [];
    list.push(f);
    finished.set(f.integrationId, list);
  }
  for (const i of watched(ctx)) {
    const events = (finished.get(i.id) ?? []).sort((a, b) => b.at.getTime() - a.at.getTime());
    const code = events[0]?.status === 'FAILED' ? events[0].errorCode : null;
    if (!code) continue;
    let run = 0;
    while (run < events.length && events[run]?.status === 'FAILED' && events[run]?.errorCode === code) run++;
    if (run < ctx.settings.consecutiveFailures) continue;
    const sample = events.slice(0, run);
    const since = sample.at(-1)?.at ?? null;
    const d = describeErrorCode(code);
    const guidance = remediationsFor({ code, type: i.type })[0]?.guidance;
    out.push({
      ...base(ctx, i),
      kind: 'CONSECUTIVE_FAILURES' as const,
      errorCode: code,
      severity: severityOfCode(code),
      title: `${i.name}: ${run} events failed in a row with ${code}`,
      summary: `The last ${run} finished events all ended FAILED with ${code} (${d.label}) since ${since ? clock(since) : 'recently'}; none was delivered in between.`,
      likelyCause: likelyCauseOf(code, since, false) ?? `${d.label} (${d.category.toLowerCase()})${guidance ? `: ${guidance}` : ''}`,
      evidence: sample.map((e) => ({ eventId: e.eventId, at: e.at })),
    });
  }
  return out;
};
