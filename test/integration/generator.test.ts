// The generator's output is realistic (every type and provider class, codes of the catalog, plausible
// failure share, expired payloads) and internally consistent (rollups equal the events they count).
import { ERROR_CATALOG, generateDemoData, INTEGRATION_TYPES, migrate, openDatabase, PROVIDER_CLASSES } from '@switchboard/db';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { rollupDrift } from '../helpers/rollup-drift.ts';

const NOW = new Date('2026-11-20T12:00:00.000Z');
const EVENTS = 20_000;

describe('demo data generator', () => {
  let testDb: TestDatabase;
  let client: pg.Client;
  let result: Awaited<ReturnType<typeof generateDemoData>>;
  const progress: number[] = [];

  beforeAll(async () => {
    testDb = await createTestDatabase();
    result = await generateDemoData({
      url: testDb.url,
      events: EVENTS,
      now: NOW,
      seed: 7,
      batchSize: 3000,
      progress: (done) => progress.push(done),
    });
    client = new pg.Client({ connectionString: testDb.url });
    await client.connect();
  });
  afterAll(async () => {
    await client?.end();
    await testDb?.drop();
  });

  const one = async <T>(sql: string, params: unknown[] = []): Promise<T> => (await client.query(sql, params)).rows[0] as T;
  const all = async <T>(sql: string, params: unknown[] = []): Promise<T[]> => (await client.query(sql, params)).rows as T[];

  it('writes exactly N events in the last 30 days, reporting progress per batch', async () => {
    const r = await one<{ n: number; min: Date; max: Date }>(
      'select count(*)::int n, min(received_at) min, max(received_at) max from event',
    );
    expect(r.n).toBe(EVENTS);
    expect(result.events).toBe(EVENTS);
    expect(r.max.getTime()).toBeLessThan(NOW.getTime());
    expect(r.min.getTime()).toBeGreaterThanOrEqual(NOW.getTime() - 30 * 86400_000);
    expect(progress.at(-1)).toBe(EVENTS);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
  });

  it('covers the five integration types and every provider class', async () => {
    const types = await all<{ integration_type: string }>('select distinct integration_type from event order by 1');
    expect(types.map((t) => t.integration_type).sort()).toEqual([...INTEGRATION_TYPES].sort());
    const classes = await all<{ provider_class: string }>('select distinct provider_class from integration');
    for (const c of PROVIDER_CLASSES.filter((c) => c !== 'OTHER')) expect(classes.map((r) => r.provider_class)).toContain(c);
  });

  it('has a plausible outcome mix: mostly delivered, a few percent failed, some retried', async () => {
    const rows = await all<{ status: string; n: number }>('select status, count(*)::int n from event group by 1');
    const share = (s: string) => (rows.find((r) => r.status === s)?.n ?? 0) / EVENTS;
    expect(share('DELIVERED')).toBeGreaterThan(0.9);
    expect(share('FAILED')).toBeGreaterThan(0.01);
    expect(share('FAILED')).toBeLessThan(0.08);
    const retried = await one<{ n: number }>("select count(*)::int n from event where status = 'DELIVERED' and attempt_count > 1");
    expect(retried.n / EVENTS).toBeGreaterThan(0.02);
  });

  it('uses only catalog codes, many of them, with server errors the most common', async () => {
    const codes = await all<{ error_code: string; n: number }>(
      "select error_code, count(*)::int n from event where status = 'FAILED' group by 1 order by 2 desc",
    );
    const known = new Set(ERROR_CATALOG.map((c) => c.code));
    for (const c of codes) expect(known.has(c.error_code), c.error_code).toBe(true);
    expect(codes.length).toBeGreaterThanOrEqual(12);
    const serverShare =
      codes.filter((c) => /^5\d\d$|TIMEOUT/.test(c.error_code)).reduce((s, c) => s + c.n, 0) / codes.reduce((s, c) => s + c.n, 0);
    expect(serverShare).toBeGreaterThan(0.3);
  });

  it('expires payloads older than 7 days and keeps newer ones', async () => {
    const r = await one<{ bad_old: number; bad_new: number; old: number }>(
      `select count(*) filter (where received_at < $1 and (payload is not null or not payload_expired))::int bad_old,
              count(*) filter (where received_at >= $1 and (payload is null or payload_expired))::int bad_new,
              count(*) filter (where received_at < $1)::int old
       from event`,
      [new Date(NOW.getTime() - 7 * 86400_000)],
    );
    expect(r.bad_old).toBe(0);
    expect(r.bad_new).toBe(0);
    expect(r.old).toBeGreaterThan(EVENTS / 2);
  });

  it('records one attempt per attempt count, with rate-limit snapshots and redacted secrets', async () => {
    const r = await one<{ mismatched: number }>(
      `select count(*)::int mismatched from event e
       where e.attempt_count <> (select count(*) from delivery_attempt a where a.event_id = e.id)`,
    );
    expect(r.mismatched).toBe(0);
    const rl = await one<{ n: number }>('select count(*)::int n from delivery_attempt where rate_limit is not null');
    expect(rl.n).toBeGreaterThan(0);
    const leaked = await one<{ n: number }>(
      `select count(*)::int n from delivery_attempt, jsonb_array_elements(request_headers) h
       where h->>'name' in ('authorization', 'webhook-signature') and h->>'value' <> '[redacted]'`,
    );
    expect(leaked.n).toBe(0);
  });

  it('ends every status history at the event’s status, and gives every failure its code', async () => {
    const r = await one<{ bad_history: number; missing_code: number }>(
      `select count(*) filter (where status_history->-1->>'to' <> status)::int bad_history,
              count(*) filter (where status in ('FAILED', 'RETRYING') and error_code is null)::int missing_code
       from event`,
    );
    expect(r).toEqual({ bad_history: 0, missing_code: 0 });
  });

  it('keeps both hourly rollups equal to the events they count', async () => {
    expect(await rollupDrift(testDb.url)).toEqual([]);
    const [r] = await all<{ n: number }>('select count(*)::int as n from event_status_rollup where count > 0');
    expect(r?.n).toBeGreaterThan(0);
  });

  it('builds event_status_rollup from event_rollup when the migration runs on a database with data', async () => {
    // Back to the schema before the migration (the table gone, the migration pending), then up again.
    await client.query('drop table event_status_rollup');
    await client.query(`delete from mikro_orm_migrations where name = 'Migration20261201150000_status_rollup'`);
    const db = await openDatabase({ databaseUrl: testDb.url, poolSize: 1 });
    try {
      expect(await migrate(db.orm)).toEqual(['Migration20261201150000_status_rollup']);
    } finally {
      await db.close();
    }
    expect(await rollupDrift(testDb.url)).toEqual([]);
    const [r] = await all<{ n: number }>('select coalesce(sum(count), 0)::int as n from event_status_rollup');
    expect(r?.n).toBe(EVENTS);
  });

  it('is deterministic for a seed', async () => {
    const other = await createTestDatabase();
    try {
      await generateDemoData({ url: other.url, events: 500, now: NOW, seed: 7 });
      await generateDemoData({ url: testDb.url, workspaceName: 'Second', events: 500, now: NOW, seed: 7 });
      const c2 = new pg.Client({ connectionString: other.url });
      await c2.connect();
      const q = `select e.status, e.error_code, e.event_type, e.received_at from event e join workspace w on w.id = e.workspace_id
                 where w.name = $1 order by e.received_at, e.event_type`;
      const a = (await c2.query(q, ['Demo'])).rows;
      await c2.end();
      const b = await all(q, ['Second']);
      expect(b).toEqual(a);
    } finally {
      await other.drop();
    }
  });
});
