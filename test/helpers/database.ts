import { inject } from 'vitest';
import { openDatabase, type Database, parseSecretKey, SecretBox } from '@switchboard/db';
import { adminQuery, databaseUrl, dropDatabase, uniqueDatabaseName } from './postgres.ts';

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** The key the test servers and databases seal secrets with (32 bytes, base64). */
export const TEST_SECRET_KEY = Buffer.alloc(32, 7).toString('base64');

/** A fresh, migrated PostgreSQL database cloned from this run's template. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const template = inject('templateDatabase');
  const name = uniqueDatabaseName('sbtest');
  await adminQuery(`create database "${name}" template "${template}"`);
  return { name, url: databaseUrl(name), drop: () => dropDatabase(name) };
}

/** A fresh database opened with the ORM; `close()` closes it and drops the database. */
export async function openTestDatabase(poolSize = 10): Promise<Database & { testDb: TestDatabase }> {
  const testDb = await createTestDatabase();
  const db = await openDatabase({ databaseUrl: testDb.url, poolSize, secrets: new SecretBox(parseSecretKey(TEST_SECRET_KEY)) });
  return {
    ...db,
    testDb,
    async close() {
      await db.close();
      await testDb.drop();
    },
  };
}
