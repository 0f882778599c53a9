// The worker's claim, on real PostgreSQL: due order across integrations, held events of a paused
// integration neither taken nor in the way, and concurrent claimers never sharing an event. And the
// worker's integration counters never block ingest for the same integration.
import {
  claimDueEvents,
  type EntityManager,
  insertEvents,
  type NewEventRow,
  newId,
  newTraceId,
  recordDeliveries,
  releaseExpiredLeases,
} from '@switchboard/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addIntegration, seedWorkspace, sql, transition, type Workspace } from '../helpers/pipeline.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

describe('claimDueEvents', () => {
  let server: TestServer;
  let ws: Workspace;
  const em = () => server.app.db.orm.em.fork() as EntityManager;

  beforeAll(async () => {
    server = await startTestServer({ SWITCHBOARD_WORKER: '0' });
    ws = await seedWorkspace(server);
  });
  afterAll(() => server?.close());

  const base = Date.parse('2026-11-20T10:00:00Z');
  const rows = (integrationId: string, n: number, firstSecond: number, type: string): NewEventRow[] =>
    Array.from({ length: n }, (_, i) => ({
      id: newId(),
      integrationId,
      eventType: type,
      source: 'USER',
      sourceRecordId: null,
      idempotencyKey: null,
      traceId: newTraceId(),
      isTest: false,
      receivedAt: new Date(base + (firstSecond + i) * 1000),
      payloadJson: JSON.stringify({ i }),
    }));
  const outbound = () => addIntegration(server, ws.workspaceId, { type: 'OUTBOUND_WEBHOOK', destinationUrl: 'http://127.0.0.1:9/x' });
  const reset = async () => {
    await sql(server, `delete from event_queue where integration_id in (select id from integration where workspace_id = $1)`, [
      ws.workspaceId,
    ]);
    await sql(server, `delete from event where integration_id in (select id from integration where workspace_id = $1)`, [ws.workspaceId]);
  };

  it('takes the earliest due events across integrations, and skips a paused integration’s backlog', async () => {
    await reset();
    const paused = await outbound();
    const a = await outbound();
    const b = await outbound();
    // The paused integration holds 300 events older than everything else.
    await insertEvents(em(), rows(paused.id, 300, 0, 'held'));
    await insertEvents(em(), [...rows(a.id, 5, 1000, 'a'), ...rows(b.id, 5, 1002, 'b')]);
    await transition(server, paused.id, 'pause');

    const claimed = await claimDueEvents(em(), { now: new Date(), limit: 4, owner: 'test', leaseMs: 30_000 });
    // a@1000, a@1001, a@1002 / b@1002 tie on time (received order), then b@1003 or a@1003...
    expect(claimed.map((c) => c.receivedAt.getTime() - base)).toEqual([1000_000, 1001_000, 1002_000, 1002_000]);
    expect(claimed.every((c) => c.integrationId !== paused.id)).toBe(true);
    const rest = await claimDueEvents(em(), { now: new Date(), limit: 100, owner: 'test', leaseMs: 30_000 });
    expect(rest).toHaveLength(6);
    expect(rest.map((c) => c.receivedAt.getTime())).toEqual([...rest.map((c) => c.receivedAt.getTime())].sort((x, y) => x - y));
    const [held] = await sql<{ n: number }>(
      server,
      `select count(*)::int as n from event where integration_id = $1 and status = 'RECEIVED'`,
      [paused.id],
    );
    expect(held?.n).toBe(300);
  });

  it('leaves events that are not due yet', async () => {
    await reset();
    const a = await outbound();
    await insertEvents(em(), rows(a.id, 3, 0, 'later'));
    await sql(server, `update event_queue set due_at = now() + interval '1 hour' where integration_id = $1`, [a.id]);
    expect(await claimDueEvents(em(), { now: new Date(), limit: 10, owner: 'test', leaseMs: 30_000 })).toEqual([]);
  });

  it('an expired lease is settled even where the queue and the event disagree, so no sweep takes it again', async () => {
    await reset();
    const a = await outbound();
    await insertEvents(em(), rows(a.id, 3, 0, 'disagree'));
    const claimed = await claimDueEvents(em(), { now: new Date(), limit: 10, owner: 'gone', leaseMs: 1 });
    expect(claimed).toHaveLength(3);
    const [waiting, final, normal] = claimed.map((c) => c.id);
    // Moved behind the queue's back: one back to waiting, one to final; the third is the ordinary case.
    await sql(server, `update event set status = 'RECEIVED' where id = $1`, [waiting]);
    await sql(server, `update event set status = 'DELIVERED' where id = $1`, [final]);
    const released = await releaseExpiredLeases(em(), { now: new Date(Date.now() + 1000), limit: 10, reason: 'lease expired' });
    expect(released.map((r) => r.eventId)).toEqual([normal]);
    const queue = await sql<{ event_id: string; lease_owner: string | null }>(
      server,
      'select event_id, lease_owner from event_queue where integration_id = $1 order by received_at',
      [a.id],
    );
    expect(queue).toEqual([
      { event_id: waiting, lease_owner: null },
      { event_id: normal, lease_owner: null },
    ]);
    expect(await releaseExpiredLeases(em(), { now: new Date(Date.now() + 2000), limit: 10, reason: 'lease expired' })).toEqual([]);
  });

  it('concurrent claimers never take the same event, and together take them all', async () => {
    await reset();
    const ints = await Promise.all([outbound(), outbound(), outbound()]);
    for (const [k, integ] of ints.entries()) await insertEvents(em(), rows(integ.id, 400, k * 400, `c${k}`));
    const seen = new Map<string, number>();
    // Eight claimers on their own connections, each claiming until nothing is left.
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (;;) {
          const got = await claimDueEvents(em(), { now: new Date(), limit: 25, owner: 'test', leaseMs: 30_000 });
          if (got.length === 0) return;
          for (const c of got) seen.set(c.id, (seen.get(c.id) ?? 0) + 1);
        }
      }),
    );
    expect(seen.size).toBe(1200);
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
    const [left] = await sql<{ n: number }>(
      server,
      `select count(*)::int as n from event where status <> 'PROCESSING' and integration_id = any($1::uuid[])`,
      [ints.map((i) => i.id)],
    );
    expect(left?.n).toBe(0);
  });

  it('a retry recorded without a next attempt time is due at once, never refused or lost from the queue', async () => {
    await reset();
    const a = await outbound();
    await insertEvents(em(), rows(a.id, 1, 0, 'retry-now'));
    const [claimed] = await claimDueEvents(em(), { now: new Date(), limit: 1, owner: 'test', leaseMs: 30_000 });
    if (!claimed) throw new Error('nothing claimed');
    const at = new Date();
    const { completed } = await recordDeliveries(em(), {
      attempts: [],
      outcomes: [],
      completions: [
        {
          id: claimed.id,
          claimedAt: claimed.claimedAt,
          receivedAt: claimed.receivedAt,
          status: 'RETRYING',
          nextAttemptAt: null,
          errorCode: '503',
          errorMessage: 'HTTP 503',
          destinationRecordId: null,
          reason: null,
          at,
        },
      ],
    });
    expect(completed.map((c) => c.status)).toEqual(['RETRYING']);
    const again = await claimDueEvents(em(), { now: new Date(at.getTime() + 1), limit: 1, owner: 'test', leaseMs: 30_000 });
    expect(again.map((e) => [e.id, e.previousStatus])).toEqual([[claimed.id, 'RETRYING']]);
  });

  it('ingest is not blocked while a worker transaction holds an integration’s counters', async () => {
    await reset();
    const a = await outbound();
    let insert: Promise<unknown> | undefined;
    await em().transactional(async (tx) => {
      await recordDeliveries(tx, {
        attempts: [],
        completions: [],
        outcomes: [
          {
            integrationId: a.id,
            authReset: true,
            authFailureRun: 0,
            failureReset: true,
            failureRun: 0,
            lastFailureAt: null,
            lastRateLimit: null,
          },
        ],
      });
      // Inside the open transaction (row lock held), ingest's insert for the same integration goes through:
      // its foreign-key check only needs a KEY SHARE lock, which the counters' NO KEY UPDATE lock allows.
      insert = insertEvents(em(), rows(a.id, 5, 0, 'during')).then((r) => r.length);
      const first = await Promise.race([insert, new Promise((r) => setTimeout(() => r('blocked'), 3_000))]);
      expect(first).toBe(5);
    });
    await insert;
  });
});
