// RATE_LIMIT_HEADROOM: the destination's latest rate-limit headers say less than `rateLimitHeadroom`
// (default 10%) of the window or daily quota is left. A window snapshot older than 15 min (scaled)
// and a daily one older than a day say nothing about now; nor does a window of fewer than 10
// requests (a limit of a few per second reads 0 left right after almost every request).
const MIN_WINDOW = 10;
import { clock, type Detector, watched } from './detector.ts';

const DAY = 86_400_000;

export const detectRateLimitHeadroom: Detector = (ctx) => {
  const out = [];
  for (const i of watched(ctx, ['ACTIVE'])) {
    const s = i.lastRateLimit;
    if (!s) continue;
    const observed = new Date(s.observedAt);
    const age = ctx.now.getTime() - observed.getTime();
    const parts: string[] = [];
    let worst = 1;
    if (s.max && s.max >= MIN_WINDOW && s.remaining !== null && age <= ctx.windows.rateLimitFreshMs) {
      const left = s.remaining / s.max;
      if (left < ctx.settings.rateLimitHeadroom) parts.push(`${s.remaining} of ${s.max} requests left in the current window`);
      worst = Math.min(worst, left);
    }
    if (s.dailyLimit && s.dailyLimit > 0 && s.dailyRemaining !== null && age <= DAY * ctx.timeScale) {
      const left = s.dailyRemaining / s.dailyLimit;
      if (left < ctx.settings.rateLimitHeadroom) parts.push(`${s.dailyRemaining} of ${s.dailyLimit} requests left today`);
      worst = Math.min(worst, left);
    }
    if (parts.length === 0) continue;
    const resets = s.retryAfterSeconds ? `; the provider asks to wait ${s.retryAfterSeconds} s` : '';
    out.push({
      workspaceId: ctx.inputs.workspaceId,
      subject: i.id,
      integrationId: i.id,
      integrationIds: [i.id],
      kind: 'RATE_LIMIT_HEADROOM' as const,
      errorCode: null,
      severity: worst <= 0 ? ('CRITICAL' as const) : ('WARNING' as const),
      title: `${i.name}: rate-limit quota nearly spent`,
      summary: `At ${clock(observed)}: ${parts.join('; ')} (${Math.round(worst * 100)}% left)${resets}.`,
      likelyCause: `The destination's quota: deliveries will wait for it to reset${s.retryAfterSeconds ? ` (in about ${s.retryAfterSeconds} s)` : ''}. Spread the load, or ask the provider for a higher limit.`,
      evidence: [],
    });
  }
  return out;
};
