// The operations the GraphQL API calls: createEvent (sendTestEvent), replayEvents, testConnection.
import { type EntityManager, encodeId, Integration } from '@switchboard/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addIntegration, type Receiver, seedWorkspace, sql, startReceiver, waitFor, type Workspace } from '../helpers/pipeline.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

describe('pipeline services', () => {
  let server: TestServer;
  let ws: Workspace;
  let receiver: Receiver;
  beforeAll(async () => {
    server = await startTestServer({ SWITCHBOARD_WORKER_POLL_MS: '50', SWITCHBOARD_TIME_SCALE: '0.001' });
    ws = await seedWorkspace(server);
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await server?.close();
    await receiver?.close();
  });

  it('createEvent stores a test event that is delivered; replay re-opens a FAILED one for a new cycle', async () => {
    let fail = true;
    receiver.handle = (_r, res) => (fail ? res.writeHead(400).end('{"error":"nope"}') : res.writeHead(200).end('{"id":"again"}'));
    const created = await addIntegration(server, ws.workspaceId, { type: 'OUTBOUND_WEBHOOK', destinationUrl: `${receiver.url}/svc` });
    const em = server.app.db.orm.em.fork() as EntityManager;
    const integration = await em.findOneOrFail(Integration, created.id);
    const event = await server.app.pipeline.createEvent(em, {
      integration,
      eventType: 'switchboard.test',
      payload: { hello: 1 },
      source: 'USER',
      isTest: true,
    });
    // Stored and due: the worker may already have claimed it by the time it is read back.
    expect(['RECEIVED', 'PROCESSING', 'FAILED']).toContain(event.status);
    expect(event.isTest).toBe(true);
    const status = async () =>
      (
        await sql<{ status: string; attempt_count: number }>(server, 'select status, attempt_count from event where id = $1', [event.id])
      )[0];
    await waitFor(async () => (await status())?.status === 'FAILED');

    fail = false;
    const reopened = await server.app.pipeline.replayEvents(
      em.fork() as EntityManager,
      ws.workspaceId,
      [encodeId('Event', event.id), 'evt_bogus'],
      'ops@acme',
    );
    expect(reopened).toEqual([encodeId('Event', event.id)]);
    await waitFor(async () => (await status())?.status === 'DELIVERED');
    expect(await status()).toMatchObject({ attempt_count: 2 });
    const [history] = await sql<{ h: Array<{ to: string; reason: string | null }> }>(
      server,
      'select status_history as h from event where id = $1',
      [event.id],
    );
    expect(history?.h.map((c) => c.to)).toEqual(['RECEIVED', 'PROCESSING', 'FAILED', 'RECEIVED', 'PROCESSING', 'DELIVERED']);
    expect(history?.h[3]?.reason).toBe('replayed by ops@acme');
    const attempts = await sql<{ attempt_number: number }>(
      server,
      'select attempt_number from delivery_attempt where event_id = $1 order by attempt_number',
      [event.id],
    );
    expect(attempts.map((a) => a.attempt_number)).toEqual([1, 2]);
    // Another workspace's events are not replayable from here.
    const other = await seedWorkspace(server, 'Other');
    expect(await server.app.pipeline.replayEvents(em.fork() as EntityManager, other.workspaceId, [event.id], 'x')).toEqual([]);
    const rollups = await sql<{ status: string; n: number }>(
      server,
      'select status, sum(count)::int as n from event_rollup where integration_id = $1 and count <> 0 group by status',
      [created.id],
    );
    // A test event is not traffic: the dashboards' rollups never counted it, whatever its status.
    expect(rollups).toEqual([]);
  });

  it('sendTestEvent without a payload builds one the field mapping resolves: delivered, and not in the dashboards', async () => {
    const bodies: string[] = [];
    receiver.handle = (req, res) => {
      bodies.push(req.body);
      res.writeHead(200).end('{"id":"ok"}');
    };
    // The demo's mapping: a payload without id/type/data used to fail at once with MAPPING.
    const created = await addIntegration(server, ws.workspaceId, {
      type: 'OUTBOUND_WEBHOOK',
      destinationUrl: `${receiver.url}/mapped`,
      fieldMapping: { id: '$.id', type: '$.type', data: '$.data', email: '$.customer.email' },
    });
    const sent = await server.gql<{ sendTestEvent: { id: string; isTest: boolean } }>(
      ws.adminKey,
      'mutation($id: ID!) { sendTestEvent(integrationId: $id, eventType: "order.created") { id isTest } }',
      { id: created.publicId },
    );
    expect(sent.errors).toBeUndefined();
    const eventId = sent.data?.sendTestEvent.id as string;
    const event = async () =>
      (
        await server.gql<{ event: { status: string; errorCode: string | null; attempts: Array<{ id: string }> } }>(
          ws.adminKey,
          'query($id: ID!) { event(id: $id) { status errorCode attempts { id } } }',
          { id: eventId },
        )
      ).data?.event;
    await waitFor(async () => ['DELIVERED', 'FAILED'].includes((await event())?.status ?? ''));
    expect(await event()).toMatchObject({ status: 'DELIVERED', errorCode: null });
    const body = JSON.parse(bodies.at(-1) as string);
    expect(body).toMatchObject({ type: 'order.created', email: 'test@example.com' });
    expect(typeof body.id).toBe('string');

    // A failing test (the destination refuses it) is shown on the event but counts in no dashboard figure.
    receiver.handle = (_r, res) => res.writeHead(400).end('{"error":"nope"}');
    const failing = await server.gql<{ sendTestEvent: { id: string } }>(
      ws.adminKey,
      'mutation($id: ID!) { sendTestEvent(integrationId: $id, eventType: "order.created") { id } }',
      { id: created.publicId },
    );
    const failingId = failing.data?.sendTestEvent.id as string;
    await waitFor(
      async () =>
        (await server.gql<{ event: { status: string } }>(ws.adminKey, 'query($id: ID!) { event(id: $id) { status } }', { id: failingId }))
          .data?.event.status === 'FAILED',
    );
    const range = { from: new Date(Date.now() - 3600_000).toISOString(), to: new Date(Date.now() + 60_000).toISOString() };
    const dash = await server.gql<{ overview: { failed: number; succeeded: number }; failuresByErrorCode: unknown[] }>(
      ws.adminKey,
      'query($r: TimeRange!) { overview(range: $r) { failed succeeded } failuresByErrorCode(range: $r) { code count } }',
      { r: range },
    );
    expect(dash.errors).toBeUndefined();
    expect(dash.data?.failuresByErrorCode).toEqual([]);
    expect(dash.data?.overview.failed).toBe(0);
  });

  it('an event delivered after a failed attempt carries no error code: the attempts keep the earlier error', async () => {
    let calls = 0;
    receiver.handle = (_r, res) => (++calls === 1 ? res.writeHead(503).end('{"error":"busy"}') : res.writeHead(200).end('{"id":"ok"}'));
    const created = await addIntegration(server, ws.workspaceId, { type: 'OUTBOUND_WEBHOOK', destinationUrl: `${receiver.url}/flaky` });
    const em = server.app.db.orm.em.fork() as EntityManager;
    const integration = await em.findOneOrFail(Integration, created.id);
    const event = await server.app.pipeline.createEvent(em, { integration, eventType: 'order.created', payload: { n: 1 }, source: 'USER' });
    const row = async () =>
      (
        await sql<{ status: string; error_code: string | null; error_message: string | null }>(
          server,
          'select status, error_code, error_message from event where id = $1',
          [event.id],
        )
      )[0];
    await waitFor(async () => (await row())?.status === 'DELIVERED');
    expect(await row()).toEqual({ status: 'DELIVERED', error_code: null, error_message: null });
    const attempts = await sql<{ error_code: string | null }>(
      server,
      'select error_code from delivery_attempt where event_id = $1 order by attempt_number',
      [event.id],
    );
    expect(attempts.map((a) => a.error_code)).toEqual(['503', null]);
  });

  it('testConnection checks an inbound signing setup and calls an outbound destination', async () => {
    const inbound = await addIntegration(server, ws.workspaceId, { type: 'INBOUND_WEBHOOK' });
    expect(await server.app.pipeline.testConnection(inbound, null)).toEqual({ ok: true, reason: null });
    const broken = await addIntegration(server, ws.workspaceId, { type: 'INBOUND_WEBHOOK', signingSecret: 'whsec_' });
    expect((await server.app.pipeline.testConnection(broken, null)).ok).toBe(false);
    const unreachable = await addIntegration(server, ws.workspaceId, { type: 'OUTBOUND_WEBHOOK', destinationUrl: 'http://127.0.0.1:9/x' });
    const r = await server.app.pipeline.testConnection(unreachable, null);
    expect(r.ok).toBe(false);
    expect(r.reason).toMatch(/Connection failed/);
  });
});
