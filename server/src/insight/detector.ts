// What every detector shares: its input (one workspace's rows, read once per run), the settings in
// effect, and small helpers over the rows. Detectors are pure functions from this to findings.
import {
  describeErrorCode,
  type DetectorAttempt,
  type DetectorInputs,
  type DetectorIntegration,
  type IncidentDetection,
} from '@switchboard/db';
import type { DetectorWindows, InsightSettings } from '@switchboard/db';

export interface DetectorContext {
  inputs: DetectorInputs;
  settings: InsightSettings;
  windows: DetectorWindows;
  timeScale: number;
  now: Date;
}

export type Finding = IncidentDetection;
export type Detector = (ctx: DetectorContext) => Finding[];

/** Integrations a detector looks at: never a paused (or disconnected) one — holding events is what the operator asked for. */
export function watched(ctx: DetectorContext, states: readonly string[] = ['ACTIVE', 'ERROR']): DetectorIntegration[] {
  return ctx.inputs.integrations.filter((i) => states.includes(i.state));
}

export function groupBy<T>(rows: readonly T[], key: (r: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const r of rows) {
    const k = key(r);
    const list = m.get(k);
    if (list) list.push(r);
    else m.set(k, [r]);
  }
  return m;
}

/** Attempts of each integration, newest first. */
export function attemptsByIntegration(ctx: DetectorContext): Map<string, DetectorAttempt[]> {
  const m = groupBy(ctx.inputs.attempts, (a) => a.integrationId);
  for (const list of m.values()) list.sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime());
  return m;
}

/** The most frequent value (ties: the first seen, i.e. the newest). */
export function dominant(values: readonly (string | null)[]): string | null {
  const counts = new Map<string, number>();
  let best: string | null = null;
  let bestN = 0;
  for (const v of values) {
    if (v === null) continue;
    const n = (counts.get(v) ?? 0) + 1;
    counts.set(v, n);
    if (n > bestN) {
      best = v;
      bestN = n;
    }
  }
  return best;
}

/** One entry per event (its newest failure), newest first. */
export function evidenceOf(rows: ReadonlyArray<{ eventId: string; at: Date }>): Array<{ eventId: string; at: Date }> {
  const seen = new Map<string, Date>();
  for (const r of rows) {
    const prev = seen.get(r.eventId);
    if (!prev || prev < r.at) seen.set(r.eventId, r.at);
  }
  return [...seen].map(([eventId, at]) => ({ eventId, at })).sort((a, b) => b.at.getTime() - a.at.getTime());
}

export function clock(d: Date): string {
  return `${d.toISOString().slice(11, 16)} UTC`;
}

export function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 120) return `${m} min`;
  return `${Math.round(m / 60)} h`;
}

const NETWORK_CODES = new Set(['TIMEOUT', 'CONNECTION_REFUSED', 'DNS', 'TLS']);

export function isNetworkOrServerCode(code: string | null): boolean {
  if (!code) return false;
  if (NETWORK_CODES.has(code)) return true;
  const category = describeErrorCode(code).category;
  return category === 'NETWORK' || category === 'SERVER';
}

/**
 * The likely cause in plain words (DESIGN.md): credentials for 401/403, a changed URL or API version
 * for 404/410, connectivity for network codes, a provider outage for 5xx; otherwise the code's
 * label and category.
 */
export function likelyCauseOf(code: string | null, since: Date | null, every: boolean): string | null {
  if (!code) return null;
  const when = since ? ` since ${clock(since)}` : '';
  const scope = every ? 'on every attempt' : 'repeatedly';
  if (code === '401' || code === '403')
    return `Credentials expired or revoked: the destination answers ${code} ${scope}${when}. Update the integration's credentials and reconnect it.`;
  if (code === '404' || code === '410') return `The destination's URL or API version changed: ${code} ${scope}${when}.`;
  if (NETWORK_CODES.has(code)) return `Connectivity: the destination cannot be reached (${code}) ${scope}${when}.`;
  if (/^5\d\d$/.test(code)) return `A provider outage: the destination answers ${code} ${scope}${when}.`;
  if (code === '429') return `The destination's rate limit: 429 Too Many Requests ${scope}${when}.`;
  const d = describeErrorCode(code);
  return `${d.label} (${d.category.toLowerCase()} error) ${scope}${when}.`;
}

export function severityOfCode(code: string | null): 'WARNING' | 'CRITICAL' {
  return code === '401' || code === '403' || code === '404' || code === '410' ? 'CRITICAL' : 'WARNING';
}

export function base(ctx: DetectorContext, i: DetectorIntegration) {
  return { workspaceId: ctx.inputs.workspaceId, subject: i.id, integrationId: i.id, integrationIds: [i.id] };
}
