// Live updates end to end: the real graphql-ws client against the real server, events flowing through
// the real pipeline to loopback receivers, lifecycle mutations over HTTP.
import { decodeIdOf } from '@switchboard/db';
import { Client as UrqlClient, subscriptionExchange } from '@urql/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, liveClient, type Receiver, startReceiver } from '../helpers/live.ts';
import { countStatements } from '../helpers/sql-counter.ts';
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

  it('identical subscriptions share one execution: all receive every change in order, and leaving ones are let go', async () => {
    const metric = async (name: string) => {
      const text = await (await fetch(`${server.url}/metrics`)).text();
      return Number(new RegExp(`^${name} (\\d+)`, 'm').exec(text)?.[1] ?? Number.NaN);
    };
    const before = await metric('switchboard_live_operations');
    const query = `subscription($f: EventSubscriptionFilter) { eventStatusChanged(filter: $f) { id status } }`;
    const sockets = Array.from({ length: 20 }, () => open(a.readKey));
    const subs = sockets.map((c) =>
      c.subscribe<{ eventStatusChanged: { id: string; status: string } }>(query, { f: { integrationId: a.okIntegration } }),
    );
    // Same document, other variables: an operation of its own.
    const other = open(a.readKey).subscribe<{ eventStatusChanged: { id: string; status: string } }>(query, {
      f: { integrationId: a.failingIntegration },
    });
    await eventually(async () => (await metric('switchboard_live_operations')) === before + 2, 5_000, 'two operations');

    // Half of them leave before anything happens; the rest see three events through, each in order.
    for (const s of subs.slice(10)) s.stop();
    const events = [...(await publish(a.ingestKey, 'contact.created')), ...(await publish(a.ingestKey, 'contact.created'))];
    events.push(...(await publish(a.ingestKey, 'contact.created')));
    const delivered = (s: (typeof subs)[number]) =>
      events.every((e) => s.received.some((m) => m.eventStatusChanged.id === e.id && m.eventStatusChanged.status === 'DELIVERED'));
    await eventually(() => subs.slice(0, 10).every(delivered), 15_000, 'every staying subscriber to see all three delivered');
    for (const s of subs.slice(0, 10)) {
      for (const e of events) {
        const seen = s.received.filter((m) => m.eventStatusChanged.id === e.id).map((m) => m.eventStatusChanged.status);
        expect(seen).toEqual(['RECEIVED', 'PROCESSING', 'DELIVERED']);
      }
      expect(s.errors).toEqual([]);
    }
    expect(subs.slice(10).every((s) => s.received.length === 0)).toBe(true);
    expect(other.received).toEqual([]);

    for (const c of sockets) await c.dispose();
    await eventually(async () => (await metric('switchboard_live_operations')) === before + 1, 5_000, 'the shared operation to end');
  });

  it('loads the events of a burst of changes in one query, not one per change', async () => {
    const c = open(a.readKey);
    const sub = c.subscribe<{ eventStatusChanged: { id: string; status: string } }>(
      `subscription($f: EventSubscriptionFilter) { eventStatusChanged(filter: $f) { id status } }`,
      { f: { integrationId: a.okIntegration, statuses: ['RECEIVED'] } },
    );
    await new Promise((r) => setTimeout(r, 200));
    // 40 stored events (the worker is stopped, so they stay RECEIVED and nothing else is published)…
    await server.app.runtime.worker.stop();
    try {
      const published: Array<{ id: string }> = [];
      for (let k = 0; k < 40; k++) published.push(...(await publish(a.ingestKey, 'contact.created')));
      await eventually(() => published.every((e) => sub.received.some((m) => m.eventStatusChanged.id === e.id)), 10_000, 'the 40 arrivals');
      sub.received.length = 0;
      const rows = await server.app.db.orm.em
        .fork()
        .getConnection()
        .execute<Array<{ id: string; workspace_id: string }>>(
          `select id, workspace_id from event where integration_id = ? and status = 'RECEIVED'`,
          [decodeIdOf('Integration', a.okIntegration)],
        );
      expect(rows.length).toBeGreaterThanOrEqual(40);
      // …then their changes published together, as the worker publishes a batch's.
      const statements = await countStatements(async () => {
        const at = new Date().toISOString();
        for (const r of rows)
          server.app.live.publish('event:changed', {
            workspaceId: r.workspace_id,
            eventId: r.id,
            integrationId: decodeIdOf('Integration', a.okIntegration) as string,
            integrationType: 'OUTBOUND_WEBHOOK',
            status: 'RECEIVED',
            previousStatus: null,
            errorCode: null,
            at,
          });
        await eventually(() => sub.received.length >= rows.length, 10_000, 'the burst');
      });
      const eventLoads = statements.filter((q) => /^select .* from "event" as "e0"/i.test(q.replace(/\s+/g, ' ')));
      expect(eventLoads).toHaveLength(1);
    } finally {
      server.app.runtime.worker.start();
    }
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
