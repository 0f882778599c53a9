// Insight end to end on the real server and PostgreSQL: real deliveries fail, the detector run opens
// one incident (not two, whatever the number of runs or processes), the API reads and acts on it
// within the workspace only, graphql-ws subscribers hear about it, notifications travel the
// pipeline (signed with Standard Webhooks, retried, in the event log) and never loop, and the
// incident resolves by itself once deliveries succeed again.
import { createApiKey, type EntityManager, upsertIncident, Workspace as WorkspaceEntity } from '@switchboard/db';
import { type App, buildApp, createLogger, loadConfig } from '@switchboard/server';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf, type Json } from '../helpers/api.ts';
import { runRetention } from '../../server/src/jobs/retention.ts';
import { liveClient } from '../helpers/live.ts';
import { addIntegration, type Receiver, seedWorkspace, sql, startReceiver, waitFor, type Workspace } from '../helpers/pipeline.ts';
import { startTestServer, TEST_ROOT_KEY, type TestServer } from '../helpers/server.ts';
import { TEST_SECRET_KEY } from '../helpers/database.ts';

const INCIDENT_FIELDS = `id kind state severity title summary likelyCause errorCode eventCount openedAt lastSeenAt resolvedAt mutedUntil
  integration { id name } integrations { id }
  remediation { code guidance }
  history { from to actor note at }
  sampleEvents(first: 3) { id eventType status attempts { request { url } response { statusCode } } }`;

describe('insight', () => {
  let server: TestServer;
  let ws: Workspace;
  let readKey: string;
  let receiver: Receiver;
  let slack: Awaited<ReturnType<typeof addIntegration>>;
  let allTypes: Awaited<ReturnType<typeof addIntegration>>;
  let slackFailuresLeft = 1;
  const failing = new Map<string, number>();

  beforeAll(async () => {
    server = await startTestServer({
      SWITCHBOARD_TIME_SCALE: '0.001',
      SWITCHBOARD_WORKER_POLL_MS: '50',
      // Runs are started by the tests (runOnce), each with the `now` the timeline needs.
      SWITCHBOARD_INSIGHT_INTERVAL_MS: '0',
      SWITCHBOARD_PUBLIC_URL: 'https://switchboard.example',
    });
    ws = await seedWorkspace(server);
    const em = server.app.db.orm.em.fork() as EntityManager;
    const workspace = await em.findOneOrFail(WorkspaceEntity, ws.workspaceId);
    readKey = createApiKey(em, workspace, 'reader', ['READ']).key;
    // At this time scale "clear for 15 min" is 0.9 s, less than a loaded machine may take between two
    // steps of a test: only the rules a test is about may resolve its incidents.
    workspace.insightSettings = { resolveAfterMinutes: 100_000 };
    await em.flush();
    receiver = await startReceiver();
    receiver.handle = (r, res) => {
      const path = r.url.split('?')[0] ?? '';
      const status = failing.get(path);
      if (path === '/slack' && slackFailuresLeft > 0) {
        slackFailuresLeft--;
        res.writeHead(500).end('slack is having a moment');
        return;
      }
      if (status) {
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: `answered ${status}` }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    };
    slack = await addIntegration(server, ws.workspaceId, {
      type: 'OUTBOUND_WEBHOOK',
      name: 'Slack #alerts',
      provider: 'slack',
      destinationUrl: `${receiver.url}/slack`,
      subscribedEventTypes: ['switchboard.incident.opened', 'switchboard.incident.acknowledged', 'switchboard.incident.resolved'],
      fieldMapping: { text: '{{$.title}} — {{$.summary}} {{$.consoleUrl}}' },
      retrySchedule: [0, 1],
    });
    // An empty subscription list takes the workspace's own event types, never switchboard.* ones.
    allTypes = await addIntegration(server, ws.workspaceId, {
      type: 'OUTBOUND_WEBHOOK',
      name: 'Everything',
      destinationUrl: `${receiver.url}/all`,
    });
  });
  afterAll(async () => {
    await server?.close();
    await receiver?.close();
  });

  const publish = async (eventType: string, n: number) => {
    for (let i = 0; i < n; i++) {
      const r = await fetch(`${server.url}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${ws.ingestKey}` },
        body: JSON.stringify({ eventType, payload: { n: i } }),
      });
      expect(r.status).toBe(202);
    }
  };
  const attemptsOf = async (integrationId: string, succeeded: boolean) =>
    (
      await sql<{ n: number }>(server, 'select count(*)::int as n from delivery_attempt where integration_id = $1 and succeeded = $2', [
        integrationId,
        succeeded,
      ])
    )[0]?.n ?? 0;
  const run = (at = new Date(Date.now() + 1000), app: App = server.app) => app.runtime.insight.runOnce(at);
  const incidentsOf = async (key: string, filter: Record<string, unknown> = {}) => {
    const r = await server.gql<Json>(
      key,
      `query($f: IncidentFilter) { incidents(filter: $f) { totalCount edges { node { ${INCIDENT_FIELDS} } } } }`,
      { f: filter },
    );
    expect(r.errors).toBeUndefined();
    return r.data.incidents as { totalCount: number; edges: Array<{ node: Json }> };
  };

  let crm: Awaited<ReturnType<typeof addIntegration>>;
  let credentialIncident: Json;

  it('credentials expire: every attempt answers 401, the integration falls into ERROR, and one ALL_FAILING incident opens', async () => {
    crm = await addIntegration(server, ws.workspaceId, {
      type: 'OUTBOUND_WEBHOOK',
      name: 'HubSpot contacts',
      provider: 'hubspot',
      destinationUrl: `${receiver.url}/crm`,
      subscribedEventTypes: ['contact.updated'],
      retrySchedule: [0],
    });
    failing.set('/crm', 401);
    await publish('contact.updated', 6);
    await waitFor(async () => (await attemptsOf(crm.id, false)) >= 5, 15_000, 'five 401 attempts');
    await waitFor(
      async () => (await sql<{ state: string }>(server, 'select state from integration where id = $1', [crm.id]))[0]?.state === 'ERROR',
    );
    // A sixth event claimed before the fall into ERROR is recorded when its answer comes: wait for it, so
    // the run below and the count after it see the same attempts.
    await waitFor(
      async () =>
        (
          await sql<{ n: number }>(server, `select count(*)::int as n from event where integration_id = $1 and status = 'PROCESSING'`, [
            crm.id,
          ])
        )[0]?.n === 0,
      15_000,
      'nothing in flight',
    );

    const report = await run();
    // (Counted for this integration below: the workspace's other integrations are not this test's subject.)
    expect(report.opened).toBeGreaterThanOrEqual(1);
    // The sixth event may have been claimed before the integration fell into ERROR.
    const failedEvents = (
      await sql<{ n: number }>(server, 'select count(distinct event_id)::int as n from delivery_attempt where integration_id = $1', [
        crm.id,
      ])
    )[0]?.n;
    expect(failedEvents).toBeGreaterThanOrEqual(5);
    const list = await incidentsOf(ws.adminKey, { integrationId: crm.publicId });
    expect(list.totalCount).toBe(1);
    const inc = list.edges[0]?.node;
    expect(inc).toMatchObject({
      kind: 'ALL_FAILING',
      state: 'OPEN',
      severity: 'CRITICAL',
      errorCode: '401',
      eventCount: failedEvents,
      integration: { id: crm.publicId, name: 'HubSpot contacts' },
      integrations: [{ id: crm.publicId }],
      remediation: { code: '401' },
      resolvedAt: null,
    });
    expect(inc.title).toBe('HubSpot contacts: every delivery is failing (401)');
    expect(inc.likelyCause).toMatch(/^Credentials expired or revoked: the destination answers 401 on every attempt since \d\d:\d\d UTC/);
    expect(inc.summary).toMatch(new RegExp(`${failedEvents} attempts in a row failed, most with 401, over ${failedEvents} events`));
    expect(inc.remediation.guidance).toBeTruthy();
    expect(inc.history).toEqual([{ from: null, to: 'OPEN', actor: 'system', note: null, at: inc.openedAt }]);
    // Samples lead to the failing request and its response.
    expect(inc.sampleEvents).toHaveLength(3);
    expect(inc.sampleEvents[0].attempts[0]).toMatchObject({ request: { url: `${receiver.url}/crm` }, response: { statusCode: 401 } });
    // ALL_FAILING already says it: no second incident for the same integration (CONSECUTIVE_FAILURES echo).
    expect((await incidentsOf(ws.adminKey, { integrationId: crm.publicId })).totalCount).toBe(1);
    credentialIncident = inc;
  });

  it('a sustained condition stays one incident: later runs update lastSeenAt, never count an event twice', async () => {
    const before = credentialIncident;
    await run(new Date(Date.now() + 2000));
    await run(new Date(Date.now() + 3000));
    // (Other kinds may open meanwhile as the failures go on, e.g. consecutive final failures: this one stays one.)
    const after = (await incidentsOf(ws.adminKey, { integrationId: crm.publicId })).edges
      .map((e) => e.node)
      .filter((i) => i.kind === before.kind && i.errorCode === before.errorCode);
    expect(after).toHaveLength(1);
    expect(after[0].id).toBe(before.id);
    expect(after[0].eventCount).toBe(before.eventCount);
    expect(new Date(after[0].lastSeenAt).getTime()).toBeGreaterThan(new Date(before.lastSeenAt).getTime());
    const rows = await sql<{ n: number }>(server, 'select count(*)::int as n from incident where subject = $1 and kind = $2', [
      crm.id,
      before.kind,
    ]);
    expect(rows[0]?.n).toBe(1);
  });

  it('the notification travels the pipeline: signed (Standard Webhooks), retried after a 500, a Slack-style text, in the event log', async () => {
    const delivered = await waitFor(
      () => receiver.requests.filter((r) => r.url === '/slack').length >= 2 && receiver.requests.filter((r) => r.url === '/slack'),
      15_000,
      'the notification and its retry',
    );
    const [first, second] = delivered;
    expect(first?.headers['webhook-id']).toBe(second?.headers['webhook-id']);
    const verified = new Webhook(slack.signingSecret).verify(second?.body ?? '', second?.headers as Record<string, string>) as {
      text: string;
    };
    expect(verified.text).toBe(
      `${credentialIncident.title} — ${credentialIncident.summary} https://switchboard.example/incidents/${credentialIncident.id}`,
    );
    const log = await server.gql<Json>(
      readKey,
      `query($id: ID!) { events(filter: { integrationId: $id }) { edges { node { eventType status source attemptCount sourceRecordId payload } } } }`,
      { id: slack.publicId },
    );
    const events = log.data.events.edges.map((e: Json) => e.node);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      eventType: 'switchboard.incident.opened',
      status: 'DELIVERED',
      source: 'SYSTEM',
      attemptCount: 2,
      sourceRecordId: credentialIncident.id,
    });
    expect(events[0].payload.incident).toMatchObject({ id: credentialIncident.id, kind: 'ALL_FAILING', errorCode: '401' });
    // An application cannot publish switchboard.* itself (it would fake notifications), and an empty
    // subscription list never takes those types.
    const r = await fetch(`${server.url}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ws.ingestKey}` },
      body: JSON.stringify({ eventType: 'switchboard.incident.resolved', payload: { made: 'up' } }),
    });
    expect(r.status).toBe(400);
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe('RESERVED_EVENT_TYPE');
    const faked = await sql<{ n: number }>(server, `select count(*)::int as n from event where payload @> '{"made":"up"}'`);
    expect(faked[0]?.n).toBe(0);
    expect(slack.publicId).toBeTruthy();
    const all = await sql<{ n: number }>(
      server,
      `select count(*)::int as n from event where integration_id = $1 and event_type like 'switchboard.%'`,
      [allTypes.id],
    );
    expect(all[0]?.n).toBe(0);
  });

  it('tenancy: another workspace cannot see, act on or subscribe to the incident; READ reads but may not act', async () => {
    const other = await seedWorkspace(server, 'Other');
    const id = credentialIncident.id;
    expect((await server.gql<Json>(other.adminKey, 'query($id: ID!) { incident(id: $id) { id } }', { id })).data.incident).toBeNull();
    expect((await server.gql<Json>(other.adminKey, 'query($id: ID!) { node(id: $id) { id } }', { id })).data.node).toBeNull();
    expect((await incidentsOf(other.adminKey)).totalCount).toBe(0);
    for (const m of ['acknowledgeIncident(id: $id)', 'resolveIncident(id: $id)', 'muteIncident(id: $id, until: "2099-01-01T00:00:00Z")']) {
      const r = await server.gql(other.adminKey, `mutation($id: ID!) { ${m} { id } }`, { id });
      expect(codeOf(r)).toBe('NOT_FOUND');
      const ro = await server.gql(readKey, `mutation($id: ID!) { ${m} { id } }`, { id });
      expect(codeOf(ro)).toBe('FORBIDDEN');
    }
    expect((await server.gql<Json>(readKey, 'query($id: ID!) { incident(id: $id) { state } }', { id })).data.incident.state).toBe('OPEN');
    expect(codeOf(await server.gql(ws.adminKey, 'query { incidents(first: 101) { totalCount } }'))).toBe('BAD_USER_INPUT');
    expect(codeOf(await server.gql(ws.adminKey, 'query { incidents(after: "nope") { totalCount } }'))).toBe('BAD_USER_INPUT');
    expect(codeOf(await server.gql(ws.adminKey, `query($id: ID!) { incident(id: $id) { sampleEvents(first: 21) { id } } }`, { id }))).toBe(
      'BAD_USER_INPUT',
    );
    expect((await server.gql<Json>(ws.adminKey, 'query { incident(id: "inc_nope") { id } }')).data.incident).toBeNull();
    expect(codeOf(await server.gql(TEST_ROOT_KEY, 'query { incidents { totalCount } }'))).toBe('FORBIDDEN');
  });

  it('incidentChanged reaches the workspace subscriber over graphql-ws (not another workspace): acknowledge, with actor and note', async () => {
    const other = await seedWorkspace(server, 'Elsewhere');
    const mine = liveClient(server.url, readKey);
    const theirs = liveClient(server.url, other.adminKey);
    try {
      const sub = mine.subscribe<Json>(`subscription { incidentChanged { id state history { to actor note } } }`);
      const foreign = theirs.subscribe<Json>(`subscription { incidentChanged { id } }`);
      const filtered = mine.subscribe<Json>(`subscription($i: ID) { incidentChanged(integrationId: $i) { id } }`, { i: slack.publicId });
      // All three subscriptions are registered once the server counts them (no sleep).
      await waitFor(
        async () => {
          const text = await (await fetch(`${server.url}/metrics`)).text();
          return /switchboard_ws_subscriptions\{field="incidentChanged"\} 3/.test(text);
        },
        10_000,
        'three incidentChanged subscriptions',
      );
      const acked = await server.gql<Json>(ws.adminKey, `mutation($id: ID!) { acknowledgeIncident(id: $id, note: "on it") { state } }`, {
        id: credentialIncident.id,
      });
      expect(acked.errors).toBeUndefined();
      expect(acked.data.acknowledgeIncident.state).toBe('ACKNOWLEDGED');
      await waitFor(() => sub.received.length > 0, 10_000, 'incidentChanged');
      const got = sub.received[0].incidentChanged;
      expect(got).toMatchObject({ id: credentialIncident.id, state: 'ACKNOWLEDGED' });
      expect(got.history.at(-1)).toEqual({ to: 'ACKNOWLEDGED', actor: 'admin', note: 'on it' });
      expect(sub.errors).toEqual([]);
      expect(foreign.received).toEqual([]);
      expect(filtered.received).toEqual([]);
    } finally {
      await mine.dispose();
      await theirs.dispose();
    }
    // Acknowledging is notified too.
    await waitFor(async () => {
      const rows = await sql(server, `select 1 from event where integration_id = $1 and event_type = 'switchboard.incident.acknowledged'`, [
        slack.id,
      ]);
      return rows.length === 1;
    });
  });

  it('mute, then the mute ends while the condition holds: back to OPEN (recorded as the system), notified again', async () => {
    const id = credentialIncident.id;
    const past = await server.gql(ws.adminKey, `mutation($id: ID!) { muteIncident(id: $id, until: "2020-01-01T00:00:00Z") { id } }`, {
      id,
    });
    expect(codeOf(past)).toBe('BAD_USER_INPUT');
    const until = new Date(Date.now() + 5000);
    const muted = await server.gql<Json>(
      ws.adminKey,
      `mutation($id: ID!, $u: DateTime!) { muteIncident(id: $id, until: $u, note: "deploy window") { state mutedUntil } }`,
      {
        id,
        u: until.toISOString(),
      },
    );
    expect(muted.data.muteIncident).toEqual({ state: 'MUTED', mutedUntil: until.toISOString() });
    await run(new Date(Date.now() + 1000));
    expect((await incidentsOf(ws.adminKey, { integrationId: crm.publicId })).edges[0]?.node.state).toBe('MUTED');
    const opened = () =>
      sql(server, `select 1 from event where integration_id = $1 and event_type = 'switchboard.incident.opened'`, [slack.id]);
    expect(await opened()).toHaveLength(1);

    await run(new Date(until.getTime() + 100));
    const inc = (await incidentsOf(ws.adminKey, { integrationId: crm.publicId })).edges[0]?.node;
    expect(inc).toMatchObject({ id, state: 'OPEN', mutedUntil: null });
    expect(inc.history.slice(-2).map((h: Json) => [h.from, h.to, h.actor])).toEqual([
      ['ACKNOWLEDGED', 'MUTED', 'admin'],
      ['MUTED', 'OPEN', 'system'],
    ]);
    await waitFor(async () => (await opened()).length === 2, 10_000, 'the reopened notification');
  });

  it('auto-resolves after 5 successes in a row; the condition returning opens a new incident', async () => {
    const billing = await addIntegration(server, ws.workspaceId, {
      type: 'OUTBOUND_WEBHOOK',
      name: 'Billing sync',
      destinationUrl: `${receiver.url}/billing`,
      subscribedEventTypes: ['invoice.paid'],
      retrySchedule: [0],
    });
    failing.set('/billing', 503);
    await publish('invoice.paid', 5);
    await waitFor(async () => (await attemptsOf(billing.id, false)) >= 5, 15_000, 'five 503s');
    await run();
    const first = (await incidentsOf(ws.adminKey, { integrationId: billing.publicId })).edges[0]?.node;
    expect(first).toMatchObject({ kind: 'ALL_FAILING', errorCode: '503', state: 'OPEN' });
    expect(first.likelyCause).toMatch(/provider outage/);

    failing.delete('/billing');
    await publish('invoice.paid', 5);
    await waitFor(async () => (await attemptsOf(billing.id, true)) >= 5, 15_000, 'five successes');
    const report = await run();
    expect(report.resolved).toBe(1);
    const resolved = (await incidentsOf(ws.adminKey, { integrationId: billing.publicId })).edges[0]?.node;
    expect(resolved.state).toBe('RESOLVED');
    expect(resolved.resolvedAt).not.toBeNull();
    expect(resolved.history.at(-1)).toMatchObject({
      from: 'OPEN',
      to: 'RESOLVED',
      actor: 'system',
      note: '5 successful deliveries in a row',
    });
    await waitFor(async () => {
      const rows = await sql(
        server,
        `select 1 from event where integration_id = $1 and event_type = 'switchboard.incident.resolved' and source_record_id = $2`,
        [slack.id, first.id],
      );
      return rows.length === 1;
    });

    failing.set('/billing', 503);
    await publish('invoice.paid', 5);
    await waitFor(async () => (await attemptsOf(billing.id, false)) >= 10, 15_000, 'five more 503s');
    await run(new Date(Date.now() + 2000));
    const again = await incidentsOf(ws.adminKey, { integrationId: billing.publicId });
    expect(again.totalCount).toBe(2);
    expect(again.edges[0]?.node).toMatchObject({ state: 'OPEN', kind: 'ALL_FAILING' });
    expect(again.edges[0]?.node.id).not.toBe(first.id);
    expect((await incidentsOf(ws.adminKey, { states: ['RESOLVED'], integrationId: billing.publicId })).totalCount).toBe(1);
    expect((await incidentsOf(ws.adminKey, { kinds: ['SILENCE'] })).totalCount).toBe(0);
  });

  it('no loop: an incident about the notification channel itself is not sent through it', async () => {
    const pager = await addIntegration(server, ws.workspaceId, {
      type: 'OUTBOUND_WEBHOOK',
      name: 'Pager',
      destinationUrl: `${receiver.url}/pager`,
      subscribedEventTypes: ['switchboard.incident.opened'],
    });
    const t = await upsertIncident(
      server.app.db.orm.em.fork() as EntityManager,
      {
        workspaceId: ws.workspaceId,
        kind: 'CONSECUTIVE_FAILURES',
        subject: slack.id,
        errorCode: '500',
        integrationId: slack.id,
        integrationIds: [slack.id],
        severity: 'WARNING',
        title: 'Slack #alerts: 5 events failed in a row with 500',
        summary: 'synthetic',
        likelyCause: null,
        evidence: [],
      },
      new Date(),
    );
    expect(t.change).toBe('opened');
    await server.app.pipeline.announceIncident({
      workspaceId: ws.workspaceId,
      incidentId: t.id,
      integrationIds: t.integrationIds,
      state: t.state,
      change: t.record,
    });
    const about = (channel: string) =>
      sql(server, `select 1 from event where integration_id = $1 and source_record_id = $2`, [channel, `inc_${t.id.replaceAll('-', '')}`]);
    expect(await about(pager.id)).toHaveLength(1);
    expect(await about(slack.id)).toHaveLength(0);
  });

  it('two server processes on one database open one incident, and notify once', async () => {
    const config = loadConfig({
      SWITCHBOARD_SECRET_KEY: TEST_SECRET_KEY,
      DATABASE_URL: server.testDb.url,
      PORT: '0',
      LOG_LEVEL: 'silent',
      SWITCHBOARD_WEB_DIR: '/nonexistent',
      SWITCHBOARD_TIME_SCALE: '0.001',
      SWITCHBOARD_INSIGHT_INTERVAL_MS: '0',
      SWITCHBOARD_WORKER: '0',
    });
    const second = await buildApp(config, { logger: createLogger('silent') });
    try {
      const orders = await addIntegration(server, ws.workspaceId, {
        type: 'OUTBOUND_WEBHOOK',
        name: 'Orders',
        destinationUrl: `${receiver.url}/orders`,
        subscribedEventTypes: ['order.created'],
        retrySchedule: [0],
      });
      failing.set('/orders', 404);
      await publish('order.created', 5);
      await waitFor(async () => (await attemptsOf(orders.id, false)) >= 5, 15_000, 'five 404s');
      const at = new Date(Date.now() + 1000);
      const reports = await Promise.all([run(at), run(at, second), run(at), run(at, second)]);
      // The four concurrent runs, two per process, open one incident for this integration (other
      // integrations of the workspace may open or reopen theirs meanwhile: counted by subject below).
      expect(reports.reduce((n, r) => n + r.opened, 0)).toBeGreaterThanOrEqual(1);
      const rows = await sql<{ n: number }>(server, 'select count(*)::int as n from incident where subject = $1', [orders.id]);
      expect(rows[0]?.n).toBe(1);
      const inc = (await incidentsOf(ws.adminKey, { integrationId: orders.publicId })).edges[0]?.node;
      expect(inc.likelyCause).toMatch(/URL or API version changed/);
      const notices = await sql(server, `select 1 from event where integration_id = $1 and source_record_id = $2`, [slack.id, inc.id]);
      expect(notices).toHaveLength(1);
    } finally {
      await second.stop();
    }
  });

  it('per-workspace settings: read with their defaults, overridden by ADMIN, checked, and used by the next run', async () => {
    const read = await server.gql<Json>(readKey, '{ viewer { insightSettings } }');
    expect(read.data.viewer.insightSettings).toMatchObject({ consecutiveFailures: 5, allFailingMinutes: 10, resolveAfterMinutes: 100_000 });
    const set = `mutation($s: JSON) { updateInsightSettings(settings: $s) { insightSettings } }`;
    expect(codeOf(await server.gql(readKey, set, { s: { consecutiveFailures: 3 } }))).toBe('FORBIDDEN');
    for (const bad of [{ nope: 1 }, { consecutiveFailures: -1 }, { rateLimitHeadroom: 2 }, [1], 'x']) {
      const r = await server.gql<Json>(ws.adminKey, set, { s: bad });
      expect(codeOf(r), JSON.stringify(bad)).toBe('BAD_USER_INPUT');
    }
    // Three 422s in a row are not an incident by default; with consecutiveFailures: 3 they are.
    const strict = await addIntegration(server, ws.workspaceId, {
      type: 'OUTBOUND_WEBHOOK',
      name: 'Strict',
      destinationUrl: `${receiver.url}/strict`,
      subscribedEventTypes: ['strict.event'],
      retrySchedule: [0],
    });
    failing.set('/strict', 422);
    await publish('strict.event', 3);
    await waitFor(async () => (await attemptsOf(strict.id, false)) >= 3, 15_000, 'three 422s');
    await run(new Date(Date.now() + 100));
    expect((await incidentsOf(ws.adminKey, { integrationId: strict.publicId })).totalCount).toBe(0);
    const ok = await server.gql<Json>(ws.adminKey, set, { s: { consecutiveFailures: 3, resolveAfterMinutes: 100_000 } });
    expect(ok.data.updateInsightSettings.insightSettings.consecutiveFailures).toBe(3);
    await run(new Date(Date.now() + 100));
    const found = await incidentsOf(ws.adminKey, { integrationId: strict.publicId });
    expect(found.edges.map((e) => [e.node.kind, e.node.errorCode])).toEqual([['CONSECUTIVE_FAILURES', '422']]);
    const reset = await server.gql<Json>(ws.adminKey, set, { s: null });
    expect(reset.data.updateInsightSettings.insightSettings).toMatchObject({ consecutiveFailures: 5, resolveAfterMinutes: 15 });
  });

  it('retention: resolved incidents older than the event window are deleted; open ones stay', async () => {
    const before = await sql<{ n: number }>(server, `select count(*)::int as n from incident where state <> 'RESOLVED'`);
    await sql(server, `update incident set resolved_at = now() - interval '40 days' where state = 'RESOLVED'`);
    const r = await runRetention(server.app.db, { payloadRetentionDays: 7, eventRetentionDays: 30 });
    expect(r.incidentsDeleted).toBeGreaterThan(0);
    expect(await sql(server, `select 1 from incident where state = 'RESOLVED'`)).toHaveLength(0);
    const after = await sql<{ n: number }>(server, `select count(*)::int as n from incident`);
    expect(after[0]?.n).toBe(before[0]?.n);
  });

  it('metrics: incidents opened by kind, open incidents, detector run duration', async () => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(text).toMatch(/switchboard_incidents_opened_total\{kind="ALL_FAILING"\} [1-9]/);
    expect(text).toMatch(/switchboard_incidents_open\{kind="ALL_FAILING"\} [1-9]/);
    expect(text).toMatch(/switchboard_detector_run_duration_seconds_count [1-9]/);
  });
});
