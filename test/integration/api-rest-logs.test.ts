// GET /v1/webhooks/:integrationId/logs — the sales-tool seed's REST shape, one entry per delivery attempt.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Json } from '../helpers/api.ts';
import { type SeededEvent, seedEvents, uuidOf } from '../helpers/seed-events.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let s: TestServer;
let admin: string;
let readKey: string;
let ingestKey: string;
let integrationId: string;
let seeded: SeededEvent[];

beforeAll(async () => {
  s = await startTestServer({ SWITCHBOARD_WORKER: '0', SWITCHBOARD_API_RATE_LIMIT: '0' });
  const w = await s.createWorkspace('Rest');
  admin = w.adminKey;
  const mk = async (scopes: string) =>
    ((await s.gql(admin, `mutation { createApiKey(name: "k${scopes}", scopes: [${scopes}]) { key } }`)).data as Json).createApiKey.key;
  readKey = await mk('READ');
  ingestKey = await mk('INGEST');
  integrationId = (
    (
      await s.gql(
        admin,
        'mutation { createIntegration(input: { name: "Out", type: OUTBOUND_WEBHOOK, provider: "generic", destinationUrl: "https://x.example/" }) { integration { id } } }',
      )
    ).data as Json
  ).createIntegration.integration.id;
  const base = Date.parse('2026-11-01T00:00:00Z');
  seeded = await seedEvents(
    s.testDb.url,
    uuidOf(w.workspaceId),
    Array.from({ length: 23 }, (_, k) => ({
      integrationId: uuidOf(integrationId),
      integrationType: 'OUTBOUND_WEBHOOK' as const,
      receivedAt: new Date(base + k * 60_000),
      status: k % 3 === 0 ? ('FAILED' as const) : ('DELIVERED' as const),
      errorCode: k % 3 === 0 ? '502' : null,
      eventType: `type.${k}`,
    })),
  );
});
afterAll(() => s.close());

const logs = (query: string, key: string | null = readKey, id = integrationId) =>
  fetch(`${s.url}/v1/webhooks/${id}/logs${query}`, { headers: key ? { 'x-api-key': key } : {} });

it('answers the documented shape, newest first, 10 per page by default', async () => {
  const res = await logs('');
  expect(res.status).toBe(200);
  const body = (await res.json()) as Json;
  expect(body.pagination).toEqual({ total: 23, page: 1, limit: 10, pages: 3 });
  expect(body.data).toHaveLength(10);
  const first = body.data[0];
  expect(Object.keys(first).sort()).toEqual(['_id', 'createdAt', 'event', 'request', 'response', 'responseTime', 'status']);
  expect(first).toMatchObject({
    event: 'type.22',
    status: 'success',
    request: { body: { event: 'type.22' } },
    response: { code: 200, body: { received: true } },
    responseTime: 42,
  });
  const failed = body.data.find((d: Json) => d.event === 'type.21');
  expect(failed).toMatchObject({ status: 'failed', response: { code: 502 } });
  const times = body.data.map((d: Json) => Date.parse(d.createdAt));
  expect(times).toEqual([...times].sort((x: number, y: number) => y - x));
});

it('pages through every attempt once, both sort orders', async () => {
  for (const sort of ['-createdAt', 'createdAt']) {
    const events: string[] = [];
    for (let page = 1; page <= 3; page++) {
      const body = (await (await logs(`?limit=10&page=${page}&sort=${sort}`)).json()) as Json;
      expect(body.pagination).toEqual({ total: 23, page, limit: 10, pages: 3 });
      events.push(...body.data.map((d: Json) => d.event));
    }
    const want = seeded.map((e) => e.eventType);
    expect(events).toEqual(sort === 'createdAt' ? want : [...want].reverse());
  }
  const past = (await (await logs('?page=9')).json()) as Json;
  expect(past.data).toEqual([]);
  expect(((await (await logs('?limit=100')).json()) as Json).data).toHaveLength(23);
});

it('refuses bad paging with 400 and bad keys or scopes with 401/403', async () => {
  for (const q of ['?limit=101', '?limit=0', '?page=0', '?page=-1', '?limit=abc', '?sort=name']) {
    const res = await logs(q);
    expect(res.status, q).toBe(400);
    expect(((await res.json()) as Json).error.code).toBe('BAD_USER_INPUT');
  }
  expect((await logs('', null)).status).toBe(401);
  expect((await logs('', 'sbk_00000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')).status).toBe(401);
  expect((await logs('', ingestKey)).status).toBe(403);
  expect((await logs('', admin)).status).toBe(200);
  expect((await logs('', readKey, 'nonsense')).status).toBe(404);
});
