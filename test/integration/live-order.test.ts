// An event's live changes arrive in the order they happened. The worker can claim an event in the
// moment between its insert committing and its RECEIVED change being published (the claim's answer can
// reach Node first); these tests hold that moment open and check that PROCESSING waits for it.
import { decodeIdOf, type EntityManager, Integration, type NewEventRow, newId, newTraceId } from '@switchboard/db';
import type { EventChangedMessage } from '@switchboard/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventWriter } from '../../server/src/ingest/event-writer.ts';
import { AnnounceGate } from '../../server/src/live/announce-gate.ts';
import { liveClient } from '../helpers/live.ts';
import { addIntegration, type Receiver, seedWorkspace, sql, startReceiver, waitFor, type Workspace } from '../helpers/pipeline.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

describe('live changes of one event arrive in order', () => {
  let server: TestServer;
  let ws: Workspace;
  let receiver: Receiver;
  let integrationId: string;
  beforeAll(async () => {
    server = await startTestServer({ SWITCHBOARD_WORKER_POLL_MS: '20' });
    ws = await seedWorkspace(server);
    receiver = await startReceiver();
    integrationId = (await addIntegration(server, ws.workspaceId, { type: 'OUTBOUND_WEBHOOK', destinationUrl: `${receiver.url}/in` })).id;
  });
  afterAll(async () => {
    await server?.close();
    await receiver?.close();
  });

  const row = (overrides: Partial<NewEventRow> = {}): NewEventRow => ({
    id: newId(),
    integrationId,
    eventType: 'order.created',
    source: 'USER',
    sourceRecordId: null,
    idempotencyKey: null,
    traceId: newTraceId(),
    isTest: false,
    receivedAt: new Date(),
    payloadJson: '{"n":1}',
    ...overrides,
  });

  it('the worker announces what it claimed only after the writes it may have seen announced theirs', async () => {
    const seen: EventChangedMessage[] = [];
    const feed = server.app.live.subscribe('event:changed', ws.workspaceId);
    const reading = (async () => {
      for await (const m of feed) seen.push(m);
    })();
    // And a subscriber over graphql-ws: released together, PROCESSING and DELIVERED reach it in one
    // burst, loaded in one batch, and each must still say what it was.
    const socket = liveClient(server.url, ws.adminKey);
    const sub = socket.subscribe<{ eventStatusChanged: { id: string; status: string } }>(
      'subscription { eventStatusChanged { id status } }',
    );
    await new Promise((r) => setTimeout(r, 200));
    // A write of this process that has made events due and not yet announced them.
    const release = server.app.runtime.gate.begin();
    let released = false;
    try {
      const res = await fetch(`${server.url}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${ws.ingestKey}` },
        body: JSON.stringify({ eventType: 'order.created', payload: { n: 1 } }),
      });
      expect(res.status).toBe(202);
      const [published] = ((await res.json()) as { events: Array<{ id: string }> }).events;
      const id = decodeIdOf('Event', published!.id) as string;
      const statusOf = (eventId: string) => seen.filter((m) => m.eventId === eventId).map((m) => m.status);
      // Claimed, sent and recorded while the gate is held: nothing past RECEIVED may be announced yet.
      await waitFor(
        async () => (await sql<{ status: string }>(server, 'select status from event where id = $1', [id]))[0]?.status === 'DELIVERED',
      );
      await new Promise((r) => setTimeout(r, 100));
      expect(statusOf(id)).toEqual(['RECEIVED']);

      release();
      released = true;
      await waitFor(() => statusOf(id).length >= 3, 5_000, 'the held changes');
      expect(statusOf(id)).toEqual(['RECEIVED', 'PROCESSING', 'DELIVERED']);
      const overSocket = () =>
        sub.received.filter((m) => m.eventStatusChanged.id === published!.id).map((m) => m.eventStatusChanged.status);
      await waitFor(() => overSocket().length >= 3, 5_000, 'the subscriber to see the three changes');
      expect(overSocket()).toEqual(['RECEIVED', 'PROCESSING', 'DELIVERED']);
      expect(sub.errors).toEqual([]);
    } finally {
      if (!released) release();
      await socket.dispose();
      await feed.return(undefined);
      await reading;
    }
  });

  it('the ingest writer holds the gate until its batch is announced, and lets go when the insert fails', async () => {
    const gate = new AnnounceGate();
    let heldWhileAnnouncing: boolean | null = null;
    const writer = new EventWriter({
      em: () => server.app.db.orm.em.fork() as EntityManager,
      batchSize: 10,
      writers: 1,
      gate,
      onCommitted() {
        heldWhileAnnouncing = gate.settled() !== null;
      },
    });
    const written = writer.write([row()]);
    expect(gate.settled()).not.toBeNull();
    const [outcome] = await written;
    expect(outcome?.kind).toBe('created');
    expect(heldWhileAnnouncing).toBe(true);
    expect(gate.settled()).toBeNull();

    // Not a UUID: the statement fails, the caller hears why, and the gate does not stay shut.
    await expect(writer.write([row({ id: 'not-a-uuid' })])).rejects.toThrow(/uuid/i);
    expect(gate.settled()).toBeNull();
  });

  it('createEvent and replay hold the gate until they have announced, and each cycle arrives in order', async () => {
    const seen: EventChangedMessage[] = [];
    const feed = server.app.live.subscribe('event:changed', ws.workspaceId);
    const reading = (async () => {
      for await (const m of feed) seen.push(m);
    })();
    try {
      const em = server.app.db.orm.em.fork() as EntityManager;
      const integration = await em.findOneOrFail(Integration, integrationId);
      // Both hold the process's gate from their first statement until they have published (the call runs
      // synchronously up to its first await, so the gate is already held when it returns its promise).
      const gate = server.app.runtime.gate;
      await waitFor(() => gate.settled() === null, 5_000, 'no write in flight');
      const creating = server.app.pipeline.createEvent(em, {
        integration,
        eventType: 'order.created',
        payload: { n: 2 },
        source: 'USER',
      });
      expect(gate.settled()).not.toBeNull();
      const event = await creating;
      await waitFor(() => seen.some((m) => m.eventId === event.id && m.status === 'DELIVERED'), 10_000, 'first delivery');
      const before = seen.length;
      for (let i = 0; i < 5; i++) {
        const replaying = server.app.pipeline.replayEvents(em.fork() as EntityManager, ws.workspaceId, [event.id], 'test');
        expect(gate.settled()).not.toBeNull();
        await replaying;
        await waitFor(() => seen.filter((m) => m.eventId === event.id && m.status === 'DELIVERED').length === i + 2, 10_000, 'redelivery');
      }
      const statuses = seen
        .slice(before)
        .filter((m) => m.eventId === event.id)
        .map((m) => m.status);
      expect(statuses).toEqual(Array.from({ length: 5 }, () => ['RECEIVED', 'PROCESSING', 'DELIVERED']).flat());
    } finally {
      await feed.return(undefined);
      await reading;
    }
  });
});
