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
    expect(rollups).toEqual([{ status: 'DELIVERED', n: 1 }]);
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
