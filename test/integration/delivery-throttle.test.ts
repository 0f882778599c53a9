// Rate-limit-aware throttling: a destination that says its quota is spent gets no request before the
// reset (from any worker process) and no event spends its retry budget on the wait; the wait pauses
// that integration only and is visible as `throttledUntil`; a static limit per integration holds across
// two worker processes on one database.
import { type App, buildApp, createLogger, loadConfig } from '@switchboard/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_SECRET_KEY } from '../helpers/database.ts';
import { addIntegration, type Receiver, seedWorkspace, sql, startReceiver, waitFor, type Workspace } from '../helpers/pipeline.ts';
import { startTestServer, TEST_ROOT_KEY, type TestServer } from '../helpers/server.ts';

interface EventRow {
  id: string;
  status: string;
  attempt_count: number;
  retry_base: number;
  n: number;
}

let server: TestServer;
let ws: Workspace;
let receiver: Receiver;

beforeAll(async () => {
  server = await startTestServer({ SWITCHBOARD_WORKER_POLL_MS: '20' });
  ws = await seedWorkspace(server);
  receiver = await startReceiver();
});
afterAll(async () => {
  await server?.close();
  await receiver?.close();
});

async function publish(eventType: string, n: number): Promise<void> {
  const r = await fetch(`${server.url}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ws.ingestKey}` },
    body: JSON.stringify({ eventType, payload: { n } }),
  });
  expect(r.status).toBe(202);
}

const eventsOf = (integrationId: string) =>
  sql<EventRow>(
    server,
    `select id, status, attempt_count, retry_base, (payload->>'n')::int as n from event where integration_id = $1 order by received_at`,
    [integrationId],
  );
const requestsTo = (path: string) => receiver.requests.filter((r) => r.url === path);

async function throttledUntilOf(publicId: string): Promise<string | null> {
  const r = await server.gql<{ integration: { throttledUntil: string | null } }>(
    ws.adminKey,
    'query($id: ID!) { integration(id: $id) { throttledUntil } }',
    { id: publicId },
  );
  return r.data?.integration.throttledUntil ?? null;
}

describe('rate-limit-aware throttling', () => {
  it('429 + Retry-After: 2 → no request before 2 s, and no event loses an attempt to the wait', async () => {
    let resetAt = 0;
    receiver.handle = (req, res) => {
      if (req.url !== '/quota') return void res.writeHead(200).end('{}');
      // A real rate-limited API: everything before the reset is refused.
      if (resetAt === 0) resetAt = req.at + 2000;
      if (req.at < resetAt) return void res.writeHead(429, { 'retry-after': '2' }).end('slow down');
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"ok"}');
    };
    // One attempt in the schedule: a 429 charged to the budget would end the event FAILED.
    const integ = await addIntegration(server, ws.workspaceId, {
      type: 'OUTBOUND_WEBHOOK',
      destinationUrl: `${receiver.url}/quota`,
      retrySchedule: [0],
      subscribedEventTypes: ['quota.test'],
    });
    await publish('quota.test', 0);
    await waitFor(() => requestsTo('/quota').length === 1, 10_000, 'the first request');
    await waitFor(async () => (await eventsOf(integ.id))[0]?.status === 'RETRYING', 10_000, 'the first event waiting');
    expect(Date.parse((await throttledUntilOf(integ.publicId)) as string)).toBeGreaterThanOrEqual(resetAt - 50);
    // More events during the wait: none is sent before the reset.
    for (let n = 1; n <= 4; n++) await publish('quota.test', n);
    await waitFor(async () => (await eventsOf(integ.id)).every((e) => e.status === 'DELIVERED'), 15_000, 'all delivered');
    const requests = requestsTo('/quota');
    expect(requests).toHaveLength(6);
    for (const r of requests.slice(1)) expect(r.at).toBeGreaterThanOrEqual(resetAt);
    const events = await eventsOf(integ.id);
    // The first event: two requests recorded (both numbered), one charged to its budget; the others: one request each.
    expect(events.map((e) => [e.n, e.attempt_count, e.attempt_count - e.retry_base])).toEqual([
      [0, 2, 1],
      [1, 1, 1],
      [2, 1, 1],
      [3, 1, 1],
      [4, 1, 1],
    ]);
    const attempts = await sql<{ attempt_number: number; error_code: string | null }>(
      server,
      'select attempt_number, error_code from delivery_attempt where event_id = $1 order by attempt_number',
      [events[0]?.id],
    );
    expect(attempts).toEqual([
      { attempt_number: 1, error_code: '429' },
      { attempt_number: 2, error_code: null },
    ]);
    expect(await throttledUntilOf(integ.publicId)).toBeNull();
  });

  it('x-ratelimit-remaining: 0 with its reset pauses that integration only', async () => {
    let resetAt = 0;
    receiver.handle = (req, res) => {
      if (req.url === '/spent') {
        if (resetAt === 0) {
          resetAt = req.at + 3000;
          return void res
            .writeHead(200, { 'content-type': 'application/json', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '3' })
            .end('{"id":"last one"}');
        }
        return void res.writeHead(200, { 'content-type': 'application/json', 'x-ratelimit-remaining': '99' }).end('{"id":"ok"}');
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"other"}');
    };
    const spent = await addIntegration(server, ws.workspaceId, {
      type: 'OUTBOUND_WEBHOOK',
      destinationUrl: `${receiver.url}/spent`,
      subscribedEventTypes: ['spent.test'],
    });
    const other = await addIntegration(server, ws.workspaceId, {
      type: 'OUTBOUND_WEBHOOK',
      destinationUrl: `${receiver.url}/other`,
      subscribedEventTypes: ['other.test'],
    });
    await publish('spent.test', 0);
    await waitFor(async () => (await eventsOf(spent.id))[0]?.status === 'DELIVERED', 10_000, 'the first delivery');
    await waitFor(() => throttledUntilOf(spent.publicId), 5_000, 'throttledUntil set');
    for (let n = 1; n <= 3; n++) await publish('spent.test', n);
    for (let n = 0; n < 5; n++) await publish('other.test', n);
    // The other integration is not held: all of its events are delivered while the spent one still waits.
    await waitFor(async () => (await eventsOf(other.id)).every((e) => e.status === 'DELIVERED'), 10_000, 'the other integration delivered');
    expect(requestsTo('/other')).toHaveLength(5);
    expect(requestsTo('/spent')).toHaveLength(1);
    expect(await throttledUntilOf(other.publicId)).toBeNull();
    await waitFor(async () => (await eventsOf(spent.id)).every((e) => e.status === 'DELIVERED'), 15_000, 'the spent one delivered');
    for (const r of requestsTo('/spent').slice(1)) expect(r.at).toBeGreaterThanOrEqual(resetAt);
    expect((await eventsOf(spent.id)).map((e) => e.attempt_count)).toEqual([1, 1, 1, 1]);
  });

  it('a static limit of 5 per second holds across two worker processes on one database', async () => {
    const second: App = await buildApp(
      loadConfig({
        DATABASE_URL: server.testDb.url,
        PORT: '0',
        SWITCHBOARD_ROOT_KEY: TEST_ROOT_KEY,
        SWITCHBOARD_SECRET_KEY: TEST_SECRET_KEY,
        SWITCHBOARD_WEB_DIR: '/nonexistent',
        SWITCHBOARD_WORKER_POLL_MS: '20',
        SWITCHBOARD_WORKER_BATCH: '2',
        LOG_LEVEL: 'silent',
      }),
      { logger: createLogger('silent') },
    );
    await second.start(0);
    try {
      receiver.handle = (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"ok"}');
      const limited = await addIntegration(server, ws.workspaceId, {
        type: 'OUTBOUND_WEBHOOK',
        destinationUrl: `${receiver.url}/paced`,
        subscribedEventTypes: ['paced.test'],
        deliveryRateLimit: 5,
        deliveryRatePeriod: 'SECOND',
      });
      const delivered = async (app: App) =>
        Number(/^switchboard_delivery_attempts_total\{outcome="delivered"\} (\S+)$/m.exec(await app.metrics.registry.metrics())?.[1] ?? 0);
      const before = [await delivered(server.app), await delivered(second)];
      const total = 20;
      // The second process starts alone: the first is woken by its own ingest and would otherwise win every
      // race for the events put back (those past the 2 s slot wait), leaving nothing to show both share the pace.
      await server.app.runtime.worker.stop();
      try {
        for (let n = 0; n < total; n++) await publish('paced.test', n);
        await waitFor(async () => (await delivered(second)) > (before[1] as number), 15_000, 'the second process sending');
      } finally {
        server.app.runtime.worker.start();
      }
      await waitFor(async () => (await eventsOf(limited.id)).every((e) => e.status === 'DELIVERED'), 30_000, 'all paced events delivered');
      const at = requestsTo('/paced')
        .map((r) => r.at)
        .sort((a, b) => a - b);
      expect(at).toHaveLength(total);
      // Evenly paced at one per 200 ms: any second holds at most 5 (6 allowing one send's timer lateness);
      // two workers each keeping their own 5/s would put ~10 in a second.
      let most = 0;
      for (let i = 0; i < at.length; i++)
        most = Math.max(most, at.filter((t) => t >= (at[i] as number) && t < (at[i] as number) + 1000).length);
      expect(most).toBeLessThanOrEqual(6);
      // Both processes sent some of them (the first takes over what the second put back past its 2 s wait).
      const byFirst = (await delivered(server.app)) - (before[0] as number);
      const bySecond = (await delivered(second)) - (before[1] as number);
      expect(byFirst + bySecond).toBe(total);
      expect(byFirst).toBeGreaterThan(0);
      expect(bySecond).toBeGreaterThan(0);
      // The waits cost no attempt: every event made one request and counts one.
      expect((await eventsOf(limited.id)).map((e) => e.attempt_count)).toEqual(Array(total).fill(1));
    } finally {
      await second.stop();
    }
  });
});
