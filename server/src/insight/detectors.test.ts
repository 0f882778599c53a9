// Every detector on synthetic timelines: the ones that must open an incident, and the seed's
// normal cases that must not (a single failure among successes, a retry that recovers, quiet hours
// that were quiet before too, a paused integration).
import type { DetectorAttempt, DetectorInputs, DetectorIntegration, DetectorRollupHour, UnresolvedIncident } from '@switchboard/db';
import { describe, expect, it } from 'vitest';
import { detectAllFailing } from './all-failing.ts';
import { detectConsecutiveFailures } from './consecutive-failures.ts';
import { clearedIncidents, detect, detectorContext } from './detect.ts';
import { detectDestinationDown } from './destination-down.ts';
import { detectFailureSpike } from './failure-spike.ts';
import { detectRateLimitHeadroom } from './rate-limit-headroom.ts';
import { detectRecurringDaily } from './recurring-daily.ts';
import { detectSilence } from './silence.ts';
import { detectStuckProcessing } from './stuck-processing.ts';

const NOW = new Date('2026-12-01T12:07:00.000Z');
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const ago = (ms: number) => new Date(NOW.getTime() - ms);

let seq = 0;
const eid = () => `00000000-0000-7000-8000-${String(++seq).padStart(12, '0')}`;

function integration(over: Partial<DetectorIntegration> = {}): DetectorIntegration {
  return {
    id: over.id ?? 'int-1',
    name: over.name ?? 'CRM sync',
    type: 'OUTBOUND_WEBHOOK',
    provider: 'hubspot',
    state: 'ACTIVE',
    destinationUrl: 'https://api.example.com/hook',
    lastRateLimit: null,
    lastEventAt: ago(MIN),
    installedAt: ago(30 * DAY),
    ...over,
  };
}

function inputs(over: Partial<DetectorInputs> = {}): DetectorInputs {
  return {
    workspaceId: 'ws-1',
    timezone: 'UTC',
    settings: null,
    integrations: [integration()],
    attempts: [],
    attemptPage: 200,
    finished: [],
    lastSuccess: [],
    rollups: [],
    stuck: [],
    ...over,
  };
}

/** Attempts every `everyMs` from `fromMs` ago until now, failing with `code` (null: succeeding). */
function attempts(integrationId: string, fromMs: number, everyMs: number, code: string | null): DetectorAttempt[] {
  const out: DetectorAttempt[] = [];
  for (let t = fromMs; t >= 0; t -= everyMs)
    out.push({ integrationId, eventId: eid(), startedAt: ago(t), succeeded: code === null, errorCode: code });
  return out;
}

const ctx = (i: DetectorInputs, scale = 1) => detectorContext(i, scale, NOW);

describe('ALL_FAILING', () => {
  it('opens when every attempt has failed for 10 minutes (401: credentials)', () => {
    const f = detectAllFailing(ctx(inputs({ attempts: attempts('int-1', 11 * MIN, MIN, '401') })));
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ kind: 'ALL_FAILING', errorCode: '401', severity: 'CRITICAL', subject: 'int-1' });
    expect(f[0]?.likelyCause).toMatch(/Credentials expired or revoked/);
    expect(f[0]?.summary).toMatch(/12 attempts in a row failed/);
  });

  it('names the URL for 404 and connectivity for TIMEOUT', () => {
    const a = detectAllFailing(ctx(inputs({ attempts: attempts('int-1', 11 * MIN, MIN, '404') })));
    expect(a[0]?.likelyCause).toMatch(/URL or API version changed/);
    const b = detectAllFailing(ctx(inputs({ attempts: attempts('int-1', 11 * MIN, MIN, 'TIMEOUT') })));
    expect(b[0]?.likelyCause).toMatch(/Connectivity/);
    const c = detectAllFailing(ctx(inputs({ attempts: attempts('int-1', 11 * MIN, MIN, '503') })));
    expect(c[0]?.likelyCause).toMatch(/provider outage/);
  });

  it('stays quiet before the window has passed, and when one attempt succeeded in it', () => {
    expect(detectAllFailing(ctx(inputs({ attempts: attempts('int-1', 8 * MIN, MIN, '401') })))).toEqual([]);
    const mixed = [
      ...attempts('int-1', 11 * MIN, MIN, '500'),
      { integrationId: 'int-1', eventId: eid(), startedAt: ago(4 * MIN + 1), succeeded: true, errorCode: null },
    ];
    expect(detectAllFailing(ctx(inputs({ attempts: mixed })))).toEqual([]);
  });

  it('stays quiet for a paused integration', () => {
    const i = inputs({ integrations: [integration({ state: 'PAUSED' })], attempts: attempts('int-1', 11 * MIN, MIN, '401') });
    expect(detect(ctx(i))).toEqual({ findings: [], echoes: [] });
  });

  it('sees a long outage at a high rate as one run, from the last success before a full page of failures', () => {
    const burst = attempts('int-1', 60_000, 250, '503'); // 241 failures in the last minute
    expect(detectAllFailing(ctx(inputs({ attempts: burst })))).toEqual([]);
    const f = detectAllFailing(ctx(inputs({ attempts: burst, lastSuccess: [{ integrationId: 'int-1', at: ago(25 * MIN) }] })));
    expect(f[0]?.summary).toMatch(/^At least 241 attempts in a row failed, most with 503, .* \(25 min\)/);
  });

  it('compresses its window by the time scale', () => {
    const i = inputs({ attempts: attempts('int-1', 1000, 100, '401') });
    expect(detectAllFailing(ctx(i, 1))).toEqual([]);
    expect(detectAllFailing(ctx(i, 0.001))).toHaveLength(1);
  });
});

describe('CONSECUTIVE_FAILURES', () => {
  const finished = (codes: (string | null)[]) =>
    codes.map((code, n) => ({
      integrationId: 'int-1',
      eventId: eid(),
      status: code ? ('FAILED' as const) : ('DELIVERED' as const),
      errorCode: code,
      at: ago(n * MIN),
    }));

  it('opens after 5 events failed in a row with the same code', () => {
    const f = detectConsecutiveFailures(ctx(inputs({ finished: finished(['422', '422', '422', '422', '422', null]) })));
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ kind: 'CONSECUTIVE_FAILURES', errorCode: '422' });
    expect(f[0]?.evidence).toHaveLength(5);
  });

  it('stays quiet for a single failure among successes, mixed codes, and a retry that ended DELIVERED', () => {
    expect(detectConsecutiveFailures(ctx(inputs({ finished: finished([null, null, '500', null, null, null]) })))).toEqual([]);
    expect(detectConsecutiveFailures(ctx(inputs({ finished: finished(['400', '422', '400', '422', '400']) })))).toEqual([]);
    // Retries recovered: those events ended DELIVERED, so four failures and a success is no run of five.
    expect(detectConsecutiveFailures(ctx(inputs({ finished: finished(['500', '500', null, '500', '500']) })))).toEqual([]);
  });
});

describe('FAILURE_SPIKE', () => {
  const rollup = (daysAgo: number, failed: number): DetectorRollupHour => ({
    integrationId: 'int-1',
    hour: new Date(Math.floor(NOW.getTime() / HOUR) * HOUR - daysAgo * DAY),
    errorCode: '503',
    failed,
    total: failed + 100,
  });
  const current = () => [...attempts('int-1', 14 * MIN, MIN, '503'), ...attempts('int-1', 14 * MIN + 30_000, 2 * MIN, null)];

  it('opens when the last 15 min failed ≥ 3× the same 15 min on each of the previous 7 days', () => {
    const rollups = [1, 2, 3, 4, 5, 6, 7].map((d) => rollup(d, 8)); // ≈ 2 per 15 min
    const f = detectFailureSpike(ctx(inputs({ attempts: current(), rollups })));
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ kind: 'FAILURE_SPIKE', errorCode: '503' });
    expect(f[0]?.summary).toMatch(/^15 events failed in the last 15 min/);
  });

  it('extrapolates when a full page of attempts covers only part of the window (a busy integration)', () => {
    // 200 attempts in the last 100 s, one in five failing: ~40 failures, ~360 over 15 min; usually ~25.
    const busy: DetectorAttempt[] = [];
    for (let n = 0; n < 200; n++)
      busy.push({
        integrationId: 'int-1',
        eventId: eid(),
        startedAt: ago(n * 500),
        succeeded: n % 5 !== 0,
        errorCode: n % 5 ? null : '503',
      });
    const rollups = [1, 2, 3, 4, 5, 6, 7].map((d) => rollup(d, 100));
    const f = detectFailureSpike(ctx(inputs({ attempts: busy, rollups })));
    expect(f[0]?.summary).toMatch(/^About 36\d events failed in the last 15 min \(40 in the newest 200 attempts, over 100 s\)/);
    // Without extrapolation 40 < 3 × 25 would have hidden it; at the usual rate it stays quiet.
    expect(detectFailureSpike(ctx(inputs({ attempts: busy, rollups: [1, 2, 3].map((d) => rollup(d, 1600)) })))).toEqual([]);
  });

  it('stays quiet when the same hour usually fails as much, and under the minimum of 10', () => {
    const busy = [1, 2, 3, 4, 5, 6, 7].map((d) => rollup(d, d === 3 ? 40 : 8));
    expect(detectFailureSpike(ctx(inputs({ attempts: current(), rollups: busy })))).toEqual([]);
    expect(detectFailureSpike(ctx(inputs({ attempts: attempts('int-1', 14 * MIN, 2 * MIN, '503') })))).toEqual([]);
  });
});

describe('STUCK_PROCESSING', () => {
  it('opens for events PROCESSING or due and unclaimed for more than 15 min', () => {
    const stuck = [
      { integrationId: 'int-1', eventId: eid(), status: 'PROCESSING' as const, since: ago(20 * MIN) },
      { integrationId: 'int-1', eventId: eid(), status: 'RECEIVED' as const, since: ago(16 * MIN) },
    ];
    const f = detectStuckProcessing(ctx(inputs({ stuck })));
    expect(f).toHaveLength(1);
    expect(f[0]?.summary).toMatch(/1 event\(s\) PROCESSING and 1 due but unclaimed/);
  });

  it('stays quiet under the threshold and for a paused integration (its events are held on purpose)', () => {
    const young = [{ integrationId: 'int-1', eventId: eid(), status: 'PROCESSING' as const, since: ago(10 * MIN) }];
    expect(detectStuckProcessing(ctx(inputs({ stuck: young })))).toEqual([]);
    const held = [{ integrationId: 'int-1', eventId: eid(), status: 'RECEIVED' as const, since: ago(60 * MIN) }];
    expect(detectStuckProcessing(ctx(inputs({ integrations: [integration({ state: 'PAUSED' })], stuck: held })))).toEqual([]);
  });
});

describe('RECURRING_DAILY', () => {
  const day = (daysAgo: number, hour: number) => new Date(Date.UTC(2026, 11, 1 - daysAgo, hour));
  const r = (daysAgo: number, hour: number, failed: number, total = failed + 20): DetectorRollupHour => ({
    integrationId: 'int-1',
    hour: day(daysAgo, hour),
    errorCode: failed ? '503' : '',
    failed,
    total,
  });

  it('opens when failures cluster in the same clock hour on 3 of the last 7 days', () => {
    const rollups = [1, 3, 4].map((d) => r(d, 2, 12));
    for (const d of [1, 2, 3, 4, 5, 6]) rollups.push(r(d, 9, 1), r(d, 15, 1));
    const f = detectRecurringDaily(ctx(inputs({ rollups })));
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ kind: 'RECURRING_DAILY', errorCode: '503', eventTotal: 36 });
    expect(f[0]?.title).toMatch(/around 02:00/);
  });

  it('uses the workspace time zone for the clock hour', () => {
    const rollups = [1, 3, 4].map((d) => r(d, 2, 12));
    const f = detectRecurringDaily(ctx(inputs({ rollups, timezone: 'America/New_York' })));
    expect(f[0]?.title).toMatch(/around 21:00 \(America\/New_York\)/);
  });

  it('stays quiet for failures spread over the day, or on only 2 days', () => {
    const spread = [];
    for (const d of [1, 2, 3, 4, 5]) for (let h = 0; h < 24; h += 2) spread.push(r(d, h, 6));
    expect(detectRecurringDaily(ctx(inputs({ rollups: spread })))).toEqual([]);
    expect(detectRecurringDaily(ctx(inputs({ rollups: [1, 2].map((d) => r(d, 2, 12)) })))).toEqual([]);
  });
});

describe('RATE_LIMIT_HEADROOM', () => {
  const snapshot = (remaining: number, max: number, observedMsAgo = MIN) => ({
    max,
    remaining,
    dailyLimit: null,
    dailyRemaining: null,
    retryAfterSeconds: null,
    observedAt: ago(observedMsAgo).toISOString(),
  });

  it('opens when less than 10% of the window quota is left', () => {
    const f = detectRateLimitHeadroom(ctx(inputs({ integrations: [integration({ lastRateLimit: snapshot(4, 100) })] })));
    expect(f).toHaveLength(1);
    expect(f[0]?.summary).toMatch(/4 of 100 requests left in the current window \(4% left\)/);
  });

  it('opens for the daily quota too', () => {
    const s = { ...snapshot(90, 100), dailyLimit: 10_000, dailyRemaining: 200 };
    expect(detectRateLimitHeadroom(ctx(inputs({ integrations: [integration({ lastRateLimit: s })] })))[0]?.summary).toMatch(
      /200 of 10000 requests left today/,
    );
  });

  it('stays quiet with headroom, or when the snapshot is too old to say anything about now', () => {
    expect(detectRateLimitHeadroom(ctx(inputs({ integrations: [integration({ lastRateLimit: snapshot(50, 100) })] })))).toEqual([]);
    expect(detectRateLimitHeadroom(ctx(inputs({ integrations: [integration({ lastRateLimit: snapshot(1, 100, 2 * HOUR) })] })))).toEqual(
      [],
    );
  });
});

describe('SILENCE', () => {
  const hour = (daysAgo: number) => new Date(Math.floor(NOW.getTime() / HOUR) * HOUR - daysAgo * DAY);
  const busy = (days: number[], perHour: number): DetectorRollupHour[] =>
    days.map((d) => ({ integrationId: 'int-1', hour: hour(d), errorCode: '', failed: 0, total: perHour }));

  it('opens when an integration busy at this hour on most previous days has been quiet for ≥ 3 usual gaps (≥ 1 h)', () => {
    const i = inputs({
      integrations: [integration({ type: 'INBOUND_WEBHOOK', lastEventAt: ago(70 * MIN) })],
      rollups: busy([1, 2, 3, 4, 5], 60),
    });
    const f = detectSilence(ctx(i));
    expect(f).toHaveLength(1);
    expect(f[0]?.likelyCause).toMatch(/webhook was deregistered/);
  });

  it('stays quiet in off-hours that were quiet before too, and under the hour minimum', () => {
    const offHours = inputs({ integrations: [integration({ lastEventAt: ago(5 * HOUR) })], rollups: busy([2, 6], 60) });
    expect(detectSilence(ctx(offHours))).toEqual([]);
    const brief = inputs({ integrations: [integration({ lastEventAt: ago(40 * MIN) })], rollups: busy([1, 2, 3, 4, 5], 60) });
    expect(detectSilence(ctx(brief))).toEqual([]);
  });

  it('waits for 3 usual gaps when the gap is longer than 20 minutes', () => {
    const rare = busy([1, 2, 3, 4, 5, 6, 7], 1); // one event an hour
    expect(detectSilence(ctx(inputs({ integrations: [integration({ lastEventAt: ago(2 * HOUR) })], rollups: rare })))).toEqual([]);
    expect(detectSilence(ctx(inputs({ integrations: [integration({ lastEventAt: ago(3 * HOUR + MIN) })], rollups: rare })))).toHaveLength(
      1,
    );
  });
});

describe('DESTINATION_DOWN', () => {
  const two = [integration({ id: 'a', name: 'Orders' }), integration({ id: 'b', name: 'Refunds' })];

  it('opens one incident for the host when every integration on it fails with network or 5xx codes', () => {
    const i = inputs({
      integrations: two,
      attempts: [...attempts('a', 11 * MIN, MIN, '502'), ...attempts('b', 11 * MIN, MIN, 'CONNECTION_REFUSED')],
    });
    const { findings: f, echoes } = detect(ctx(i));
    expect(f.map((x) => x.kind)).toEqual(['DESTINATION_DOWN']);
    // Each integration's own ALL_FAILING and spike are the same outage said again: echoes, not incidents.
    expect(echoes.map((x) => `${x.kind} ${x.subject}`).sort()).toEqual([
      'ALL_FAILING a',
      'ALL_FAILING b',
      'FAILURE_SPIKE a',
      'FAILURE_SPIKE b',
    ]);
    expect(f[0]).toMatchObject({ subject: 'host:api.example.com', integrationId: null, integrationIds: ['a', 'b'] });
  });

  it('stays quiet when one of them still succeeds, or fails for its own reasons (4xx)', () => {
    const ok = inputs({ integrations: two, attempts: [...attempts('a', 5 * MIN, MIN, '502'), ...attempts('b', 5 * MIN, MIN, null)] });
    expect(detectDestinationDown(ctx(ok))).toEqual([]);
    const own = inputs({ integrations: two, attempts: [...attempts('a', 5 * MIN, MIN, '502'), ...attempts('b', 5 * MIN, MIN, '422')] });
    expect(detectDestinationDown(ctx(own))).toEqual([]);
  });
});

describe('normal traffic', () => {
  it('a single failure among successes and a retry that recovers open nothing at all', () => {
    const ok = attempts('int-1', 14 * MIN, 30_000, null);
    const oneFailure = { integrationId: 'int-1', eventId: eid(), startedAt: ago(7 * MIN + 1), succeeded: false, errorCode: '500' };
    const retried = eid();
    const retry = [
      { integrationId: 'int-1', eventId: retried, startedAt: ago(3 * MIN + 5), succeeded: false, errorCode: 'TIMEOUT' },
      { integrationId: 'int-1', eventId: retried, startedAt: ago(3 * MIN - 5), succeeded: true, errorCode: null },
    ];
    const finished = [
      { integrationId: 'int-1', eventId: oneFailure.eventId, status: 'FAILED' as const, errorCode: '500', at: oneFailure.startedAt },
      { integrationId: 'int-1', eventId: retried, status: 'DELIVERED' as const, errorCode: null, at: ago(3 * MIN) },
    ];
    expect(detect(ctx(inputs({ attempts: [...ok, oneFailure, ...retry], finished })))).toEqual({ findings: [], echoes: [] });
  });
});

describe('auto-resolve', () => {
  const open = (lastSeenMsAgo: number): UnresolvedIncident => ({
    id: 'inc-1',
    kind: 'ALL_FAILING',
    state: 'OPEN',
    subject: 'int-1',
    errorCode: '401',
    integrationIds: ['int-1'],
    lastSeenAt: ago(lastSeenMsAgo),
    mutedUntil: null,
  });

  it('resolves after 15 min clear, or once the newest 5 attempts succeeded; never while it fires', () => {
    const c = ctx(inputs({ attempts: [] }));
    expect(clearedIncidents(c, [open(16 * MIN)], [])).toEqual([{ id: 'inc-1', note: 'condition clear for 16 min' }]);
    expect(clearedIncidents(c, [open(5 * MIN)], [])).toEqual([]);
    const successes = ctx(inputs({ attempts: attempts('int-1', 4 * MIN, MIN, null) }));
    expect(clearedIncidents(successes, [open(5 * MIN)], [])).toEqual([{ id: 'inc-1', note: '5 successful deliveries in a row' }]);
    const four = ctx(inputs({ attempts: attempts('int-1', 3 * MIN, MIN, null) }));
    expect(clearedIncidents(four, [open(5 * MIN)], [])).toEqual([]);
    const firing = detectAllFailing(ctx(inputs({ attempts: attempts('int-1', 11 * MIN, MIN, '401') })));
    expect(clearedIncidents(c, [open(16 * MIN)], firing)).toEqual([]);
    // A quota incident is not cleared by deliveries that still succeed under the squeeze.
    const quota = { ...open(5 * MIN), kind: 'RATE_LIMIT_HEADROOM' as const, errorCode: '' };
    expect(clearedIncidents(successes, [quota], [])).toEqual([]);
  });
});
