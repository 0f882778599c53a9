// STUCK_PROCESSING: events PROCESSING, or due and unclaimed, for longer than the stuck threshold
// (default 15 min) — the worker is down or overloaded, or a destination never answers.
import { clock, type Detector, duration, groupBy } from './detector.ts';

export const detectStuckProcessing: Detector = (ctx) => {
  const out = [];
  const cutoff = ctx.now.getTime() - ctx.windows.stuckMs;
  const integrations = new Map(ctx.inputs.integrations.map((i) => [i.id, i]));
  // Events held on purpose (an open circuit, a destination's rate-limit wait) are due but not stuck.
  const holding = (id: string) => {
    const i = integrations.get(id);
    return !!i && ((i.circuit !== undefined && i.circuit !== 'CLOSED') || (i.throttledUntil?.getTime() ?? 0) > ctx.now.getTime());
  };
  const byIntegration = groupBy(
    ctx.inputs.stuck.filter((s) => s.since.getTime() < cutoff && (s.status === 'PROCESSING' || !holding(s.integrationId))),
    (s) => s.integrationId,
  );
  for (const [integrationId, rows] of byIntegration) {
    const i = integrations.get(integrationId);
    if (i?.state !== 'ACTIVE') continue;
    const oldest = rows.reduce((a, b) => (a.since <= b.since ? a : b));
    const processing = rows.filter((r) => r.status === 'PROCESSING').length;
    const waiting = rows.length - processing;
    out.push({
      workspaceId: ctx.inputs.workspaceId,
      subject: i.id,
      integrationId: i.id,
      integrationIds: [i.id],
      kind: 'STUCK_PROCESSING' as const,
      errorCode: null,
      severity: 'CRITICAL' as const,
      title: `${i.name}: events stuck for more than ${duration(ctx.windows.stuckMs)}`,
      summary:
        `${processing} event(s) PROCESSING and ${waiting} due but unclaimed for longer than ${duration(ctx.windows.stuckMs)}; ` +
        `the oldest since ${clock(oldest.since)}.`,
      likelyCause:
        processing > 0
          ? 'The delivery worker is down or overloaded, or the destination accepts connections and never answers.'
          : 'No delivery worker is claiming due events: the worker is down or overloaded.',
      evidence: rows.map((r) => ({ eventId: r.eventId, at: r.since })),
    });
  }
  return out;
};
