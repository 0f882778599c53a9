// Live updates end to end: the real graphql-ws client against the real server, events flowing through
// the real pipeline to loopback receivers, lifecycle mutations over HTTP.
import { Client as UrqlClient, subscriptionExchange } from '@urql/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, liveClient, type Receiver, startReceiver } from '../helpers/live.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const EVENT_FIELDS = 'id status eventType errorCode integration { id name type }';

interface Workspace {
  adminKey: string;
  readKey: string;
  ingestKey: string;
  okIntegration: string;
  failingIntegration: string;
}

describe('live updates over graphql-ws', () => {
  let server: TestServer;
  let receiver: Receiver;
  let a: Workspace;
  let b: Workspace;
  const clients: Array<{ dispose(): Promise<void> }> = [];

  async function key(adminKey: string, scopes: string[]): Promise<string> {
    const r = await server.gql<{ createApiKey: { key: string } }>(
      adminKey,
      'mutation($n: String!, $s: [ApiScope!]!) { createApiKey(name: $n, scopes: $s) { key } }',
      { n: `key-${scopes.join('-')}`, s: scopes },
    );
    if (!r.data) throw new Error(JSON.stringify(r.errors));
    return r.data.createApiKey.key;
  }

  async function integration(adminKey: string, name: string, path: string, eventType: string): Promise<string> {
    const r = await server.gql<{ createIntegration: { integration: { id: string } } }>(
      adminKey,
      'mutation($i: CreateIntegrationInput!) { createIntegration(input: $i) { integration { id } } }',
      {
        i: {
          name,
          type: 'OUTBOUND_WEBHOOK',
          provider: 'hubspot',
          destinationUrl: `${receiver.url}${path}`,
          subscribedEventTypes: [eventType],
          retrySchedule: [0, 1],
        },
      },
    );
    if (!r.data) throw new Error(JSON.stringify(r.errors));
    return r.data.createIntegration.integration.id;
  }

  async function workspace(name: string): Promise<Workspace> {
    const { adminKey } = await server.createWorkspace(name);
    return {
      adminKey,
      readKey: await key(adminKey, ['READ']),
      ingestKey: await key(adminKey, ['INGEST']),
      okIntegration: await integration(adminKey, `${name} CRM`, '/ok', 'contact.created'),
      failingIntegration: await integration(adminKey, `${name} Chat`, '/fail', 'alert.raised'),
    };
  }

  async function publish(
    ingestKey: string,
    eventType: string,
    payload: unknown = { n: 1 },
  ): Promise<Array<{ id: string; integrationId: string }>> {
    const res = await fetch(`${server.url}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ingestKey}` },
      body: JSON.stringify({ eventType, payload }),
    });
    expect(res.status).toBe(202);
    return ((await res.json()) as { events: Array<{ id: string; integrationId: string }> }).events;
  }

  function open(keyValue: string | null) {
    const c = liveClient(server.url, keyValue);
    clients.push(c);
    return c;
  }

  beforeAll(async () => {
    receiver = await startReceiver();
    server = await startTestServer({ SWITCHBOARD_TIME_SCALE: '0.001', SWITCHBOARD_WORKER_POLL_MS: '50' });
    a = await workspace('Alpha');
    b = await workspace('Beta');
  });
  afterAll(async () => {
    for (const c of clients) await c.dispose().catch(() => undefined);
    await server?.close();
    await receiver?.close();
  });

  it('closes with 4403 before any subscription when the key is missing, wrong, or lacks READ', async () => {
    for (const k of [null, 'sbk_00000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', a.ingestKey]) {
      const c = open(k);
      const sub = c.subscribe(`subscription { failureOccurred { id } }`);
      expect(await c.closed).toBe(4403);
      expect(sub.received).toEqual([]);
    }
  });

  it('eventStatusChanged follows an event through the pipeline to DELIVERED, filtered by status', async () => {
    const c = open(a.readKey);
    const all = c.subscribe<{ eventStatusChanged: { id: string; status: string } }>(
      `subscription($f: EventSubscriptionFilter) { eventStatusChanged(filter: $f) { ${EVENT_FIELDS} } }`,
      { f: { integrationId: a.okIntegration } },
    );
    const deliveredOnly = c.subscribe<{ eventStatusChanged: { id: string; status: string } }>(
      `subscription { eventStatusChanged(filter: { statuses: [DELIVERED] }) { id status } }`,
    );
    await new Promise((r) => setTimeout(r, 200));
    const [event] = await publish(a.ingestKey, 'contact.created');
    await eventually(
      () => all.received.some((m) => m.eventStatusChanged.id === event!.id && m.eventStatusChanged.status === 'DELIVERED'),
      15_000,
      'DELIVERED',
    );
    const statuses = all.received.filter((m) => m.eventStatusChanged.id === event!.id).map((m) => m.eventStatusChanged.status);
    expect(statuses.at(-1)).toBe('DELIVERED');
    expect(statuses).toContain('PROCESSING');
    await eventually(() => deliveredOnly.received.length > 0, 5000, 'delivered-only message');
    expect(deliveredOnly.received.every((m) => m.eventStatusChanged.status === 'DELIVERED')).toBe(true);
    expect(all.errors).toEqual([]);
  });

  it('failureOccurred reports FAILED/RETRYING of the chosen integration only, and never another workspace', async () => {
    const mine = open(a.readKey).subscribe<{
      failureOccurred: { id: string; status: string; errorCode: string; integration: { id: string } };
    }>(`subscription($i: ID) { failureOccurred(integrationId: $i) { ${EVENT_FIELDS} } }`, { i: a.failingIntegration });
    const otherIntegration = open(a.readKey).subscribe(`subscription($i: ID) { failureOccurred(integrationId: $i) { id } }`, {
      i: a.okIntegration,
    });
    // Workspace B, even when it names A's integration, sees nothing of A.
    const spy = open(b.readKey).subscribe(`subscription($i: ID) { failureOccurred(integrationId: $i) { id } }`, {
      i: a.failingIntegration,
    });
    const spyAll = open(b.readKey).subscribe(`subscription { eventStatusChanged { id } }`);
    await new Promise((r) => setTimeout(r, 200));
    const [event] = await publish(a.ingestKey, 'alert.raised');
    await eventually(() => mine.received.some((m) => m.failureOccurred.status === 'FAILED'), 15_000, 'FAILED');
    const msgs = mine.received.filter((m) => m.failureOccurred.id === event!.id);
    expect(msgs.map((m) => m.failureOccurred.status)).toEqual(['RETRYING', 'FAILED']);
    expect(msgs[1]!.failureOccurred.errorCode).toBe('500');
    expect(msgs[1]!.failureOccurred.integration.id).toBe(a.failingIntegration);
    expect(otherIntegration.received).toEqual([]);
    expect(spy.received).toEqual([]);
    expect(spyAll.received).toEqual([]);
  });

  it('integrationStateChanged delivers lifecycle changes made through the API', async () => {
    const c = open(a.readKey);
    const sub = c.subscribe<{ integrationStateChanged: { id: string; state: string } }>(
      `subscription($i: ID) { integrationStateChanged(integrationId: $i) { id state stateReason } }`,
      { i: a.okIntegration },
    );
    const spy = open(b.readKey).subscribe(`subscription { integrationStateChanged { id } }`);
    await new Promise((r) => setTimeout(r, 200));
    const r = await server.gql(
      a.adminKey,
      'mutation($i: ID!) { pauseIntegration(id: $i, reason: "maintenance") { integration { state } } }',
      {
        i: a.okIntegration,
      },
    );
    expect(r.errors).toBeUndefined();
    await eventually(() => sub.received.length > 0 || sub.errors.length > 0, 5000, 'state change');
    expect(sub.errors).toEqual([]);
    expect(sub.received[0]!.integrationStateChanged).toMatchObject({ id: a.okIntegration, state: 'PAUSED', stateReason: 'maintenance' });
    await server.gql(a.adminKey, 'mutation($i: ID!) { resumeIntegration(id: $i) { integration { state } } }', { i: a.okIntegration });
    await eventually(() => sub.received.length > 1, 5000, 'resume');
    expect(sub.received[1]!.integrationStateChanged.state).toBe('ACTIVE');
    expect(spy.received).toEqual([]);
  });

  it('closes the sockets of a revoked key within seconds', async () => {
    const { adminKey } = { adminKey: a.adminKey };
    const created = await server.gql<{ createApiKey: { key: string; apiKey: { id: string } } }>(
      adminKey,
      'mutation { createApiKey(name: "soon revoked", scopes: [READ]) { key apiKey { id } } }',
    );
    const c = open(created.data!.createApiKey.key);
    c.subscribe('subscription { failureOccurred { id } }');
    await new Promise((r) => setTimeout(r, 300));
    const revoked = await server.gql(adminKey, 'mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }', {
      id: created.data!.createApiKey.apiKey.id,
    });
    expect(revoked.errors).toBeUndefined();
    const started = Date.now();
    expect(await c.closed).toBe(4403);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('exposes sockets, subscriptions, published and delivered messages on /metrics', async () => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(text).toMatch(/^switchboard_ws_sockets \d+/m);
    expect(text).toMatch(/^switchboard_ws_subscriptions\{field="failureOccurred"\} \d+/m);
    expect(text).toMatch(/^switchboard_live_messages_published_total\{topic="event:changed"\} [1-9]/m);
    expect(text).toMatch(/^switchboard_live_messages_delivered_total [1-9]/m);
    expect(text).toMatch(/^switchboard_live_dropped_consumers_total \d+/m);
  });

  it('an urql client with the graphql-ws exchange (as the console uses) receives a live failure', async () => {
    const ws = open(a.readKey);
    const urql = new UrqlClient({
      url: `${server.url}/graphql`,
      exchanges: [
        subscriptionExchange({
          forwardSubscription: (request) => ({
            subscribe: (sink) => ({ unsubscribe: ws.client.subscribe({ ...request, query: request.query ?? '' }, sink) }),
          }),
        }),
      ],
    });
    const seen: Array<{ failureOccurred: { id: string; status: string } }> = [];
    const { unsubscribe } = urql
      .subscription<{ failureOccurred: { id: string; status: string } }>('subscription { failureOccurred { id status } }', {})
      .subscribe((r) => {
        if (r.data) seen.push(r.data);
      });
    await new Promise((r) => setTimeout(r, 200));
    const [event] = await publish(a.ingestKey, 'alert.raised');
    await eventually(() => seen.some((m) => m.failureOccurred.id === event!.id), 15_000, 'urql failure');
    unsubscribe();
  });
});
