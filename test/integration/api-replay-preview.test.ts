// replayPreview: how many events replayEvents would re-open for a filter, so the console can ask for a
// confirmation with a number in it. It must agree with replayEvents itself, stay in the caller's
// workspace, and say when a filter is past the per-call limit (where replayEvents refuses).
import { type EventStatus, MAX_REPLAY } from '@switchboard/db';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf, recordingClient } from '../helpers/api.ts';
import { seedEvents, uuidOf } from '../helpers/seed-events.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const PREVIEW = 'query($f: EventFilter!) { replayPreview(filter: $f) { count limit overLimit } }';
const PREVIEW_EXPIRED = 'query($f: EventFilter!) { replayPreview(filter: $f) { count skippedExpired overLimit } }';

describe('replayPreview', () => {
  let s: TestServer;
  let gql: ReturnType<typeof recordingClient>['gql'];
  const spaces: Array<{ admin: string; read: string; ingest: string; workspaceId: string; integrationId: string }> = [];

  beforeAll(async () => {
    // No worker: replayed events stay RECEIVED, so counts after a replay are exact.
    s = await startTestServer({ SWITCHBOARD_API_RATE_LIMIT: '0', SWITCHBOARD_WORKER: '0' });
    gql = recordingClient(s).gql;
    for (const name of ['Preview A', 'Preview B']) {
      const ws = await s.createWorkspace(name);
      const key = async (scopes: string) =>
        (await gql(ws.adminKey, `mutation { createApiKey(name: "${scopes}", scopes: [${scopes}]) { key } }`)).data.createApiKey
          .key as string;
      const created = await gql(
        ws.adminKey,
        'mutation($i: CreateIntegrationInput!) { createIntegration(input: $i) { integration { id } } }',
        {
          i: { name: `${name} CRM`, type: 'OUTBOUND_WEBHOOK', provider: 'hubspot', destinationUrl: 'https://crm.example/hook' },
        },
      );
      spaces.push({
        admin: ws.adminKey,
        read: await key('READ'),
        ingest: await key('INGEST'),
        workspaceId: uuidOf(ws.workspaceId),
        integrationId: created.data.createIntegration.integration.id,
      });
    }
    const a = spaces[0]!;
    const statuses: EventStatus[] = ['DELIVERED', 'FAILED', 'FAILED', 'RETRYING', 'RECEIVED', 'PROCESSING'];
    await seedEvents(
      s.testDb.url,
      a.workspaceId,
      Array.from({ length: 60 }, (_, k) => ({
        integrationId: uuidOf(a.integrationId),
        integrationType: 'OUTBOUND_WEBHOOK' as const,
        receivedAt: new Date(Date.now() - (k + 1) * 60_000),
        status: statuses[k % statuses.length] as EventStatus,
        errorCode: k % 2 === 0 ? '401' : '503',
      })),
    );
  });
  afterAll(() => s?.close());

  it('counts what replayEvents then re-opens, for a READ key, in the caller workspace only', async () => {
    const [a, b] = spaces as [(typeof spaces)[number], (typeof spaces)[number]];
    // 60 events: 10 DELIVERED and 20 FAILED are replayable; of the FAILED, the 503s are those at odd k.
    const all = await gql(a.read, PREVIEW, { f: {} });
    expect(all.errors).toBeUndefined();
    expect(all.data.replayPreview).toEqual({ count: 30, limit: MAX_REPLAY, overLimit: false });
    const failed503 = await gql(a.read, PREVIEW, { f: { statuses: ['FAILED'], errorCodes: ['503'] } });
    expect(failed503.data.replayPreview.count).toBe(10);
    // Another workspace, same filter (and even A's integration id): nothing of A is counted.
    expect((await gql(b.read, PREVIEW, { f: {} })).data.replayPreview.count).toBe(0);
    expect((await gql(b.read, PREVIEW, { f: { integrationId: a.integrationId } })).data.replayPreview.count).toBe(0);

    const replayed = await gql(a.admin, 'mutation($f: EventFilter!) { replayEvents(filter: $f) { count } }', {
      f: { statuses: ['FAILED'], errorCodes: ['503'] },
    });
    expect(replayed.data.replayEvents.count).toBe(10);
    expect((await gql(a.read, PREVIEW, { f: { statuses: ['FAILED'], errorCodes: ['503'] } })).data.replayPreview.count).toBe(0);
    expect((await gql(a.read, PREVIEW, { f: {} })).data.replayPreview.count).toBe(20);
  });

  it('refuses keys without READ and malformed filters with clear errors', async () => {
    const a = spaces[0]!;
    const ingestOnly = await gql(a.ingest, PREVIEW, { f: {} });
    expect(codeOf(ingestOnly)).toBe('FORBIDDEN');
    expect(ingestOnly.data?.replayPreview ?? null).toBeNull();
    const noFilter = await gql(a.read, 'query { replayPreview { count } }');
    expect(noFilter.errors?.[0]?.message).toMatch(/filter/);
    const badStatus = await gql(a.read, PREVIEW, { f: { statuses: ['GONE'] } });
    // GraphQL's own message, not a masked "Unexpected error" (variable coercion errors used to be masked).
    expect(badStatus.errors?.[0]?.message).toMatch(/"GONE" does not exist in "EventStatus"/);
    expect(codeOf(badStatus)).toBe('BAD_USER_INPUT');
  });

  it('says when a filter is past the limit, where replayEvents refuses and changes nothing', async () => {
    const b = spaces[1]!;
    await seedEvents(
      s.testDb.url,
      b.workspaceId,
      Array.from({ length: MAX_REPLAY + 5 }, (_, k) => ({
        integrationId: uuidOf(b.integrationId),
        integrationType: 'OUTBOUND_WEBHOOK' as const,
        receivedAt: new Date(Date.now() - (k + 1) * 1000),
        status: 'FAILED' as const,
        errorCode: '503',
      })),
    );
    const over = await gql(b.read, PREVIEW, { f: { statuses: ['FAILED'] } });
    expect(over.data.replayPreview).toEqual({ count: MAX_REPLAY + 1, limit: MAX_REPLAY, overLimit: true });
    const refused = await gql(b.admin, 'mutation($f: EventFilter!) { replayEvents(filter: $f) { count } }', {
      f: { statuses: ['FAILED'] },
    });
    expect(codeOf(refused)).toBe('BAD_USER_INPUT');
    expect((await gql(b.read, PREVIEW, { f: { statuses: ['FAILED'] } })).data.replayPreview.overLimit).toBe(true);
  });

  it('leaves out events whose payload expired, says how many, and keeps their real outcome', async () => {
    const ws = await s.createWorkspace('Preview C');
    const created = await gql(
      ws.adminKey,
      'mutation($i: CreateIntegrationInput!) { createIntegration(input: $i) { integration { id } } }',
      { i: { name: 'Expiring CRM', type: 'OUTBOUND_WEBHOOK', provider: 'hubspot', destinationUrl: 'https://crm.example/hook' } },
    );
    const integrationId = created.data.createIntegration.integration.id as string;
    const seeded = await seedEvents(
      s.testDb.url,
      uuidOf(ws.workspaceId),
      Array.from({ length: 10 }, (_, k) => ({
        integrationId: uuidOf(integrationId),
        integrationType: 'OUTBOUND_WEBHOOK' as const,
        receivedAt: new Date(Date.now() - (k + 1) * 60_000),
        status: 'FAILED' as const,
        errorCode: '401',
      })),
    );
    // Retention's effect on six of them: payload gone, event kept (as expireEventPayloads leaves it).
    const expired = seeded.slice(0, 6).map((e) => e.id);
    const client = new pg.Client({ connectionString: s.testDb.url });
    await client.connect();
    await client.query('update event set payload = null, payload_expired = true where id = any($1::uuid[])', [expired]);
    await client.end();

    const f = { integrationId };
    expect((await gql(ws.adminKey, PREVIEW_EXPIRED, { f })).data.replayPreview).toEqual({ count: 4, skippedExpired: 6, overLimit: false });
    const replayed = await gql(ws.adminKey, 'mutation($f: EventFilter!) { replayEvents(filter: $f) { count skippedExpired } }', { f });
    expect(replayed.errors).toBeUndefined();
    expect(replayed.data.replayEvents).toEqual({ count: 4, skippedExpired: 6 });

    // The expired ones still say what really happened to them: FAILED with 401, untouched.
    const still = await gql(
      ws.adminKey,
      'query($f: EventFilter!) { events(filter: $f, first: 50) { edges { node { status errorCode payloadExpired } } } }',
      { f: { integrationId, statuses: ['FAILED'] } },
    );
    const nodes = still.data.events.edges.map((e: { node: unknown }) => e.node);
    expect(nodes).toHaveLength(6);
    expect(nodes.every((n: { errorCode: string; payloadExpired: boolean }) => n.errorCode === '401' && n.payloadExpired)).toBe(true);

    // One at a time, too: refused with a reason, nothing changed.
    const one = await gql(ws.adminKey, 'mutation($id: ID!) { replayEvent(id: $id) { status } }', {
      id: `evt_${expired[0]!.replaceAll('-', '')}`,
    });
    expect(codeOf(one)).toBe('BAD_USER_INPUT');
    expect(one.errors?.[0]?.message).toMatch(/payload has expired/);
  });
});
