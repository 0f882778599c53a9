import { createWorkspace } from '@switchboard/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';

describe('server health and basics', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server?.close());

  it('answers /healthz and /readyz', async () => {
    const live = await fetch(`${server.url}/healthz`);
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', database: 'postgresql' });
  });

  it('serves Prometheus metrics', async () => {
    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    expect(await res.text()).toContain('switchboard_http_requests_total');
  });

  it('answers unknown routes and wrong methods with a JSON error', async () => {
    const missing = await fetch(`${server.url}/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
    const wrong = await fetch(`${server.url}/healthz`, { method: 'DELETE' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET');
  });

  it('answers { viewer { name } } for a workspace key and refuses a bad one', async () => {
    const { adminKey } = await createWorkspace(server.app.db.orm.em.fork(), 'Health Check Co');
    const ok = await server.gql<{ viewer: { name: string } }>(adminKey, '{ viewer { name } }');
    expect(ok).toEqual({ data: { viewer: { name: 'Health Check Co' } } });
    const bad = await server.gql(`${adminKey.slice(0, -2)}xx`, '{ viewer { name } }');
    expect(bad.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(bad.data ?? null).toBeNull();
  });

  it('reports 503 with Retry-After on /readyz when the database goes away', async () => {
    const other = await startTestServer();
    try {
      await other.testDb.drop();
      const res = await fetch(`${other.url}/readyz`);
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('DATABASE_UNAVAILABLE');
      expect(JSON.stringify(body)).not.toMatch(/stack|at \w+ \(/);
      expect((await fetch(`${other.url}/healthz`)).status).toBe(200);
    } finally {
      await other.app.stop();
    }
  });
});

describe('a worker-only process (SWITCHBOARD_API=0)', () => {
  it('answers health and metrics, and refuses the API with a clear error', async () => {
    const worker = await startTestServer({ SWITCHBOARD_API: '0' });
    try {
      expect((await fetch(`${worker.url}/readyz`)).status).toBe(200);
      expect((await fetch(`${worker.url}/metrics`)).status).toBe(200);
      const res = await fetch(`${worker.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"query":"{ __typename }"}',
      });
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({
        error: { code: 'NOT_FOUND', message: 'This process runs the delivery worker only (SWITCHBOARD_API=0)' },
      });
      expect((await fetch(`${worker.url}/ingest/int_0`, { method: 'POST' })).status).toBe(404);
    } finally {
      await worker.close();
    }
  });
});
