// Lifecycle effects on delivery: pause holds and resume releases in received order; repeated
// 401/403 move an integration to ERROR (recorded as a system change) and reconnect brings it back;
// a stuck event is reclaimed with its history saying so; secrets never reach storage; retention.
import { claimDueEvents, type EntityManager, Integration, insertEvents, newId, newTraceId, recordDeliveries } from '@switchboard/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRetention } from '../../server/src/jobs/retention.ts';
import {
  addIntegration,
  type Receiver,
  seedWorkspace,
  sql,
  standardHeaders,
  startReceiver,
  transition,
  waitFor,
  type Workspace,
} from '../helpers/pipeline.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

describe('pipeline lifecycle', () => {
  let server: TestServer;
  let ws: Workspace;
  let receiver: Receiver;

  beforeAll(async () => {
    // One delivery at a time, so arrival order at the receiver is the release order.
    server = await startTestServer({
      SWITCHBOARD_WORKER_CONCURRENCY: '1',
      SWITCHBOARD_WORKER_POLL_MS: '50',
      SWITCHBOARD_TIME_SCALE: '0.01',
    });
    ws = await seedWorkspace(server);
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await server?.close();
    await receiver?.close();
  });

  const ingest = async (integ: { publicId: string; signingSecret: string }, payload: Record<string, unknown>) => {
    const body = JSON.stringify(payload);
    const r = await fetch(`${server.url}/ingest/${integ.publicId}`, {
      method: 'POST',
      headers: standardHeaders(integ.signingSecret, body),
      body,
    });
    expect(r.status).toBe(202);
    return ((await r.json()) as { id: string }).id;
  };
  const statuses = (integrationId: string) =>
    sql<{ status: string; n: number }>(server, 'select status, count(*)::int as n from event where integration_id = $1 group by status', [
      integrationId,
    ]);

  it('pause holds deliveries (events stored, nothing sent); resume releases them in receivedAt order', async () => {
    const integ = await addIntegration(server, ws.workspaceId, { type: 'INBOUND_WEBHOOK', destinationUrl: `${receiver.url}/ordered` });
    await transition(server, integ.id, 'pause');
    for (let i = 0; i < 20; i++) await ingest(integ, { type: 'seq', n: i });
    await new Promise((r) => setTimeout(r, 400));
    expect(receiver.requests.filter((r) => r.url === '/ordered')).toHaveLength(0);
    expect(await statuses(integ.id)).toEqual([{ status: 'RECEIVED', n: 20 }]);
    await transition(server, integ.id, 'resume');
    await waitFor(() => receiver.requests.filter((r) => r.url === '/ordered').length === 20);
    const order = receiver.requests.filter((r) => r.url === '/ordered').map((r) => (JSON.parse(r.body) as { n: number }).n);
    expect(order).toEqual([...Array(20).keys()]);
    await waitFor(async () => (await statuses(integ.id))[0]?.n === 20 && (await statuses(integ.id))[0]?.status === 'DELIVERED');
  });

  it('five consecutive 401s move the integration to ERROR (system change); events are then held; reconnect delivers them', async () => {
    let validToken = 'tok_fresh_1';
    receiver.handle = (req, res) => {
      if (req.url !== '/crm') return void res.writeHead(200).end('{}');
      if (req.headers.authorization !== `Bearer ${validToken}`)
        return void res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"token expired"}');
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"contact_9"}');
    };
    const integ = await addIntegration(server, ws.workspaceId, {
      type: 'PREBUILT',
      provider: 'hubspot',
      destinationUrl: `${receiver.url}/crm`,
      credentials: { token: 'tok_fresh_1' },
      subscribedEventTypes: ['contact.created'],
    });
    const stateMessages: string[] = [];
    const sub = server.app.live.subscribe('integration:state');
    void (async () => {
      for await (const m of sub) if (m.integrationId === integ.id) stateMessages.push(m.state);
    })();
    const publish = () =>
      fetch(`${server.url}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${ws.ingestKey}` },
        body: JSON.stringify({ eventType: 'contact.created', payload: { email: 'x@example.com' } }),
      });
    await publish();
    await waitFor(async () => (await statuses(integ.id)).some((s) => s.status === 'DELIVERED'));
    validToken = 'tok_fresh_2'; // the stored credential "expires"
    for (let i = 0; i < 5; i++) await publish();
    const em = server.app.db.orm.em.fork();
    await waitFor(async () => (await em.fork().findOneOrFail(Integration, integ.id)).state === 'ERROR', 15_000, 'ERROR state');
    const [change] = await sql<{ from: string; to: string; actor: string; reason: string }>(
      server,
      `select "from", "to", actor, reason from integration_state_change where integration_id = $1 order by at desc limit 1`,
      [integ.id],
    );
    expect(change).toMatchObject({ from: 'ACTIVE', to: 'ERROR', actor: 'system' });
    expect(change?.reason).toMatch(/5 consecutive authentication failures/);
    await waitFor(() => stateMessages.includes('ERROR'));
    expect(await statuses(integ.id)).toEqual(expect.arrayContaining([{ status: 'FAILED', n: 5 }]));

    await publish(); // held while in ERROR
    await new Promise((r) => setTimeout(r, 300));
    expect((await statuses(integ.id)).find((s) => s.status === 'RECEIVED')?.n).toBe(1);

    // Reconnect as the API does it: a real test call with the new credentials, then the transition.
    const fresh = await em.fork().findOneOrFail(Integration, integ.id);
    const bad = await server.app.pipeline.testConnection(fresh, { token: 'tok_wrong' });
    expect(bad.ok).toBe(false);
    expect(bad.reason).toMatch(/401/);
    const good = await server.app.pipeline.testConnection(fresh, { token: 'tok_fresh_2' });
    expect(good).toEqual({ ok: true, reason: null });
    const em2 = em.fork();
    const i2 = await em2.findOneOrFail(Integration, integ.id);
    i2.credentials = { token: 'tok_fresh_2' };
    await em2.flush();
    await transition(server, integ.id, 'reconnect');
    await waitFor(
      async () => (await statuses(integ.id)).find((s) => s.status === 'DELIVERED')?.n === 2,
      15_000,
      'the held event delivered',
    );
    expect(await statuses(integ.id)).toEqual(
      expect.arrayContaining([
        { status: 'FAILED', n: 5 },
        { status: 'DELIVERED', n: 2 },
      ]),
    );
    await sub.return?.();
  });

  it('reclaims an event stuck in PROCESSING (its worker died) and delivers it; the history says so', async () => {
    const integ = await addIntegration(server, ws.workspaceId, { type: 'INBOUND_WEBHOOK', destinationUrl: `${receiver.url}/stuck` });
    receiver.handle = (_r, res) => res.writeHead(200).end('{}');
    await server.app.runtime.worker.stop();
    try {
      const id = await ingest(integ, { type: 'stuck.test' });
      // A worker claims it and dies: its claim is 20 minutes old.
      const claimed = await claimDueEvents(server.app.db.orm.em.fork() as EntityManager, {
        now: new Date(),
        limit: 10,
        owner: 'test',
        leaseMs: 30_000,
      });
      expect(claimed.map((c) => c.eventType)).toContain('stuck.test');
      await sql(server, `update event_queue set claimed_at = now() - interval '20 minutes' where lease_owner is not null`);
      await server.app.runtime.jobs.runOnce();
      const [row] = await sql<{ status: string; error_code: string; history: Array<{ to: string; reason: string }> }>(
        server,
        'select status, error_code, status_history as history from event where integration_id = $1',
        [integ.id],
      );
      expect(row).toMatchObject({ status: 'RETRYING', error_code: 'STUCK' });
      expect(row?.history.at(-1)?.reason).toMatch(/stuck in PROCESSING for more than 15 minutes/);
      expect(id).toMatch(/^evt_/);
    } finally {
      server.app.runtime.worker.start();
    }
    await waitFor(async () => (await statuses(integ.id))[0]?.status === 'DELIVERED');
    const [roll] = await sql<{ bad: number }>(
      server,
      `select count(*)::int as bad from event_rollup where integration_id = $1 and count <> 0 and status <> 'DELIVERED'`,
      [integ.id],
    );
    expect(roll?.bad).toBe(0);
  });

  it('redacts secrets: no credential, signature or cookie in any stored byte', async () => {
    const secrets = ['tok_SECRET_123456789', 'key_SECRET_987654321', 'hdr_SECRET_555555555', 'cookie_SECRET_7777777'];
    receiver.handle = (req, res) => {
      res.writeHead(200, {
        'content-type': 'application/json',
        'set-cookie': `session=${secrets[3]}; HttpOnly`,
        'x-echo-token': String(req.headers['x-custom-token']),
      });
      // A careless destination that echoes the credentials back in its body.
      res.end(JSON.stringify({ id: 'r1', seenAuth: req.headers.authorization, seenKey: req.headers['x-api-key'] }));
    };
    const integ = await addIntegration(server, ws.workspaceId, {
      type: 'CUSTOM_NODE',
      destinationUrl: `${receiver.url}/secret`,
      credentials: { token: secrets[0], apiKey: secrets[1], headers: { 'x-custom-token': secrets[2] } },
      subscribedEventTypes: ['secret.test'],
    });
    const inbound = await addIntegration(server, ws.workspaceId, { type: 'INBOUND_WEBHOOK', destinationUrl: `${receiver.url}/secret` });
    await ingest(inbound, { type: 'secret.test' });
    await fetch(`${server.url}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ws.ingestKey}` },
      body: JSON.stringify({ eventType: 'secret.test', payload: { hello: 'world' } }),
    });
    await waitFor(async () => (await statuses(integ.id))[0]?.status === 'DELIVERED');
    await waitFor(async () => (await statuses(inbound.id))[0]?.status === 'DELIVERED');
    const sent = receiver.requests.filter((r) => r.url === '/secret');
    const signatures = sent.map((r) => String(r.headers['webhook-signature']).replace(/^v1,/, ''));
    expect(sent.map((r) => r.headers.authorization)).toContain(`Bearer ${secrets[0]}`);
    // Everything stored, except the integration's own (write-only) secret columns.
    const tables = await sql<{ table_name: string }>(
      server,
      `select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`,
    );
    let dump = '';
    for (const { table_name } of tables) {
      const rows = await sql<{ t: string }>(
        server,
        table_name === 'integration'
          ? `select (to_jsonb(x) - 'credentials' - 'signing_secret')::text as t from integration x`
          : `select to_jsonb(x)::text as t from "${table_name}" x`,
      );
      dump += rows.map((r) => r.t).join('\n');
    }
    expect(dump).toContain('[redacted]');
    expect(dump).toContain('hello');
    for (const s of [...secrets, ws.ingestKey, ws.adminKey, inbound.signingSecret, integ.signingSecret, ...signatures])
      expect(dump).not.toContain(s);
  });

  it('retention nulls payloads after 7 days and deletes events and attempts after 30', async () => {
    const integ = await addIntegration(server, ws.workspaceId, { type: 'OUTBOUND_WEBHOOK', state: 'PAUSED' });
    const em = server.app.db.orm.em.fork() as EntityManager;
    const day = 86_400_000;
    const make = (ageDays: number) => ({
      id: newId(),
      integrationId: integ.id,
      eventType: `age.${ageDays}`,
      source: 'SYSTEM' as const,
      sourceRecordId: null,
      idempotencyKey: null,
      traceId: newTraceId(),
      isTest: false,
      receivedAt: new Date(Date.now() - ageDays * day),
      payloadJson: JSON.stringify({ age: ageDays }),
    });
    const rows = [make(1), make(8), make(31), make(45)];
    await insertEvents(em, rows);
    // Another workspace's old and new events: retention walks every workspace.
    const other = await seedWorkspace(server, 'Other');
    const otherInteg = await addIntegration(server, other.workspaceId, { type: 'OUTBOUND_WEBHOOK', state: 'PAUSED' });
    await insertEvents(em, [
      { ...make(40), integrationId: otherInteg.id },
      { ...make(33), integrationId: otherInteg.id },
      { ...make(2), integrationId: otherInteg.id },
    ]);
    await recordDeliveries(em, {
      completions: [],
      outcomes: [],
      attempts: rows.map((r) => ({
        id: newId(),
        eventId: r.id,
        workspaceId: ws.workspaceId,
        integrationId: integ.id,
        eventType: r.eventType,
        attemptNumber: 1,
        source: 'SYSTEM',
        startedAt: r.receivedAt,
        durationMs: 5,
        requestMethod: 'POST',
        requestUrl: 'http://x',
        requestHeaders: [],
        requestBody: '{}',
        responseStatus: 500,
        responseHeaders: [],
        responseBody: '',
        succeeded: false,
        errorCode: '500',
        errorMessage: null,
        rateLimit: null,
      })),
    });
    const result = await runRetention(server.app.db, { payloadRetentionDays: 7, eventRetentionDays: 30, batch: 1 });
    expect(result.eventsDeleted).toBeGreaterThanOrEqual(4);
    const otherLeft = await sql<{ event_type: string }>(server, 'select event_type from event where integration_id = $1', [otherInteg.id]);
    expect(otherLeft).toEqual([{ event_type: 'age.2' }]);
    const left = await sql<{ event_type: string; payload: unknown; payload_expired: boolean }>(
      server,
      'select event_type, payload, payload_expired from event where integration_id = $1 order by received_at',
      [integ.id],
    );
    expect(left).toEqual([
      { event_type: 'age.8', payload: null, payload_expired: true },
      { event_type: 'age.1', payload: { age: 1 }, payload_expired: false },
    ]);
    const attempts = await sql(server, 'select id from delivery_attempt where integration_id = $1', [integ.id]);
    expect(attempts).toHaveLength(2);
  });
});
