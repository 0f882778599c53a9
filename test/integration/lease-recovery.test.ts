// Claims are leases. A worker process is SIGKILLed while its deliveries are in flight; with the
// 15-minute stuck threshold untouched, a live worker claims those events again as soon as their leases
// run out, delivers every one (receivers dedupe by webhook-id), and nothing is left PROCESSING. A live
// lease that makes no progress is still flagged stuck.
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer as createNetServer } from 'node:net';
import path from 'node:path';
import { type App, buildApp, createLogger, loadConfig } from '@switchboard/server';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, TEST_SECRET_KEY, type TestDatabase } from '../helpers/database.ts';
import { addIntegration, type Receiver, seedWorkspace, sql, standardHeaders, startReceiver, waitFor } from '../helpers/pipeline.ts';
import { startTestServer, TEST_ROOT_KEY, type TestServer } from '../helpers/server.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

async function freePort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('leases', () => {
  let testDb: TestDatabase | undefined;
  let child: ChildProcess | undefined;
  let survivor: App | undefined;
  let receiver: Receiver | undefined;
  let server: TestServer | undefined;
  afterAll(async () => {
    child?.kill('SIGKILL');
    await survivor?.stop();
    await server?.close();
    await receiver?.close();
    await testDb?.drop();
  });

  it('a killed worker’s events are claimed again when its leases expire and delivered once each', async () => {
    testDb = await createTestDatabase();
    receiver = await startReceiver();
    const held: Array<() => void> = [];
    let holding = true;
    receiver.handle = (_r, res) => {
      if (holding) held.push(() => res.destroy());
      else res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"ok"}');
    };
    // The API and a worker in a child process; the stuck threshold stays at its default (15 minutes).
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const env = {
      DATABASE_URL: testDb.url,
      PORT: String(port),
      SWITCHBOARD_ROOT_KEY: TEST_ROOT_KEY,
      SWITCHBOARD_SECRET_KEY: TEST_SECRET_KEY,
      SWITCHBOARD_LEASE_SECONDS: '3',
      SWITCHBOARD_HTTP_TIMEOUT_MS: '120000',
      SWITCHBOARD_WORKER_POLL_MS: '50',
      SWITCHBOARD_WEB_DIR: '/nonexistent',
      LOG_LEVEL: 'warn',
    };
    child = spawn(process.execPath, [path.join(ROOT, 'server', 'src', 'main.ts')], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    await waitFor(async () => (await fetch(`${base}/healthz`)).ok, 90_000, 'child server up');
    // Fixtures through a handle on the same database (no worker of its own).
    server = await startTestServer({ DATABASE_URL: testDb.url, SWITCHBOARD_WORKER: '0' });
    const ws = await seedWorkspace(server);
    const total = 30;
    // All 30 in flight at once: above the default per-integration cap (a sixteenth of the worker's concurrency).
    const integ = await addIntegration(server, ws.workspaceId, {
      type: 'INBOUND_WEBHOOK',
      destinationUrl: `${receiver.url}/hook`,
      maxInFlight: total,
    });
    for (let n = 0; n < total; n++) {
      const body = JSON.stringify({ type: 'lease.test', n });
      const r = await fetch(`${base}/ingest/${integ.publicId}`, {
        method: 'POST',
        headers: standardHeaders(integ.signingSecret, body),
        body,
      });
      expect(r.status).toBe(202);
    }
    await waitFor(() => held.length === total, 30_000, 'every delivery in flight at the child');
    child.kill('SIGKILL');
    await new Promise((r) => child?.once('exit', r));
    for (const drop of held.splice(0)) drop();
    holding = false;
    const processing = await sql<{ n: number }>(server, `select count(*)::int as n from event where status = 'PROCESSING'`);
    expect(processing[0]?.n).toBe(total);

    const killedAt = Date.now();
    survivor = await buildApp(loadConfig({ ...env, PORT: '0', SWITCHBOARD_LEASE_SECONDS: '3' }), { logger: createLogger('silent') });
    await survivor.start(0);
    await waitFor(
      async () =>
        (await sql<{ n: number }>(server as TestServer, `select count(*)::int as n from event where status = 'DELIVERED'`))[0]?.n === total,
      60_000,
      'every event delivered within 60 s',
    );
    const recoveredMs = Date.now() - killedAt;
    expect(recoveredMs).toBeLessThan(60_000);
    expect((await sql<{ n: number }>(server, `select count(*)::int as n from event where status = 'PROCESSING'`))[0]?.n).toBe(0);
    // Each event reached the receiver with a 200 exactly once after the restart, under the webhook-id it had before.
    const ids = receiver.requests.map((r) => r.headers['webhook-id']);
    expect(new Set(ids).size).toBe(total);
    const [history] = await sql<{ h: Array<{ reason: string | null }>; attempt_count: number }>(
      server,
      `select status_history as h, attempt_count from event limit 1`,
    );
    expect(history?.h.some((c) => /lease expired/.test(c.reason ?? ''))).toBe(true);
    // The attempt the crash interrupted was given back: one attempt recorded, counted once.
    expect(history?.attempt_count).toBe(1);
  }, 240_000);

  it('a live lease that makes no progress is flagged stuck', async () => {
    const s = await startTestServer({
      SWITCHBOARD_LEASE_SECONDS: '1',
      SWITCHBOARD_STUCK_AFTER_SECONDS: '2',
      SWITCHBOARD_JOBS_INTERVAL_SECONDS: '1',
      SWITCHBOARD_HTTP_TIMEOUT_MS: '60000',
    });
    const r = await startReceiver();
    let answered = false;
    r.handle = (_req, res) => {
      // The first request never gets an answer while its lease is renewed; the retry succeeds.
      if (answered) res.writeHead(200).end('{"id":"x"}');
      answered = true;
    };
    try {
      const ws = await seedWorkspace(s);
      const integ = await addIntegration(s, ws.workspaceId, { type: 'INBOUND_WEBHOOK', destinationUrl: `${r.url}/slow` });
      const body = JSON.stringify({ type: 'stuck.test' });
      expect(
        (await fetch(`${s.url}/ingest/${integ.publicId}`, { method: 'POST', headers: standardHeaders(integ.signingSecret, body), body }))
          .status,
      ).toBe(202);
      // Read from the history: the retry that follows succeeds at once and clears the current error code.
      const stuckMove = async () => {
        const [row] = await sql<{ h: Array<{ to: string; reason: string | null }> }>(
          s,
          'select status_history as h from event where integration_id = $1',
          [integ.id],
        );
        return row?.h.find((c) => c.to === 'RETRYING' && /stuck in PROCESSING/.test(c.reason ?? ''));
      };
      await waitFor(stuckMove, 30_000, 'flagged stuck');
      await waitFor(
        async () =>
          (await sql<{ status: string }>(s, 'select status from event where integration_id = $1', [integ.id]))[0]?.status === 'DELIVERED',
        30_000,
        'delivered by the retry',
      );
    } finally {
      // The receiver first: its open request ends, so the server's stop does not wait for it.
      await r.close();
      await s.close();
    }
  }, 60_000);
});
