// Day partitions: created ahead (server start and the jobs), dropped whole by retention with their
// attempts and idempotency keys, and the migration that converts an existing database keeps every row.
import {
  claimDueEvents,
  type EntityManager,
  ensureDayPartitions,
  insertEvents,
  migrate,
  newId,
  newTraceId,
  openDatabase,
  parseSecretKey,
  queryRows,
  SecretBox,
} from '@switchboard/db';
import { afterAll, describe, expect, it } from 'vitest';
import { runRetention } from '../../server/src/jobs/retention.ts';
import { TEST_SECRET_KEY } from '../helpers/database.ts';
import { addIntegration, seedWorkspace, sql } from '../helpers/pipeline.ts';
import { adminQuery, databaseUrl, dropDatabase, uniqueDatabaseName } from '../helpers/postgres.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const DAY = 86_400_000;
const dayName = (table: string, at: Date) => `${table}_p${at.toISOString().slice(0, 10).replaceAll('-', '')}`;

describe('day partitions', () => {
  let server: TestServer;
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('exist for the coming week; retention drops old days whole, with their attempts and idempotency keys', async () => {
    server = await startTestServer();
    cleanups.push(() => server.close());
    const parts = async (table: string) =>
      (
        await sql<{ name: string }>(
          server,
          `select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = $1::regclass`,
          [table],
        )
      ).map((r) => r.name);
    for (const table of ['event', 'delivery_attempt']) expect(await parts(table)).toContain(dayName(table, new Date(Date.now() + 7 * DAY)));

    const ws = await seedWorkspace(server);
    const integ = await addIntegration(server, ws.workspaceId, { type: 'INBOUND_WEBHOOK' });
    const em = () => server.app.db.orm.em.fork() as EntityManager;
    const old = new Date(Date.now() - 40 * DAY);
    const recent = new Date(Date.now() - 10 * DAY);
    await ensureDayPartitions(em(), old, old);
    await ensureDayPartitions(em(), recent, recent);
    const row = (key: string, at: Date) => ({
      id: newId(),
      integrationId: integ.id,
      eventType: 'age',
      source: 'SYSTEM' as const,
      sourceRecordId: null,
      idempotencyKey: key,
      traceId: newTraceId(),
      isTest: false,
      receivedAt: at,
      payloadJson: '{}',
    });
    const [oldEvent] = await insertEvents(em(), [row('k-old', old)]);
    await insertEvents(em(), [row('k-recent', recent)]);
    await sql(
      server,
      `insert into delivery_attempt (id, event_id, workspace_id, integration_id, event_type, attempt_number, started_at,
        request_method, request_url, request_headers, succeeded) values ($1, $2, $3, $4, 'age', 1, $5, 'POST', 'http://x', '[]', true)`,
      [newId(), oldEvent?.eventId, ws.workspaceId, integ.id, old.toISOString()],
    );

    const r = await runRetention(server.app.db, { payloadRetentionDays: 7, eventRetentionDays: 30 });
    expect(r.eventsDeleted).toBe(1);
    expect(r.attemptsDeleted).toBe(1);
    expect(await parts('event')).not.toContain(dayName('event', old));
    expect(await parts('delivery_attempt')).not.toContain(dayName('delivery_attempt', old));
    expect(await parts('event')).toContain(dayName('event', recent));
    expect((await sql<{ k: string }>(server, 'select idempotency_key as k from event_idempotency order by 1')).map((x) => x.k)).toEqual([
      'k-recent',
    ]);
    // The recent key still refuses a duplicate; the dropped one is free again (its event is gone with it).
    expect(await insertEvents(em(), [row('k-recent', new Date())])).toHaveLength(0);
  });

  it('the migrations convert a populated database: every row kept, in its day, idempotency intact, events still to send queued', async () => {
    const name = uniqueDatabaseName('sbtest');
    await adminQuery(`create database "${name}"`);
    const db = await openDatabase({ databaseUrl: databaseUrl(name), poolSize: 2, secrets: new SecretBox(parseSecretKey(TEST_SECRET_KEY)) });
    cleanups.push(async () => {
      await db.close();
      await dropDatabase(name);
    });
    await db.orm.migrator.up({ to: 'Migration20261201140000_test_events_out_of_rollups' });
    const em = () => db.orm.em.fork() as EntityManager;
    const exec = (text: string, params: unknown[] = []) => queryRows(em(), text, params);
    const ws = newId();
    const integ = newId();
    await exec(`insert into workspace (id, name, timezone, created_at) values ($1, 'Old', 'UTC', now())`, [ws]);
    await exec(
      `insert into integration (id, workspace_id, name, type, provider, provider_class, direction, installed_at, updated_at, signing_secret, retry_schedule)
       values ($1, $2, 'In', 'INBOUND_WEBHOOK', 'stripe', 'PAYMENTS', 'INBOUND', now(), now(), 'whsec_x', '[0]')`,
      [integ, ws],
    );
    const days = [0, 1, 5, 20];
    for (const [i, d] of days.entries()) {
      const id = newId();
      const at = new Date(Date.now() - d * DAY).toISOString();
      await exec(
        `insert into event (id, workspace_id, integration_id, integration_type, event_type, idempotency_key, trace_id, received_at, updated_at, status_history, status)
         values ($1, $2, $3, 'INBOUND_WEBHOOK', 'old', $4, 'x', $5, $5, '[]', 'DELIVERED')`,
        [id, ws, integ, `key-${i}`, at],
      );
      await exec(
        `insert into delivery_attempt (id, event_id, workspace_id, integration_id, event_type, attempt_number, started_at, request_method, request_url, request_headers, succeeded)
         values ($1, $2, $3, $4, 'old', 1, $5, 'POST', 'http://x', '[]', true)`,
        [newId(), id, ws, integ, at],
      );
    }
    // Events still to send when the queue moved beside the record: one due (a retry), one claimed by a worker.
    const due = newId();
    const claimed = newId();
    const at = new Date(Date.now() - 60_000).toISOString();
    for (const [id, status] of [
      [due, 'RETRYING'],
      [claimed, 'PROCESSING'],
    ] as const)
      await exec(
        `insert into event (id, workspace_id, integration_id, integration_type, event_type, trace_id, received_at, updated_at, status_history,
                            status, attempt_count, next_attempt_at, processing_started_at, lease_owner, lease_expires_at, error_code)
         values ($1, $2, $3, 'INBOUND_WEBHOOK', 'old', 'x', $4, $4, '[]', $5, 1, $4, $6, $7, $8, $9)`,
        [
          id,
          ws,
          integ,
          at,
          status,
          status === 'PROCESSING' ? at : null,
          status === 'PROCESSING' ? 'a-worker' : null,
          status === 'PROCESSING' ? new Date(Date.now() + 60_000).toISOString() : null,
          status === 'RETRYING' ? '503' : null,
        ],
      );
    await migrate(db.orm);
    const queue = await exec(`select event_id, lease_owner, retrying from event_queue order by lease_owner nulls first`);
    expect(queue).toEqual([
      { event_id: due, lease_owner: null, retrying: true },
      { event_id: claimed, lease_owner: 'a-worker', retrying: false },
    ]);
    const taken = await claimDueEvents(em(), { now: new Date(), limit: 10, owner: 'test', leaseMs: 30_000 });
    expect(taken.map((e) => [e.id, e.previousStatus])).toEqual([[due, 'RETRYING']]);
    await exec(`delete from event_queue`);
    await exec(`delete from event where id = any($1::uuid[])`, [[due, claimed]]);
    const events = (await exec(`select tableoid::regclass::text as p, received_at from event order by received_at`)) as Array<{
      p: string;
      received_at: string;
    }>;
    expect(events.map((e) => e.p)).toEqual([...days].reverse().map((d) => dayName('event', new Date(Date.now() - d * DAY))));
    expect(((await exec('select count(*)::int as n from delivery_attempt')) as Array<{ n: number }>)[0]?.n).toBe(days.length);
    expect(((await exec('select count(*)::int as n from event_idempotency')) as Array<{ n: number }>)[0]?.n).toBe(days.length);
    const dup = await insertEvents(em(), [
      {
        id: newId(),
        integrationId: integ,
        eventType: 'old',
        source: 'SYSTEM',
        sourceRecordId: null,
        idempotencyKey: 'key-3',
        traceId: newTraceId(),
        isTest: false,
        receivedAt: new Date(),
        payloadJson: '{}',
      },
    ]);
    expect(dup).toHaveLength(0);
  });
});
