// Random bytes at every HTTP endpoint: each answer is a 2xx or a 4xx with the usual error shape — never
// a 500, never a stack trace — and the server stays healthy. fast-check drives the inputs with a fixed
// seed, so a failure names an input that reproduces.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addIntegration, seedWorkspace, type Workspace } from '../helpers/pipeline.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let ws: Workspace;
let inboundId: string;

beforeAll(async () => {
  server = await startTestServer({ SWITCHBOARD_API_RATE_LIMIT: '0' });
  ws = await seedWorkspace(server);
  inboundId = (await addIntegration(server, ws.workspaceId, { type: 'INBOUND_WEBHOOK' })).publicId;
  await addIntegration(server, ws.workspaceId, { type: 'OUTBOUND_WEBHOOK', destinationUrl: 'http://127.0.0.1:9/x' });
});
afterAll(async () => {
  await server?.close();
});

const bytes = fc.oneof(
  fc.uint8Array({ maxLength: 400 }),
  fc.jsonValue({ maxDepth: 4 }).map((v) => new Uint8Array(Buffer.from(JSON.stringify(v)))),
  fc.string({ unit: 'binary', maxLength: 200 }).map((s) => new Uint8Array(Buffer.from(`{"eventType":"x","payload":"${s}"}`))),
);
const contentType = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'application/x-www-form-urlencoded',
  '',
);
const pathSegment = fc.oneof(
  fc.string({ maxLength: 30 }).map(encodeURIComponent),
  fc.constantFrom('%E0%A4%A', '%', '%%', '%00', '%C0%AF', '..', '%2F', '%FF%FE'),
);

async function check(res: Response): Promise<void> {
  const text = await res.text();
  expect(res.status, text).toBeLessThan(500);
  expect(text).not.toMatch(/\n\s+at |node_modules|\.ts:\d+/);
}

describe('fuzzing every endpoint', () => {
  it('ingest, publish, GraphQL and REST answer random input with 2xx/4xx only', async () => {
    const cases = fc.sample(fc.tuple(bytes, contentType, pathSegment, fc.string({ maxLength: 40 })), { numRuns: 150, seed: 20261201 });
    for (const [body, type, segment, query] of cases) {
      const headers = type ? { 'content-type': type } : undefined;
      await check(await fetch(`${server.url}/ingest/${inboundId}`, { method: 'POST', headers, body }));
      await check(await fetch(`${server.url}/ingest/${segment}`, { method: 'POST', headers, body }));
      await check(
        await fetch(`${server.url}/v1/events`, { method: 'POST', headers: { ...headers, authorization: `Bearer ${ws.ingestKey}` }, body }),
      );
      await check(
        await fetch(`${server.url}/graphql`, { method: 'POST', headers: { ...headers, authorization: `Bearer ${ws.adminKey}` }, body }),
      );
      await check(
        await fetch(`${server.url}/graphql?query=${encodeURIComponent(query)}`, { headers: { authorization: `Bearer ${ws.adminKey}` } }),
      );
      await check(
        await fetch(`${server.url}/v1/webhooks/${segment}/logs?page=${encodeURIComponent(query)}&limit=${segment}`, {
          headers: { 'x-api-key': ws.adminKey },
        }),
      );
      await check(
        await fetch(`${server.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', cookie: `sb_key=${segment}` },
          body,
        }),
      );
    }
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
  });
});
