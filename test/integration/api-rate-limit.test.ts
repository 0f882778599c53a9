// Per-key request rate limit: a token bucket per API key answering RATE_LIMITED (HTTP 429, Retry-After).
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Json } from '../helpers/api.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ SWITCHBOARD_WORKER: '0', SWITCHBOARD_API_RATE_LIMIT: '0.5/3' });
});
afterAll(() => s.close());

it('lets a burst through, then answers RATE_LIMITED per key; other keys are unaffected', async () => {
  const a = (await s.createWorkspace('A')).adminKey;
  const b = (await s.createWorkspace('B')).adminKey;
  const ask = (key: string) =>
    fetch(`${s.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: '{"query":"{ viewer { name } }"}',
    });
  for (let k = 0; k < 3; k++) expect((await ask(a)).status).toBe(200);
  const limited = await ask(a);
  expect(limited.status).toBe(429);
  expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  const body = (await limited.json()) as Json;
  expect(body.errors[0].extensions.code).toBe('RATE_LIMITED');
  expect(body.errors[0].message).toMatch(/Too many requests/);
  expect((await ask(b)).status).toBe(200);
  const rest = await fetch(`${s.url}/v1/webhooks/int_00000000000000000000000000000000/logs`, { headers: { 'x-api-key': a } });
  expect(rest.status).toBe(429);
});
