// One definition per number, the same in the API and the console (issue 14, items 5-7): failing now
// (RETRYING beside FAILED, told apart), like-with-like comparisons, partial trend buckets, a success
// rate that retries count against, "in flight" without events a paused integration holds, and a
// rate-limit snapshot that says when it is stale. Seeded rows, no worker, so every count is exact.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordingClient } from '../helpers/api.ts';
import { seedEvents, sqlQuery, uuidOf } from '../helpers/seed-events.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let s: TestServer;
let gql: ReturnType<typeof recordingClient>['gql'];
let admin: string;
let activeId: string;
let pausedId: string;
const HOUR = 3600_000;
const now = Date.now();
const range = { from: new Date(now - 10 * HOUR).toISOString(), to: new Date(now + 60_000).toISOString() };

beforeAll(async () => {
  s = await startTestServer({ SWITCHBOARD_API_RATE_LIMIT: '0', SWITCHBOARD_WORKER: '0' });
  gql = recordingClient(s).gql;
  const w = await s.createWorkspace('Definitions');
  admin = w.adminKey;
  const create = async (name: string, type: string) =>
    (
      await gql(admin, 'mutation($i: CreateIntegrationInput!) { createIntegration(input: $i) { integration { id } } }', {
        i: { name, type, provider: 'hubspot', destinationUrl: 'https://crm.example/hook' },
      })
    ).data.createIntegration.integration.id as string;
  activeId = await create('Active CRM', 'OUTBOUND_WEBHOOK');
  pausedId = await create('Paused CRM', 'PREBUILT');
  const at = (h: number) => new Date(now - h * HOUR - 5 * 60_000);
  const of = (integrationId: string, type: 'OUTBOUND_WEBHOOK' | 'PREBUILT') => (status: string, errorCode: string | null, h: number) => ({
    integrationId: uuidOf(integrationId),
    integrationType: type,
    receivedAt: at(h),
    status: status as never,
    errorCode,
  });
  const a = of(activeId, 'OUTBOUND_WEBHOOK');
  const p = of(pausedId, 'PREBUILT');
  await seedEvents(s.testDb.url, uuidOf(w.workspaceId), [
    ...Array.from({ length: 5 }, () => a('DELIVERED', null, 3)),
    a('FAILED', '401', 4),
    a('FAILED', '401', 4),
    ...Array.from({ length: 3 }, () => a('RETRYING', '504', 0)),
    ...Array.from({ length: 4 }, () => a('RECEIVED', null, 0)),
    ...Array.from({ length: 6 }, () => p('RECEIVED', null, 1)),
  ]);
  await gql(admin, 'mutation($id: ID!) { pauseIntegration(id: $id, reason: "maintenance") { integration { state } } }', { id: pausedId });
}, 60_000);
afterAll(() => s?.close());

describe('definitions shared by the API and the console', () => {
  it('overview: success rate counts retries against it; in flight leaves out what a paused integration holds', async () => {
    const r = await gql(
      admin,
      `query($r: TimeRange!) { overview(range: $r) { succeeded failed retrying inFlight held successRate
         byType { type failed retrying failing previousFailing failingChange } } }`,
      { r: range },
    );
    expect(r.errors).toBeUndefined();
    const o = r.data.overview;
    expect(o).toMatchObject({ succeeded: 5, failed: 2, retrying: 3, inFlight: 4, held: 6, successRate: 0.5 });
    const outbound = o.byType.find((t: { type: string }) => t.type === 'OUTBOUND_WEBHOOK');
    // Like with like: failing = failed + retrying, in both periods.
    expect(outbound).toMatchObject({ failed: 2, retrying: 3, failing: 5, previousFailing: 0, failingChange: null });
  });

  it('failures by error code: FAILED only by default, failing now (RETRYING too, told apart) when asked', async () => {
    const q = 'query($r: TimeRange!, $i: Boolean) { failuresByErrorCode(range: $r, includeRetrying: $i) { code count retrying share } }';
    expect((await gql(admin, q, { r: range })).data.failuresByErrorCode).toEqual([{ code: '401', count: 2, retrying: 0, share: 1 }]);
    expect((await gql(admin, q, { r: range, i: true })).data.failuresByErrorCode).toEqual([
      { code: '504', count: 0, retrying: 3, share: 0.6 },
      { code: '401', count: 2, retrying: 0, share: 0.4 },
    ]);
    const groups = await gql(
      admin,
      'query($r: TimeRange!) { failureGroups(range: $r, includeRetrying: true) { edges { node { errorCode totalErrors retrying } } } }',
      { r: range },
    );
    expect(groups.data.failureGroups.edges.map((e: { node: unknown }) => e.node)).toEqual([
      { errorCode: '504', totalErrors: 0, retrying: 3 },
      { errorCode: '401', totalErrors: 2, retrying: 0 },
    ]);
  });

  it('trends: retrying per bucket, and the bucket still in progress marked partial', async () => {
    const r = await gql(
      admin,
      'query($r: TimeRange!) { trends(range: $r, bucket: HOUR, types: [OUTBOUND_WEBHOOK]) { points { bucketStart failed retrying partial } } }',
      { r: range },
    );
    expect(r.errors).toBeUndefined();
    const points = r.data.trends[0].points as Array<{ bucketStart: string; failed: number; retrying: number; partial: boolean }>;
    expect(points.reduce((n, p) => n + p.retrying, 0)).toBe(3);
    expect(points.reduce((n, p) => n + p.failed, 0)).toBe(2);
    const partial = points.filter((p) => p.partial);
    expect(partial.length).toBeGreaterThanOrEqual(1);
    expect(points.at(-1)?.partial).toBe(true);
    expect(points[0]?.partial).toBe(false);
    for (const p of partial) expect(Date.parse(p.bucketStart) + HOUR).toBeGreaterThan(Date.now() - 1000);
  });

  it('integration health: the same success rate; a rate-limit snapshot past its reset says it is stale', async () => {
    const observedAt = new Date(now - 3 * HOUR).toISOString();
    await sqlQuery(s.testDb.url, 'update integration set last_rate_limit = $2::jsonb where id = $1', [
      uuidOf(activeId),
      JSON.stringify({ max: 100, remaining: 0, dailyLimit: null, dailyRemaining: null, retryAfterSeconds: null, observedAt }),
    ]);
    const r = await gql(
      admin,
      'query($id: ID!, $r: TimeRange!) { integration(id: $id) { health(range: $r) { successRate retrying rateLimit { remaining observedAt resetAt stale } } } }',
      { id: activeId, r: range },
    );
    expect(r.errors).toBeUndefined();
    const h = r.data.integration.health;
    expect(h.successRate).toBe(0.5);
    expect(h.rateLimit).toMatchObject({ remaining: 0, stale: true, resetAt: new Date(Date.parse(observedAt) + 10 * 60_000).toISOString() });
    await sqlQuery(s.testDb.url, 'update integration set last_rate_limit = $2::jsonb where id = $1', [
      uuidOf(activeId),
      JSON.stringify({
        max: 100,
        remaining: 0,
        dailyLimit: null,
        dailyRemaining: null,
        retryAfterSeconds: 3600,
        observedAt: new Date().toISOString(),
      }),
    ]);
    const fresh = await gql(admin, 'query($id: ID!) { integration(id: $id) { health { rateLimit { stale } } } }', { id: activeId });
    expect(fresh.data.integration.health.rateLimit.stale).toBe(false);
  });
});
