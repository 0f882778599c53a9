// The server reuses what it reads on every request (verified API keys, an integration's ingest
// settings, publish's fan-out targets). These tests run with a one-minute cache time, so every change
// below is seen at once only because the change itself invalidates the cache: a revoked key, a new or
// edited integration, a rotated signing secret, a state change.
import { decodeIdOf } from '@switchboard/db';
import { Authenticator } from '@switchboard/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedWorkspace, sql, standardHeaders, type Workspace, waitFor } from '../helpers/pipeline.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

function must<T>(r: { data?: T; errors?: unknown }): T {
  if (!r.data) throw new Error(JSON.stringify(r.errors));
  return r.data;
}

describe('settings caches are invalidated by the changes themselves', () => {
  let server: TestServer;
  let ws: Workspace;

  beforeAll(async () => {
    server = await startTestServer({ SWITCHBOARD_WORKER: '0', SWITCHBOARD_SETTINGS_CACHE_MS: '60000' });
    ws = await seedWorkspace(server);
  });
  afterAll(() => server?.close());

  const publish = async (key: string, eventType: string) => {
    const res = await fetch(`${server.url}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ eventType, payload: { n: 1 } }),
    });
    return { status: res.status, body: (await res.json()) as { events?: Array<{ integrationId: string }>; error?: { code: string } } };
  };
  const createOutbound = async (name: string, types: string[]) => {
    const r = await server.gql<{ createIntegration: { integration: { id: string } } }>(
      ws.adminKey,
      'mutation($i: CreateIntegrationInput!) { createIntegration(input: $i) { integration { id } } }',
      {
        i: { name, type: 'OUTBOUND_WEBHOOK', provider: 'generic', destinationUrl: 'http://127.0.0.1:9/hook', subscribedEventTypes: types },
      },
    );
    if (!r.data) throw new Error(JSON.stringify(r.errors));
    return r.data.createIntegration.integration.id;
  };

  it('publish fans out to an integration created, edited or disconnected a moment ago', async () => {
    const first = await createOutbound('CRM sync', ['deal.won']);
    expect((await publish(ws.ingestKey, 'deal.won')).body.events?.map((e) => e.integrationId)).toEqual([first]);
    // Cached now; a second subscriber appears and receives the very next publish.
    const second = await createOutbound('Chat alerts', ['deal.won']);
    expect((await publish(ws.ingestKey, 'deal.won')).body.events?.map((e) => e.integrationId).sort()).toEqual([first, second].sort());
    // Edited to stop taking the type: out of the next fan-out.
    const edit = await server.gql(
      ws.adminKey,
      'mutation($id: ID!) { updateIntegration(id: $id, input: { subscribedEventTypes: ["deal.lost"] }) { integration { id } } }',
      {
        id: second,
      },
    );
    expect(edit.errors).toBeUndefined();
    expect((await publish(ws.ingestKey, 'deal.won')).body.events?.map((e) => e.integrationId)).toEqual([first]);
    // Disconnected through the lifecycle mutation: no longer a target.
    const off = await server.gql(
      ws.adminKey,
      'mutation($id: ID!) { disconnectIntegration(id: $id, reason: "test") { integration { state } } }',
      {
        id: first,
      },
    );
    expect(off.errors).toBeUndefined();
    expect((await publish(ws.ingestKey, 'deal.won')).body.events).toEqual([]);
  });

  it('a used (cached) API key is refused at once after revocation, on every path', async () => {
    const created = await server.gql<{ createApiKey: { key: string; apiKey: { id: string } } }>(
      ws.adminKey,
      'mutation { createApiKey(name: "partner", scopes: [READ, INGEST]) { key apiKey { id } } }',
    );
    const { key, apiKey } = must(created).createApiKey;
    const logsUrl = `${server.url}/v1/webhooks/${await createOutbound('Logs', [])}/logs`;
    expect((await server.gql(key, '{ viewer { name } }')).data).toEqual({ viewer: { name: 'Acme' } });
    expect((await publish(key, 'any.thing')).status).toBe(202);
    expect((await fetch(logsUrl, { headers: { 'x-api-key': key } })).status).toBe(200);

    const revoked = await server.gql(ws.adminKey, 'mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }', { id: apiKey.id });
    expect(revoked.errors).toBeUndefined();
    expect((await server.gql(key, '{ viewer { name } }')).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const refused = await publish(key, 'any.thing');
    expect(refused.status).toBe(401);
    expect(refused.body.error?.code).toBe('UNAUTHENTICATED');
    expect((await fetch(logsUrl, { headers: { 'x-api-key': key } })).status).toBe(401);
    // The other keys of the workspace are untouched.
    expect((await publish(ws.ingestKey, 'any.thing')).status).toBe(202);
  });

  it('an inbound webhook signed with the old secret is refused right after rotateSigningSecret with no grace window', async () => {
    const r = await server.gql<{ createIntegration: { integration: { id: string }; signingSecret: string } }>(
      ws.adminKey,
      'mutation { createIntegration(input: { name: "Stripe in", type: INBOUND_WEBHOOK, provider: "stripe" }) { integration { id } signingSecret } }',
    );
    const { integration, signingSecret: oldSecret } = must(r).createIntegration;
    const send = (secret: string) => {
      const body = JSON.stringify({ type: 'invoice.paid', n: Math.random() });
      return fetch(`${server.url}/ingest/${integration.id}`, { method: 'POST', headers: standardHeaders(secret, body), body });
    };
    expect((await send(oldSecret)).status).toBe(202);
    const rotated = await server.gql<{ rotateSigningSecret: { signingSecret: string } }>(
      ws.adminKey,
      'mutation($id: ID!) { rotateSigningSecret(id: $id, graceSeconds: 0) { signingSecret } }',
      { id: integration.id },
    );
    const newSecret = rotated.data?.rotateSigningSecret.signingSecret as string;
    expect(newSecret).not.toBe(oldSecret);
    expect((await send(oldSecret)).status).toBe(401);
    expect((await send(newSecret)).status).toBe(202);
  });

  it('records a key’s use at most once a minute, also when it is answered from the cache', async () => {
    const created = await server.gql<{ createApiKey: { key: string; apiKey: { id: string } } }>(
      ws.adminKey,
      'mutation { createApiKey(name: "fresh", scopes: [READ]) { key apiKey { id } } }',
    );
    const { key, apiKey } = must(created).createApiKey;
    const id = decodeIdOf('ApiKey', apiKey.id) as string;
    const lastUsed = async () => {
      const [row] = await sql<{ t: string | null }>(
        server,
        'select (extract(epoch from last_used_at) * 1000)::bigint::text as t from api_key where id = $1',
        [id],
      );
      return row?.t ? Number(row.t) : null;
    };
    // An authenticator of its own, with a ten-minute cache and a clock the test moves.
    const auth = new Authenticator({ em: () => server.app.db.orm.em.fork(), rootKey: undefined, ttlMs: 600_000 });
    const t0 = Date.now() + 1_000;
    await auth.resolve({ key, via: 'header' }, t0);
    expect(await lastUsed()).toBe(t0);
    await auth.resolve({ key, via: 'header' }, t0 + 30_000); // cached, used within the minute: no write
    expect(await lastUsed()).toBe(t0);
    await auth.resolve({ key, via: 'header' }, t0 + 61_000); // cached, a minute later: written off the request's path
    await waitFor(async () => (await lastUsed()) === t0 + 61_000, 5_000, 'lastUsedAt moved');
    auth.forget(id);
    await expect(auth.resolve({ key: `${key.slice(0, -1)}x`, via: 'header' })).rejects.toThrow(/API key/);
  });
});
