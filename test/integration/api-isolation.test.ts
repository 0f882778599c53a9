// Tenancy: two workspaces, each one's IDs used with the other's key. Every query, node lookup and
// mutation answers exactly as for an ID that never existed (null or NOT_FOUND), and nothing changes.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { codeOf, type Json, recordingClient } from '../helpers/api.ts';
import { seedEvents, uuidOf } from '../helpers/seed-events.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let s: TestServer;
let gql: ReturnType<typeof recordingClient>['gql'];
interface Tenant {
  key: string;
  workspaceId: string;
  integrationId: string;
  eventId: string;
  attemptId: string;
  apiKeyId: string;
}
const t: Tenant[] = [];
const NEVER = { integrationId: 'int_0190aaaa0000700080000000000000aa', eventId: 'evt_0190aaaa0000700080000000000000aa' };

beforeAll(async () => {
  s = await startTestServer({ SWITCHBOARD_WORKER: '0' });
  gql = recordingClient(s).gql;
  for (const name of ['Alpha', 'Beta']) {
    const w = await s.createWorkspace(name);
    const c = await gql(
      w.adminKey,
      `mutation { createIntegration(input: { name: "${name} hook", type: OUTBOUND_WEBHOOK, provider: "generic", destinationUrl: "https://x.example/" }) { integration { id } } }`,
    );
    const integrationId = c.data.createIntegration.integration.id;
    const [ev] = await seedEvents(s.testDb.url, uuidOf(w.workspaceId), [
      {
        integrationId: uuidOf(integrationId),
        integrationType: 'OUTBOUND_WEBHOOK',
        receivedAt: new Date(Date.now() - 3600_000),
        status: 'FAILED',
        errorCode: '500',
      },
    ]);
    const eventId = `evt_${(ev as { id: string }).id.replaceAll('-', '')}`;
    const d = await gql(w.adminKey, 'query($id: ID!) { event(id: $id) { attempts { id } } currentApiKey { id } }', { id: eventId });
    t.push({
      key: w.adminKey,
      workspaceId: w.workspaceId,
      integrationId,
      eventId,
      attemptId: d.data.event.attempts[0].id,
      apiKeyId: d.data.currentApiKey.id,
    });
  }
  s.app.pipeline.testConnection = async () => ({ ok: true, reason: null });
  s.app.pipeline.replayEvents = async (_em, _ws, ids) => [...ids];
});
afterAll(() => s.close());

it('lists and dashboards show only the caller’s workspace', async () => {
  const [a, b] = t as [Tenant, Tenant];
  const range = { from: new Date(Date.now() - 86400_000).toISOString(), to: new Date().toISOString() };
  const r = await gql(
    a.key,
    `query($r: TimeRange!) { viewer { id } apiKeys { id } integrations { totalCount edges { node { id } } } events { edges { node { id } } }
    overview(range: $r) { failed } failuresByErrorCode(range: $r) { count } failureGroups(range: $r) { edges { node { integration { id } } } }
    trends(range: $r, bucket: DAY) { points { failed } } }`,
    { r: range },
  );
  expect(r.errors).toBeUndefined();
  expect(r.data.viewer.id).toBe(a.workspaceId);
  expect(r.data.apiKeys.map((k: Json) => k.id)).toEqual([a.apiKeyId]);
  expect(r.data.integrations.edges.map((e: Json) => e.node.id)).toEqual([a.integrationId]);
  expect(r.data.events.edges.map((e: Json) => e.node.id)).toEqual([a.eventId]);
  expect(r.data.overview.failed).toBe(1);
  expect(r.data.failuresByErrorCode).toEqual([{ count: 1 }]);
  expect(r.data.failureGroups.edges).toEqual([{ node: { integration: { id: a.integrationId } } }]);
  expect(r.data.trends.flatMap((x: Json) => x.points).reduce((n: number, p: Json) => n + p.failed, 0)).toBe(1);
  expect(JSON.stringify(r)).not.toContain(b.integrationId);
});

it('queries and node lookups with the other workspace’s IDs answer like IDs that never existed', async () => {
  const [a, b] = t as [Tenant, Tenant];
  const range = { from: new Date(Date.now() - 86400_000).toISOString(), to: new Date().toISOString() };
  const probe = async (ids: { integrationId: string; eventId: string }) =>
    gql(
      a.key,
      `query($i: ID!, $e: ID!, $r: TimeRange!) { integration(id: $i) { id } event(id: $e) { id } ni: node(id: $i) { id } ne: node(id: $e) { id }
      events(filter: { integrationId: $i }) { edges { node { id } } } failuresByErrorCode(range: $r, integrationId: $i) { count } }`,
      {
        i: ids.integrationId,
        e: ids.eventId,
        r: range,
      },
    );
  const foreign = await probe({ integrationId: b.integrationId, eventId: b.eventId });
  const never = await probe(NEVER);
  expect(foreign).toEqual(never);
  expect(foreign.data).toEqual({ integration: null, event: null, ni: null, ne: null, events: { edges: [] }, failuresByErrorCode: [] });
  for (const id of [b.attemptId, b.apiKeyId, b.workspaceId]) {
    expect((await gql(a.key, 'query($id: ID!) { node(id: $id) { id } }', { id })).data.node).toBeNull();
  }
});

it('every mutation with the other workspace’s IDs is NOT_FOUND (same message shape as a missing ID) and changes nothing', async () => {
  const [a, b] = t as [Tenant, Tenant];
  const mutations: [string, (ids: { integrationId: string; eventId: string; apiKeyId: string }) => string][] = [
    ['updateIntegration', (x) => `updateIntegration(id: "${x.integrationId}", input: { name: "owned" }) { integration { id } }`],
    ['rotateSigningSecret', (x) => `rotateSigningSecret(id: "${x.integrationId}") { signingSecret }`],
    ['pauseIntegration', (x) => `pauseIntegration(id: "${x.integrationId}") { integration { id } }`],
    ['resumeIntegration', (x) => `resumeIntegration(id: "${x.integrationId}") { integration { id } }`],
    ['reconnectIntegration', (x) => `reconnectIntegration(id: "${x.integrationId}") { integration { id } }`],
    ['disconnectIntegration', (x) => `disconnectIntegration(id: "${x.integrationId}") { integration { id } }`],
    ['sendTestEvent', (x) => `sendTestEvent(integrationId: "${x.integrationId}", eventType: "t") { id }`],
    ['replayEvent', (x) => `replayEvent(id: "${x.eventId}") { id }`],
    ['revokeApiKey', (x) => `revokeApiKey(id: "${x.apiKeyId}") { id }`],
  ];
  const snapshot = async () =>
    (
      await gql(
        b.key,
        `{ integrations { edges { node { name state updatedAt stateHistory { to } } } } apiKeys { revokedAt } events { edges { node { status attemptCount } } } }`,
      )
    ).data;
  const before = await snapshot();
  for (const [name, make] of mutations) {
    const foreign = await gql(a.key, `mutation { ${make(b)} }`);
    const never = await gql(a.key, `mutation { ${make({ ...NEVER, apiKeyId: 'key_0190aaaa0000700080000000000000aa' })} }`);
    expect(codeOf(foreign), name).toBe('NOT_FOUND');
    expect(codeOf(never), name).toBe('NOT_FOUND');
    const shape = (m: string | undefined) => m?.replace(/[a-z]+_[0-9a-f]{32}/g, '<id>');
    expect(shape(foreign.errors?.[0]?.message)).toBe(shape(never.errors?.[0]?.message));
  }
  const replay = await gql(a.key, `mutation($i: ID!) { replayEvents(filter: { integrationId: $i }) { count } }`, { i: b.integrationId });
  expect(replay.data.replayEvents.count).toBe(0);
  expect(await snapshot()).toEqual(before);
});

it('the REST logs endpoint refuses the other workspace’s integration with 404', async () => {
  const [a, b] = t as [Tenant, Tenant];
  const foreign = await fetch(`${s.url}/v1/webhooks/${b.integrationId}/logs`, { headers: { 'x-api-key': a.key } });
  const never = await fetch(`${s.url}/v1/webhooks/${NEVER.integrationId}/logs`, { headers: { 'x-api-key': a.key } });
  expect(foreign.status).toBe(404);
  expect(never.status).toBe(404);
  expect(((await foreign.json()) as Json).error.code).toBe('NOT_FOUND');
});
