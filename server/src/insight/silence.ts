// SILENCE: an integration that received events in this hour of the day on most of the previous 7
// days has received none for `silenceGapFactor` × its usual gap in that hour (and at least
// `silenceMinMinutes`). Quiet hours that were quiet before too never count. From the rollups and
// the integration's lastEventAt only.
import { clock, type Detector, duration, watched } from './detector.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export const detectSilence: Detector = (ctx) => {
  const out = [];
  const totals = new Map<string, number>();
  for (const r of ctx.inputs.rollups) {
    const k = `${r.integrationId}|${r.hour.getTime()}`;
    totals.set(k, (totals.get(k) ?? 0) + r.total);
  }
  const hourStart = Math.floor(ctx.now.getTime() / HOUR) * HOUR;
  for (const i of watched(ctx, ['ACTIVE'])) {
    if (!i.lastEventAt) continue;
    const counts: number[] = [];
    for (let day = 1; day <= 7; day++) counts.push(totals.get(`${i.id}|${hourStart - day * DAY}`) ?? 0);
    const busyDays = counts.filter((n) => n > 0);
    if (busyDays.length <= 3) continue;
    const perHour = busyDays.reduce((a, b) => a + b, 0) / busyDays.length;
    const usualGapMs = HOUR / perHour;
    const threshold = Math.max(ctx.settings.silenceGapFactor * usualGapMs * ctx.timeScale, ctx.windows.silenceMinMs);
    const quietFor = ctx.now.getTime() - i.lastEventAt.getTime();
    if (quietFor < threshold) continue;
    out.push({
      workspaceId: ctx.inputs.workspaceId,
      subject: i.id,
      integrationId: i.id,
      integrationIds: [i.id],
      kind: 'SILENCE' as const,
      errorCode: null,
      severity: 'WARNING' as const,
      title: `${i.name}: no events for ${duration(quietFor)}`,
      summary:
        `No event since ${clock(i.lastEventAt)} (${duration(quietFor)}). At this hour it usually receives about ${Math.round(perHour)} ` +
        `events (on ${busyDays.length} of the previous 7 days), one every ${duration(usualGapMs)}.`,
      likelyCause:
        i.type === 'INBOUND_WEBHOOK'
          ? 'The sender stopped sending: the webhook was deregistered on the provider, or it points at an old ingest URL.'
          : 'Your application stopped publishing this event type, or the integration no longer subscribes to it.',
      evidence: [],
    });
  }
  return out;
};
