// DESTINATION_DOWN: at least `destinationMinIntegrations` integrations delivering to one host, and
// every attempt of each of them within the window failed with a network or 5xx code — the host's
// outage: one incident for the host, not one per integration.
import {
  attemptsByIntegration,
  clock,
  type Detector,
  dominant,
  evidenceOf,
  isNetworkOrServerCode,
  likelyCauseOf,
  watched,
} from './detector.ts';

export function hostOf(url: string | null): string | null {
  if (!url) return null;
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return null;
  }
}

export const detectDestinationDown: Detector = (ctx) => {
  const out = [];
  const byIntegration = attemptsByIntegration(ctx);
  const since = ctx.now.getTime() - ctx.windows.allFailingMs;
  const byHost = new Map<string, typeof ctx.inputs.integrations>();
  for (const i of watched(ctx)) {
    const host = hostOf(i.destinationUrl);
    if (!host || i.type === 'INBOUND_WEBHOOK') continue;
    byHost.set(host, [...(byHost.get(host) ?? []), i]);
  }
  for (const [host, integrations] of byHost) {
    if (integrations.length < ctx.settings.destinationMinIntegrations) continue;
    const failing = [];
    let healthy = false;
    for (const i of integrations) {
      const recent = (byIntegration.get(i.id) ?? []).filter((a) => a.startedAt.getTime() > since);
      if (recent.length === 0) continue;
      if (recent.some((a) => a.succeeded || !isNetworkOrServerCode(a.errorCode)) || recent.length < 2) {
        healthy = true;
        continue;
      }
      failing.push({ i, recent });
    }
    if (healthy || failing.length < ctx.settings.destinationMinIntegrations) continue;
    const attempts = failing.flatMap((f) => f.recent);
    const code = dominant(attempts.map((a) => a.errorCode));
    const first = attempts.reduce((a, b) => (a.startedAt <= b.startedAt ? a : b));
    out.push({
      workspaceId: ctx.inputs.workspaceId,
      subject: `host:${host}`,
      integrationId: null,
      integrationIds: failing.map((f) => f.i.id).sort(),
      kind: 'DESTINATION_DOWN' as const,
      errorCode: code,
      severity: 'CRITICAL' as const,
      title: `${host} is down for ${failing.length} integrations`,
      summary:
        `Every attempt to ${host} failed since ${clock(first.startedAt)}: ${attempts.length} attempts across ` +
        `${failing.map((f) => f.i.name).join(', ')}${code ? `, mostly ${code}` : ''}.`,
      likelyCause: likelyCauseOf(code, first.startedAt, true) ?? `An outage at ${host}.`,
      evidence: evidenceOf(attempts.map((a) => ({ eventId: a.eventId, at: a.startedAt }))),
    });
  }
  return out;
};
