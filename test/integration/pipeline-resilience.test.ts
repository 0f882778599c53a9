// Reliability promises: two worker processes on one table deliver each attempt exactly once;
// the database going away answers 503 with Retry-After (never a stack trace) and recovers by itself.
import { type App, buildApp, createLogger, loadConfig } from '@switchboard/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminQuery } from '../helpers/postgres.ts';
import { addIntegration, type Receiver, seedWorkspace, sql, standardHeaders, startReceiver, waitFor } from '../helpers/pipeline.ts';
import { startTestServer, TEST_ROOT_KEY, type TestServer } from '../helpers/server.ts';
import { TEST_SECRET_KEY } from '../helpers/database.ts';

describe('two workers on one table', () => {
  let server: TestServer;
  let second: App;
  let receiver: Receiver;
  beforeAll(async () => {
    const env = { SWITCHBOARD_WORKER_BATCH: '25', SWITCHBOARD_WORKER_CONCURRENCY: '16', SWITCHBOARD_WORKER_POLL_MS: '20' };
    server = await startTestServer(env);
    second = await buildApp(
      loadConfig({
        SWITCHBOARD_SECRET_KEY: TEST_SECRET_KEY,
        DATABASE_URL: server.testDb.url,
        PORT: '0',
        SWITCHBOARD_ROOT_KEY: TEST_ROOT_KEY,
        LOG_LEVEL: 'silent',
        SWITCHBOARD_WEB_DIR: '/nonexistent',
        ...env,
      }),
      { logger: createLogger('silent') },
    );
    await second.start(0);
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await second?.stop();
    await server?.close();
    await receiver?.close();
  });

  it('delivers 2,000 events exactly once each (a receiver counts webhook-ids)', async () => {
    const ws = await seedWorkspace(server);
    // Slow enough that both workers are busy at once.
    receiver.handle = (_r, res) => setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"x"}'), 2);
    const integ = await addIntegration(server, ws.workspaceId, { type: 'INBOUND_WEBHOOK', destinationUrl: `${receiver.url}/count` });
    const total = 2000;
    for (let i = 0; i < total; i += 100) {
      await Promise.all(
        Array.from({ length: 100 }, async (_, j) => {
          const body = JSON.stringify({ type: 'count', n: i + j });
          const r = await fetch(`${(i / 100) % 2 ? server.url : second.url()}/ingest/${integ.publicId}`, {
            method: 'POST',
            headers: standardHeaders(integ.signingSecret, body),
            body,
          });
          expect(r.status).toBe(202);
        }),
      );
    }
    await waitFor(
      async () => (await sql<{ n: number }>(server, `select count(*)::int as n from event where status = 'DELIVERED'`))[0]?.n === total,
      60_000,
      'all delivered',
    );
    const perId = new Map<string, number>();
    for (const r of receiver.requests) perId.set(String(r.headers['webhook-id']), (perId.get(String(r.headers['webhook-id'])) ?? 0) + 1);
    expect(perId.size).toBe(total);
    expect([...perId.values()].every((n) => n === 1)).toBe(true);
    const [attempts] = await sql<{ n: number; events: number }>(
      server,
      'select count(*)::int as n, count(distinct event_id)::int as events from delivery_attempt',
    );
    expect(attempts).toEqual({ n: total, events: total });
    const countOf = async (app: App) => {
      const m = (await app.metrics.deliveryAttempts.get()).values.find((v) => v.labels.outcome === 'delivered');
      return m?.value ?? 0;
    };
    const [a, b] = [await countOf(server.app), await countOf(second)];
    expect(a + b).toBe(total);
    expect(a).toBeGreaterThan(0);
    expect(b).toBeGreaterThan(0);
  });
});

describe('database unreachable', () => {
  it('answers 503 with Retry-After and a JSON error, then recovers by itself', async () => {
    const server = await startTestServer({ SWITCHBOARD_INGEST_TIMEOUT_MS: '2000' });
    const dbName = server.testDb.name;
    try {
      const ws = await seedWorkspace(server);
      const integ = await addIntegration(server, ws.workspaceId, { type: 'INBOUND_WEBHOOK' });
      const send = (n: number) => {
        const body = JSON.stringify({ type: 'db.test', n });
        return fetch(`${server.url}/ingest/${integ.publicId}`, {
          method: 'POST',
          headers: standardHeaders(integ.signingSecret, body),
          body,
        });
      };
      expect((await send(0)).status).toBe(202);
      // The database goes away: no new connections, every open one cut.
      await adminQuery(`alter database "${dbName}" allow_connections false`);
      await adminQuery(`select pg_terminate_backend(pid) from pg_stat_activity where datname = '${dbName}'`);
      // Past the integration cache's second, so the lookup needs the database too.
      await new Promise((r) => setTimeout(r, 1100));
      const down = await Promise.all([send(1), send(2), send(3)]);
      for (const r of down) {
        expect(r.status).toBe(503);
        expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
        const body = (await r.json()) as { error: { code: string; message: string } };
        expect(body.error.code).toBe('DATABASE_UNAVAILABLE');
        expect(body.error.message).not.toMatch(/\.ts:\d+|at /);
      }
      await adminQuery(`alter database "${dbName}" allow_connections true`);
      await waitFor(async () => ((await send(4)).status === 202 ? true : null), 20_000, 'ingest to recover');
      const rows = await sql<{ n: number }>(server, 'select count(*)::int as n from event where integration_id = $1', [integ.id]);
      expect(rows[0]?.n).toBeGreaterThanOrEqual(2);
    } finally {
      await adminQuery(`alter database "${dbName}" allow_connections true`).catch(() => undefined);
      await server.close();
    }
  });
});
