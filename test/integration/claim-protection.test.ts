// The claim's delivery-protection options, on real PostgreSQL: an integration's cap on deliveries in
// flight (its max_in_flight, else the worker's default, minus what the worker already holds), first
// attempts only when retries hold their share, and integrations throttled or with an open circuit
// skipped — except the one probe event.
import { claimDueEvents, type EntityManager, insertEvents, type NewEventRow, newId, newTraceId } from '@switchboard/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addIntegration, seedWorkspace, sql, type Workspace } from '../helpers/pipeline.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

describe('claimDueEvents with delivery protection', () => {
  let server: TestServer;
  let ws: Workspace;
  const em = () => server.app.db.orm.em.fork() as EntityManager;
  const claim = (extra: Partial<Parameters<typeof claimDueEvents>[1]> = {}) =>
    claimDueEvents(em(), { now: new Date(), limit: 100, owner: 'test', leaseMs: 30_000, ...extra });

  beforeAll(async () => {
    server = await startTestServer({ SWITCHBOARD_WORKER: '0' });
    ws = await seedWorkspace(server);
  });
  afterAll(() => server?.close());

  const rows = (integrationId: string, n: number): NewEventRow[] =>
    Array.from({ length: n }, (_, i) => ({
      id: newId(),
      integrationId,
      eventType: 't',
      source: 'USER',
      sourceRecordId: null,
      idempotencyKey: null,
      traceId: newTraceId(),
      isTest: false,
      receivedAt: new Date(Date.now() - (n - i) * 1000),
      payloadJson: JSON.stringify({ i }),
    }));
  const outbound = (fields: Record<string, unknown> = {}) =>
    addIntegration(server, ws.workspaceId, { type: 'OUTBOUND_WEBHOOK', destinationUrl: 'http://127.0.0.1:9/x', ...fields });
  const reset = async () => {
    await sql(server, `delete from event_queue where integration_id in (select id from integration where workspace_id = $1)`, [
      ws.workspaceId,
    ]);
    await sql(server, `delete from event where integration_id in (select id from integration where workspace_id = $1)`, [ws.workspaceId]);
  };
  const count = (events: readonly { integrationId: string }[], id: string) => events.filter((e) => e.integrationId === id).length;

  it('takes no more of an integration than its cap minus what is in flight', async () => {
    await reset();
    const capped = await outbound({ maxInFlight: 3 });
    const byDefault = await outbound();
    await insertEvents(em(), [...rows(capped.id, 10), ...rows(byDefault.id, 10)]);
    const first = await claim({ inFlightCap: { defaultCap: 4, inFlight: new Map([[byDefault.id, 1]]) } });
    expect(count(first, capped.id)).toBe(3);
    expect(count(first, byDefault.id)).toBe(3);
    const full = await claim({
      inFlightCap: {
        defaultCap: 4,
        inFlight: new Map([
          [capped.id, 3],
          [byDefault.id, 4],
        ]),
      },
    });
    expect(full).toHaveLength(0);
  });

  it('takes first attempts only when retries hold their share', async () => {
    await reset();
    const i = await outbound();
    await insertEvents(em(), rows(i.id, 6));
    await sql(
      server,
      `update event set status = 'RETRYING', attempt_count = 1 where id in (select id from event where integration_id = $1 order by received_at limit 3)`,
      [i.id],
    );
    await sql(server, `update event_queue q set retrying = true from event e where e.id = q.event_id and e.status = 'RETRYING'`);
    const firsts = await claim({ firstAttemptsOnly: true });
    expect(firsts.map((e) => e.previousStatus)).toEqual(['RECEIVED', 'RECEIVED', 'RECEIVED']);
    expect((await claim()).map((e) => e.previousStatus)).toEqual(['RETRYING', 'RETRYING', 'RETRYING']);
  });

  it('skips a throttled integration and an open circuit, except one probe event', async () => {
    await reset();
    const throttled = await outbound();
    const open = await outbound();
    const fine = await outbound();
    await insertEvents(em(), [...rows(throttled.id, 3), ...rows(open.id, 3), ...rows(fine.id, 3)]);
    await sql(server, `update integration set throttled_until = now() + interval '1 hour' where id = $1`, [throttled.id]);
    await sql(server, `update integration set circuit = 'HALF_OPEN' where id = $1`, [open.id]);
    const claimed = await claim();
    expect([count(claimed, throttled.id), count(claimed, open.id), count(claimed, fine.id)]).toEqual([0, 0, 3]);
    const probe = await claim({ probeIntegrationIds: [open.id] });
    expect(probe.map((e) => e.integrationId)).toEqual([open.id]);
  });
});
