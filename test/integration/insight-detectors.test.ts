// Every detector against real PostgreSQL rows (history written the way the pipeline keeps it:
// events, attempts and hourly rollups), through the same bounded reads the detector job uses — each
// timeline that must open its incident beside one that must not.
import type { EventStatus } from '@switchboard/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Json } from '../helpers/api.ts';
import { addIntegration, seedWorkspace, sql, type Workspace } from '../helpers/pipeline.ts';
import { seedEvents } from '../helpers/seed-events.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

describe('detectors on PostgreSQL', () => {
  let server: TestServer;
  let ws: Workspace;
  const now = new Date();
  const hourStart = Math.floor(now.getTime() / HOUR) * HOUR;
  const at = (ms: number) => new Date(now.getTime() - ms);
  const names = new Map<string, string>();

  const integration = async (name: string, fields: Record<string, unknown> = {}) => {
    const i = await addIntegration(server, ws.workspaceId, { type: 'OUTBOUND_WEBHOOK', name, ...fields } as never);
    names.set(i.id, name);
    return i;
  };
  const seed = (
    integrationId: string,
    rows: Array<{ at: Date; status: EventStatus; code?: string }>,
    type: 'OUTBOUND_WEBHOOK' | 'INBOUND_WEBHOOK' = 'OUTBOUND_WEBHOOK',
  ) =>
    seedEvents(
      server.testDb.url,
      ws.workspaceId,
      rows.map((r) => ({ integrationId, integrationType: type, receivedAt: r.at, status: r.status, errorCode: r.code ?? null })),
    );

  let incidents: Array<{ kind: string; subject: string; errorCode: string; title: string; summary: string }> = [];
  const kindsOf = (name: string) =>
    incidents
      .filter((i) => names.get(i.subject) === name || i.subject === name)
      .map((i) => i.kind)
      .sort();

  beforeAll(async () => {
    // No worker and no periodic jobs: the rows stay exactly as written.
    server = await startTestServer({ SWITCHBOARD_WORKER: '0', SWITCHBOARD_INSIGHT_INTERVAL_MS: '0' });
    ws = await seedWorkspace(server);

    // CONSECUTIVE_FAILURES: six 422s in the last five minutes after deliveries; a single failure among successes beside it.
    const consecutive = await integration('consecutive');
    await seed(consecutive.id, [
      ...[30, 25, 20].map((m) => ({ at: at(m * MIN), status: 'DELIVERED' as const })),
      ...[5, 4, 3, 2, 1.5, 1].map((m) => ({ at: at(m * MIN), status: 'FAILED' as const, code: '422' })),
    ]);
    const single = await integration('single failure');
    await seed(
      single.id,
      [30, 25, 20, 15, 10, 5, 4, 3, 2, 1].map((m, n) => ({
        at: at(m * MIN),
        status: n === 5 ? ('FAILED' as const) : ('DELIVERED' as const),
        code: '500',
      })),
    );

    // FAILURE_SPIKE: 12 failures among deliveries in the last 10 min; the previous days' same hour saw 1 or 2.
    const spike = await integration('spike');
    const spikeRows: Array<{ at: Date; status: EventStatus; code?: string }> = [];
    for (let n = 0; n < 12; n++)
      spikeRows.push(
        { at: at((10 - n * 0.8) * MIN), status: 'FAILED', code: '502' },
        { at: at((10 - n * 0.8) * MIN - 5000), status: 'DELIVERED' },
      );
    for (let d = 1; d <= 7; d++) spikeRows.push({ at: new Date(hourStart - d * DAY + 10 * MIN), status: 'FAILED', code: '502' });
    await seed(spike.id, spikeRows);

    // ALL_FAILING: 404 on every attempt for 20 minutes.
    const moved = await integration('moved');
    await seed(
      moved.id,
      [20, 16, 12, 8, 4, 1].map((m) => ({ at: at(m * MIN), status: 'FAILED' as const, code: '404' })),
    );

    // DESTINATION_DOWN: two integrations on one host, every attempt 503 or refused.
    const downA = await integration('down A', { destinationUrl: 'https://down.example.com/a' });
    const downB = await integration('down B', { destinationUrl: 'https://down.example.com/b' });
    await seed(
      downA.id,
      [4, 3, 2].map((m) => ({ at: at(m * MIN), status: 'FAILED' as const, code: '503' })),
    );
    await seed(
      downB.id,
      [4, 3, 2].map((m) => ({ at: at(m * MIN), status: 'FAILED' as const, code: '503' })),
    );

    // RECURRING_DAILY: failures in the same clock hour on 3 of the last 7 days; spread failures beside it.
    const recurringHour = (new Date(hourStart).getUTCHours() + 12) % 24;
    const hourOn = (daysAgo: number, hour: number) => {
      const d = new Date(hourStart - daysAgo * DAY);
      d.setUTCHours(hour, 20, 0, 0);
      return d;
    };
    const recurring = await integration('recurring');
    const recurringRows: Array<{ at: Date; status: EventStatus; code?: string }> = [];
    for (const d of [2, 3, 5])
      for (let n = 0; n < 8; n++)
        recurringRows.push({ at: new Date(hourOn(d, recurringHour).getTime() + n * MIN), status: 'FAILED', code: '503' });
    for (let d = 2; d <= 6; d++) recurringRows.push({ at: hourOn(d, (recurringHour + 5) % 24), status: 'DELIVERED' });
    await seed(recurring.id, recurringRows);
    const spread = await integration('spread');
    const spreadRows: Array<{ at: Date; status: EventStatus; code?: string }> = [];
    for (const d of [2, 3, 4, 5])
      for (let h = 0; h < 24; h += 3)
        for (let n = 0; n < 5; n++) spreadRows.push({ at: new Date(hourOn(d, h).getTime() + n * MIN), status: 'FAILED', code: '500' });
    await seed(spread.id, spreadRows);

    // STUCK_PROCESSING: one PROCESSING for 20 min and one due for 20 min; a paused integration's held events beside them.
    const stuck = await integration('stuck');
    const [claimed, due] = await seed(stuck.id, [
      { at: at(25 * MIN), status: 'PROCESSING' },
      { at: at(20 * MIN), status: 'RECEIVED' },
    ]);
    // Queued as a worker would have left them: one leased 20 minutes ago (its lease still live), one due and unclaimed.
    await sql(server, `update event set processing_started_at = $2 where id = $1`, [claimed?.id, at(20 * MIN).toISOString()]);
    await sql(
      server,
      `insert into event_queue (event_id, received_at, integration_id, due_at, lease_owner, lease_expires_at, claimed_at)
       select id, received_at, integration_id, received_at, 'a-worker', now() + interval '1 hour', $2 from event where id = $1`,
      [claimed?.id, at(20 * MIN).toISOString()],
    );
    const enqueue = (id: string | undefined, dueAt: Date) =>
      sql(
        server,
        `insert into event_queue (event_id, received_at, integration_id, due_at) select id, received_at, integration_id, $2 from event where id = $1`,
        [id, dueAt.toISOString()],
      );
    await sql(server, `update event set next_attempt_at = $2 where id = $1`, [due?.id, at(20 * MIN).toISOString()]);
    await enqueue(due?.id, at(20 * MIN));
    const paused = await integration('paused', { state: 'PAUSED' });
    const [held] = await seed(paused.id, [{ at: at(3 * HOUR), status: 'RECEIVED' }]);
    await sql(server, `update event set next_attempt_at = $2 where id = $1`, [held?.id, at(3 * HOUR).toISOString()]);
    await enqueue(held?.id, at(3 * HOUR));

    // RATE_LIMIT_HEADROOM: 3 of 100 left a minute ago; 60 of 100 beside it.
    const squeezed = await integration('squeezed');
    const relaxed = await integration('relaxed');
    const snapshot = (remaining: number) =>
      JSON.stringify({
        max: 100,
        remaining,
        dailyLimit: null,
        dailyRemaining: null,
        retryAfterSeconds: 30,
        observedAt: at(MIN).toISOString(),
      });
    await sql(server, `update integration set last_rate_limit = $2::jsonb where id = $1`, [squeezed.id, snapshot(3)]);
    await sql(server, `update integration set last_rate_limit = $2::jsonb where id = $1`, [relaxed.id, snapshot(60)]);

    // SILENCE: busy at this hour on 5 of the last 7 days, quiet for 2 h; quiet off-hours that were quiet before too.
    const silent = await integration('silent', { type: 'INBOUND_WEBHOOK' });
    const offHours = await integration('off-hours', { type: 'INBOUND_WEBHOOK' });
    const busy: Array<{ at: Date; status: EventStatus }> = [];
    for (let d = 1; d <= 5; d++)
      for (let n = 0; n < 30; n++) busy.push({ at: new Date(hourStart - d * DAY + n * 2 * MIN), status: 'DELIVERED' });
    await seed(silent.id, busy, 'INBOUND_WEBHOOK');
    await seed(
      offHours.id,
      [1, 4].flatMap((d) => [0, 1, 2].map((n) => ({ at: new Date(hourStart - d * DAY + n * MIN), status: 'DELIVERED' as const }))),
      'INBOUND_WEBHOOK',
    );
    await sql(server, `update integration set last_event_at = $2 where id = $1`, [silent.id, at(2 * HOUR).toISOString()]);
    await sql(server, `update integration set last_event_at = $2 where id = $1`, [offHours.id, at(5 * HOUR).toISOString()]);
    // Every other integration counts as recently active (SILENCE is not what they test).
    await sql(server, `update integration set last_event_at = $2 where workspace_id = $1 and last_event_at is null`, [
      ws.workspaceId,
      now.toISOString(),
    ]);

    const report = await server.app.runtime.insight.runOnce(now);
    expect(report.workspaces).toBe(1);
    incidents = await sql(server, `select kind, subject, error_code as "errorCode", title, summary from incident where workspace_id = $1`, [
      ws.workspaceId,
    ]);
  });
  afterAll(async () => {
    await server?.close();
  });

  it('CONSECUTIVE_FAILURES opens for six 422s in a row; a single failure among successes opens nothing', () => {
    expect(kindsOf('consecutive')).toEqual(['CONSECUTIVE_FAILURES']);
    expect(incidents.find((i) => names.get(i.subject) === 'consecutive')?.title).toBe('consecutive: 6 events failed in a row with 422');
    expect(kindsOf('single failure')).toEqual([]);
  });

  it('FAILURE_SPIKE opens for 12 failures in 15 minutes against ~0.5 usual', () => {
    expect(kindsOf('spike')).toEqual(['FAILURE_SPIKE']);
  });

  it('ALL_FAILING opens for 404 on every attempt for 20 minutes', () => {
    expect(kindsOf('moved')).toEqual(['ALL_FAILING']);
  });

  it('DESTINATION_DOWN opens once for the host, instead of one incident per integration', () => {
    expect(kindsOf('host:down.example.com')).toEqual(['DESTINATION_DOWN']);
    expect(kindsOf('down A')).toEqual([]);
    expect(kindsOf('down B')).toEqual([]);
  });

  it('RECURRING_DAILY opens for the same failing hour on 3 days; failures spread over the day open nothing', () => {
    expect(kindsOf('recurring')).toEqual(['RECURRING_DAILY']);
    expect(incidents.find((i) => names.get(i.subject) === 'recurring')?.summary).toMatch(/^On 3 of the last 7 days/);
    expect(kindsOf('spread')).toEqual([]);
  });

  it('STUCK_PROCESSING opens for PROCESSING and due-unclaimed events past 15 minutes; a paused integration holding events opens nothing', () => {
    expect(kindsOf('stuck')).toEqual(['STUCK_PROCESSING']);
    expect(incidents.find((i) => names.get(i.subject) === 'stuck')?.summary).toMatch(/^1 event\(s\) PROCESSING and 1 due but unclaimed/);
    expect(kindsOf('paused')).toEqual([]);
  });

  it('RATE_LIMIT_HEADROOM opens at 3% left; 60% left opens nothing', () => {
    expect(kindsOf('squeezed')).toEqual(['RATE_LIMIT_HEADROOM']);
    expect(kindsOf('relaxed')).toEqual([]);
  });

  it('SILENCE opens for an integration quiet for 2 h at an hour it is usually busy; quiet off-hours open nothing', () => {
    expect(kindsOf('silent')).toEqual(['SILENCE']);
    expect(kindsOf('off-hours')).toEqual([]);
  });

  it('opens nothing else', async () => {
    expect(incidents).toHaveLength(8);
    const r = await server.gql<Json>(
      ws.adminKey,
      'query { incidents(first: 100) { totalCount edges { node { kind integrations { id } } } } }',
    );
    expect(r.data.incidents.totalCount).toBe(8);
  });
});
