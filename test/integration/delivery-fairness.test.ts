// Fairness: one slow destination never takes the whole worker. Each integration has at most its cap of
// deliveries in flight (default a sixteenth of the worker's concurrency: 2 of 32 here), so a destination
// that does not answer holds exactly its cap while nine fast ones deliver everything. Counts, not
// timings; the throughput figures (the nine alone, then beside the slow one, same run) are printed for
// the record, not asserted.
import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addIntegration,
  type Receiver,
  seedWorkspace,
  sql,
  startReceiver,
  transition,
  waitFor,
  type Workspace,
} from '../helpers/pipeline.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let ws: Workspace;
let receiver: Receiver;

beforeAll(async () => {
  server = await startTestServer({ SWITCHBOARD_WORKER_CONCURRENCY: '32', SWITCHBOARD_WORKER_POLL_MS: '20' });
  ws = await seedWorkspace(server);
  receiver = await startReceiver();
});
afterAll(async () => {
  await server?.close();
  await receiver?.close();
});

/** `count` publishes of `eventType` (each fans out to every integration subscribed to it), ten at a time. */
async function publishMany(eventType: string, count: number): Promise<void> {
  for (let start = 0; start < count; start += 10) {
    await Promise.all(
      Array.from({ length: Math.min(10, count - start) }, async (_, i) => {
        const r = await fetch(`${server.url}/v1/events`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${ws.ingestKey}` },
          body: JSON.stringify({ eventType, payload: { n: start + i } }),
        });
        expect(r.status).toBe(202);
      }),
    );
  }
}

const delivered = async (ids: readonly string[]) =>
  (
    await sql<{ n: number }>(
      server,
      `select count(*)::int as n from event where integration_id = any($1::uuid[]) and status = 'DELIVERED'`,
      [ids],
    )
  )[0]?.n ?? 0;

describe('fairness', () => {
  it('nine fast destinations deliver everything while a slow one holds only its cap of requests', async () => {
    const held: ServerResponse[] = [];
    let slowRequests = 0;
    receiver.handle = (req, res) => {
      if (req.url === '/slow') {
        slowRequests++;
        held.push(res); // answers only when the test lets it
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"ok"}');
    };
    const slow = await addIntegration(server, ws.workspaceId, {
      type: 'OUTBOUND_WEBHOOK',
      destinationUrl: `${receiver.url}/slow`,
      subscribedEventTypes: ['slow.test'],
    });
    const fast: Array<Awaited<ReturnType<typeof addIntegration>>> = [];
    for (let i = 0; i < 9; i++) {
      fast.push(
        await addIntegration(server, ws.workspaceId, {
          type: 'OUTBOUND_WEBHOOK',
          destinationUrl: `${receiver.url}/fast${i}`,
          subscribedEventTypes: ['fast.test'],
        }),
      );
    }
    const fastIds = fast.map((f) => f.id);
    const perFast = 60;
    let expected = 0;
    /** Deliveries per second of a round of the nine: published while paused, then timed from resume to the last delivery. */
    const round = async (): Promise<number> => {
      for (const f of fast) await transition(server, f.id, 'pause');
      await publishMany('fast.test', perFast);
      expected += 9 * perFast;
      const t0 = performance.now();
      for (const f of fast) await transition(server, f.id, 'resume');
      await waitFor(async () => (await delivered(fastIds)) === expected, 60_000, 'a round of the nine');
      return (9 * perFast) / ((performance.now() - t0) / 1000);
    };
    await round(); // warm-up
    const alone = Math.max(await round(), await round());

    // The slow one (its 100 events due first, more than the worker's 32 slots), then the nine again.
    await publishMany('slow.test', 100);
    await waitFor(() => slowRequests >= 2, 10_000, 'the slow destination holding its cap');
    const beside = Math.max(await round(), await round());
    // Every fast event delivered while the slow destination still holds exactly its cap (2 = 32 / 16).
    expect(slowRequests).toBe(2);
    expect(await delivered([slow.id])).toBe(0);
    console.log(
      `fairness: the nine alone ${alone.toFixed(0)} events/s; beside a destination that does not answer ${beside.toFixed(0)} events/s (${((beside / alone) * 100).toFixed(0)}%)`,
    );

    // The slow destination answers: its events go too, never more than 2 at once.
    receiver.handle = (req, res) => {
      if (req.url === '/slow') slowRequests++;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"ok"}');
    };
    for (const res of held.splice(0)) res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"late"}');
    await waitFor(async () => (await delivered([slow.id])) === 100, 60_000, 'the slow one delivered');
  });
});
