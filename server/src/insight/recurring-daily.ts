// RECURRING_DAILY: failures concentrated in the same clock hour (the workspace's time zone) on at
// least `recurringMinDays` of the last `recurringDays` days — a scheduled job or a provider's
// maintenance window. Read from the hourly rollups only.
import { type Detector, watched } from './detector.ts';

const DAY = 86_400_000;

function localDayHour(timezone: string): (d: Date) => { day: string; hour: number } {
  const f = new Intl.DateTimeFormat('en-CA', {
    timeZone: timezone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    hourCycle: 'h23',
  });
  return (d) => {
    const parts = Object.fromEntries(f.formatToParts(d).map((p) => [p.type, p.value]));
    return { day: `${parts.year}-${parts.month}-${parts.day}`, hour: Number(parts.hour) };
  };
}

export const detectRecurringDaily: Detector = (ctx) => {
  const out = [];
  const since = ctx.now.getTime() - ctx.settings.recurringDays * DAY;
  const toLocal = localDayHour(ctx.inputs.timezone);
  for (const i of watched(ctx)) {
    // day → hour → failures (and codes), day → failures
    const byDayHour = new Map<string, Map<number, { failed: number; codes: Map<string, number> }>>();
    const byDay = new Map<string, number>();
    for (const r of ctx.inputs.rollups) {
      if (r.integrationId !== i.id || r.failed === 0 || r.hour.getTime() < since) continue;
      const { day, hour } = toLocal(r.hour);
      byDay.set(day, (byDay.get(day) ?? 0) + r.failed);
      let hours = byDayHour.get(day);
      if (!hours) {
        hours = new Map();
        byDayHour.set(day, hours);
      }
      let h = hours.get(hour);
      if (!h) {
        h = { failed: 0, codes: new Map() };
        hours.set(hour, h);
      }
      h.failed += r.failed;
      h.codes.set(r.errorCode, (h.codes.get(r.errorCode) ?? 0) + r.failed);
    }
    const daysByHour = new Map<number, { days: string[]; failed: number; codes: Map<string, number> }>();
    for (const [day, hours] of byDayHour) {
      const dayFailed = byDay.get(day) ?? 0;
      for (const [hour, h] of hours) {
        if (h.failed < ctx.settings.recurringMinFailures || h.failed < ctx.settings.recurringMinShare * dayFailed) continue;
        let acc = daysByHour.get(hour);
        if (!acc) {
          acc = { days: [], failed: 0, codes: new Map() };
          daysByHour.set(hour, acc);
        }
        acc.days.push(day);
        acc.failed += h.failed;
        for (const [c, n] of h.codes) acc.codes.set(c, (acc.codes.get(c) ?? 0) + n);
      }
    }
    let best: [number, { days: string[]; failed: number; codes: Map<string, number> }] | null = null;
    for (const entry of daysByHour) if (!best || entry[1].days.length > best[1].days.length) best = entry;
    if (!best || best[1].days.length < ctx.settings.recurringMinDays) continue;
    const [hour, acc] = best;
    const code = [...acc.codes].sort((a, b) => b[1] - a[1])[0]?.[0] || null;
    const hh = String(hour).padStart(2, '0');
    out.push({
      workspaceId: ctx.inputs.workspaceId,
      subject: i.id,
      integrationId: i.id,
      integrationIds: [i.id],
      kind: 'RECURRING_DAILY' as const,
      errorCode: code,
      severity: 'WARNING' as const,
      title: `${i.name}: failures every day around ${hh}:00 (${ctx.inputs.timezone})`,
      summary:
        `On ${acc.days.length} of the last ${ctx.settings.recurringDays} days, failures clustered between ${hh}:00 and ${hh}:59 ` +
        `${ctx.inputs.timezone}: ${acc.failed} failures in that hour in all${code ? `, mostly ${code}` : ''} (days: ${acc.days.sort().join(', ')}).`,
      likelyCause: `Something scheduled: a job on your side or the provider's maintenance window around ${hh}:00 ${ctx.inputs.timezone}.`,
      evidence: [],
      eventTotal: acc.failed,
    });
  }
  return out;
};
