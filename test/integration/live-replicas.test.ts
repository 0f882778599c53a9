// Live fan-out across replicas through the machine's Redis, and a consumer that stops reading.
import { type App, buildApp, createLogger, loadConfig } from '@switchboard/server';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, liveClient, type Receiver, startReceiver } from '../helpers/live.ts';
import { startTestServer, TEST_ROOT_KEY, type TestServer } from '../helpers/server.ts';
import { TEST_SECRET_KEY } from '../helpers/database.ts';

const REDIS_URL = process.env.SWITCHBOARD_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

async function gql<T>(url: string, key: string, query: string, variables?: Record<string, unknown>): Promise<T> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: T; errors?: unknown };
  if (!body.data) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

async function setupWorkspace(url: string, receiverUrl: string, path: string) {
  const { createWorkspace } = await gql<{ createWorkspace: { adminKey: string } }>(
    url,
    TEST_ROOT_KEY,
    'mutation { createWorkspace(name: "Replicated") { adminKey } }',
  );
  const adminKey = createWorkspace.adminKey;
  const { createIntegration } = await gql<{ createIntegration: { integration: { id: string } } }>(
    url,
    adminKey,
    'mutation($i: CreateIntegrationInput!) { createIntegration(input: $i) { integration { id } } }',
    { i: { name: 'Ops chat', type: 'OUTBOUND_WEBHOOK', provider: 'slack', destinationUrl: `${receiverUrl}${path}`, retrySchedule: [0] } },
  );
  const key = async (name: string, scope: 'INGEST' | 'READ') =>
    (await gql<{ createApiKey: { key: string } }>(url, adminKey, `mutation { createApiKey(name: "${name}", scopes: [${scope}]) { key } }`))
      .createApiKey.key;
  return {
    adminKey,
    integrationId: createIntegration.integration.id,
    ingestKey: await key('app', 'INGEST'),
    readKey: await key('viewer', 'READ'),
  };
}

describe('live fan-out across replicas (Redis)', () => {
  let receiver: Receiver;
  let a: TestServer;
  let b: App;
  let bUrl: string;

  beforeAll(async () => {
    receiver = await startReceiver();
    // Replica A: API only, no worker. Replica B: same database, runs the worker.
    // Settings are cached for a minute on both, so only the bus's invalidations explain fresh answers.
    a = await startTestServer({ REDIS_URL, SWITCHBOARD_WORKER: '0', SWITCHBOARD_SETTINGS_CACHE_MS: '60000' });
    const config = loadConfig({
      SWITCHBOARD_SECRET_KEY: TEST_SECRET_KEY,
      DATABASE_URL: a.testDb.url,
      REDIS_URL,
      PORT: '0',
      SWITCHBOARD_ROOT_KEY: TEST_ROOT_KEY,
      LOG_LEVEL: 'silent',
      SWITCHBOARD_WEB_DIR: '/nonexistent',
      SWITCHBOARD_TIME_SCALE: '0.001',
      SWITCHBOARD_WORKER_POLL_MS: '50',
      SWITCHBOARD_SETTINGS_CACHE_MS: '60000',
    });
    b = await buildApp(config, { logger: createLogger('silent') });
    bUrl = await b.start(0);
  });
  afterAll(async () => {
    await b?.stop();
    await a?.close();
    await receiver?.close();
  });

  it('a subscriber on replica A sees a failure delivered by the worker on replica B', async () => {
    const ws = await setupWorkspace(a.url, receiver.url, '/fail');
    const client = liveClient(a.url, ws.readKey);
    try {
      const sub = client.subscribe<{ failureOccurred: { id: string; status: string } }>(
        'subscription { failureOccurred { id status errorCode } }',
      );
      await new Promise((r) => setTimeout(r, 300));
      const res = await fetch(`${a.url}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${ws.ingestKey}` },
        body: JSON.stringify({ eventType: 'alert.raised', payload: { n: 1 } }),
      });
      expect(res.status).toBe(202);
      const [{ id }] = ((await res.json()) as { events: Array<{ id: string }> }).events as [{ id: string }];
      await eventually(
        () => sub.received.some((m) => m.failureOccurred.id === id && m.failureOccurred.status === 'FAILED'),
        15_000,
        'failure via Redis',
      );
      expect(receiver.requests.length).toBeGreaterThan(0);
    } finally {
      await client.dispose();
    }
  });

  it('a lifecycle change made through replica B reaches a subscriber on replica A', async () => {
    const ws = await setupWorkspace(a.url, receiver.url, '/ok');
    const client = liveClient(a.url, ws.readKey);
    try {
      const sub = client.subscribe<{ integrationStateChanged: { id: string; state: string } }>(
        'subscription { integrationStateChanged { id state } }',
      );
      await new Promise((r) => setTimeout(r, 300));
      await gql(bUrl, ws.adminKey, 'mutation($i: ID!) { disconnectIntegration(id: $i, reason: "moved") { integration { state } } }', {
        i: ws.integrationId,
      });
      await eventually(() => sub.received.length > 0, 10_000, 'state change via Redis');
      expect(sub.received[0]!.integrationStateChanged).toEqual({ id: ws.integrationId, state: 'DISCONNECTED' });
    } finally {
      await client.dispose();
    }
  });

  it('a key revoked and an integration created through replica A take effect on replica B’s caches', async () => {
    const ws = await setupWorkspace(a.url, receiver.url, '/ok');
    const publishTo = async (url: string, key: string) => {
      const res = await fetch(`${url}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({ eventType: 'deal.won', payload: { n: 1 } }),
      });
      return { status: res.status, targets: ((await res.json()) as { events?: Array<{ integrationId: string }> }).events?.length ?? 0 };
    };
    // B has verified the key and listed the fan-out targets: both are cached there.
    expect(await publishTo(bUrl, ws.ingestKey)).toEqual({ status: 202, targets: 1 });
    await gql(a.url, ws.adminKey, 'mutation($i: CreateIntegrationInput!) { createIntegration(input: $i) { integration { id } } }', {
      i: { name: 'Second', type: 'OUTBOUND_WEBHOOK', provider: 'generic', destinationUrl: `${receiver.url}/ok` },
    });
    await eventually(async () => (await publishTo(bUrl, ws.ingestKey)).targets === 2, 5_000, 'B to fan out to the new integration');

    const keys = await gql<{ apiKeys: Array<{ id: string; name: string }> }>(a.url, ws.adminKey, '{ apiKeys { id name } }');
    const app = keys.apiKeys.find((k) => k.name === 'app') as { id: string };
    await gql(a.url, ws.adminKey, 'mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }', { id: app.id });
    await eventually(async () => (await publishTo(bUrl, ws.ingestKey)).status === 401, 5_000, 'B to refuse the revoked key');
  });
});

describe('a live consumer that stops reading', () => {
  let receiver: Receiver;
  let server: TestServer;

  beforeAll(async () => {
    receiver = await startReceiver();
    server = await startTestServer({
      SWITCHBOARD_LIVE_MAX_BUFFER_BYTES: '65536',
      SWITCHBOARD_LIVE_STALL_MS: '1000',
      SWITCHBOARD_WORKER_POLL_MS: '50',
    });
  });
  afterAll(async () => {
    await server?.close();
    await receiver?.close();
  });

  it('is dropped instead of growing the server’s memory, and other consumers carry on', async () => {
    const ws = await setupWorkspace(server.url, receiver.url, '/ok');
    const readKey = ws.readKey;

    // A raw graphql-ws client that subscribes, then stops reading its socket.
    const slow = new WebSocket(`${server.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
    const slowClosed = new Promise<void>((resolve) => slow.on('close', () => resolve()));
    await new Promise<void>((resolve) => slow.on('open', () => resolve()));
    slow.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${readKey}` } }));
    await new Promise<void>((resolve) => slow.once('message', () => resolve()));
    slow.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: 'subscription { eventStatusChanged { id payload } }' } }));
    await new Promise((r) => setTimeout(r, 200));
    (slow as unknown as { _socket: { pause(): void } })._socket.pause();

    const healthy = liveClient(server.url, readKey);
    const seen = healthy.subscribe<{ eventStatusChanged: { id: string } }>('subscription { eventStatusChanged { id status } }');
    await new Promise((r) => setTimeout(r, 200));

    const rssBefore = process.memoryUsage().rss;
    const big = 'x'.repeat(48 * 1024);
    for (let round = 0; round < 8; round++) {
      await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          fetch(`${server.url}/v1/events`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${ws.ingestKey}` },
            body: JSON.stringify({ eventType: 'alert.raised', payload: { round, i, big } }),
          }).then((r) => expect(r.status).toBe(202)),
        ),
      );
    }
    const metric = async () => {
      const text = await (await fetch(`${server.url}/metrics`)).text();
      return Number(/^switchboard_live_dropped_consumers_total (\d+)/m.exec(text)?.[1] ?? 0);
    };
    await eventually(async () => (await metric()) >= 1, 30_000, 'the slow consumer to be dropped');
    (slow as unknown as { _socket: { resume(): void } })._socket.resume();
    await slowClosed;
    await eventually(() => seen.received.length >= 320, 30_000, 'the healthy consumer to keep receiving');
    // In-process RSS is noisy (the test's own requests and payloads live here too); the bound catches
    // an unbounded backlog (the dropped socket would otherwise hold every message), not small growth.
    const grownMb = (process.memoryUsage().rss - rssBefore) / 1024 / 1024;
    expect(grownMb).toBeLessThan(400);
    await healthy.dispose();
  });
});
