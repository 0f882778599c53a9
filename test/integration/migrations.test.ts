import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Database, openDatabase } from '@switchboard/db';
import { afterAll, describe, expect, it } from 'vitest';
import { adminQuery, databaseUrl, dropDatabase, uniqueDatabaseName } from '../helpers/postgres.ts';

const TABLES = [
  'api_key',
  'delivery_attempt',
  'event',
  'event_idempotency',
  'event_queue',
  'event_rollup',
  'event_status_rollup',
  'incident',
  'integration',
  'integration_state_change',
  'workspace',
];

async function tables(db: Database): Promise<string[]> {
  const rows = await db.orm.em
    .fork()
    .getConnection()
    .execute<{ table_name: string }[]>(
      // Day partitions (event_p20261201, …_pdefault) are parts of their table, not tables of their own.
      `select table_name from information_schema.tables where table_schema = 'public' and table_name <> 'mikro_orm_migrations'
         and table_name !~ '_p(\\d{8}|default)$' order by 1`,
    );
  return rows.map((r) => r.table_name);
}

async function indexes(db: Database): Promise<string[]> {
  const rows = await db.orm.em
    .fork()
    .getConnection()
    .execute<{ indexname: string }[]>(`select indexname from pg_indexes where schemaname = 'public' order by 1`);
  return rows.map((r) => r.indexname);
}

async function upDownUp(db: Database) {
  const applied = await db.orm.migrator.up();
  expect(applied.length).toBeGreaterThan(0);
  expect(await tables(db)).toEqual(TABLES);
  const idx = await indexes(db);
  for (const name of ['event_log_idx', 'event_queue_due_idx', 'event_idempotency_pkey', 'event_rollup_pkey']) expect(idx).toContain(name);
  expect(await db.orm.migrator.getPending()).toEqual([]);

  const reverted = await db.orm.migrator.down({ to: 0 });
  expect(reverted.map((m) => m.name)).toEqual(applied.map((m) => m.name).reverse());
  expect(await tables(db)).toEqual([]);

  await db.orm.migrator.up();
  expect(await tables(db)).toEqual(TABLES);
}

describe('migrations', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('go up, down and up again on PostgreSQL', async () => {
    const name = uniqueDatabaseName('sbtest');
    await adminQuery(`create database "${name}"`);
    const db = await openDatabase({ databaseUrl: databaseUrl(name), poolSize: 2 });
    cleanups.push(async () => {
      await db.close();
      await dropDatabase(name);
    });
    await upDownUp(db);
  });

  it('go up, down and up again on the embedded database, and the data survives a restart', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sb-embedded-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const db = await openDatabase({ dataDir: dir, poolSize: 2 });
    expect(db.kind).toBe('embedded');
    try {
      await upDownUp(db);
      await db.orm.em
        .fork()
        .getConnection()
        .execute(`insert into workspace (id, name, timezone, created_at) values (gen_random_uuid(), 'kept', 'UTC', now())`);
    } finally {
      await db.close();
    }
    const again = await openDatabase({ dataDir: dir, poolSize: 2 });
    try {
      expect(await again.orm.migrator.getPending()).toEqual([]);
      const rows = await again.orm.em.fork().getConnection().execute<{ name: string }[]>('select name from workspace');
      expect(rows.map((r) => r.name)).toEqual(['kept']);
    } finally {
      await again.close();
    }
  });
});
