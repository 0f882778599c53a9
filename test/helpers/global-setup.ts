// Migrates one template database per test run; each test file clones it (createTestDatabase).
import type { TestProject } from 'vitest/node';
import { migrate, openDatabase } from '@switchboard/db';
import { databaseUrl, dropDatabase, dropStaleDatabases, adminQuery, uniqueDatabaseName } from './postgres.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    templateDatabase: string;
  }
}

export default async function setup(project: TestProject) {
  await dropStaleDatabases('sbtest');
  const template = uniqueDatabaseName('sbtest_tpl');
  await adminQuery(`create database "${template}"`);
  const db = await openDatabase({ databaseUrl: databaseUrl(template), poolSize: 2 });
  try {
    await migrate(db.orm);
  } finally {
    await db.close();
  }
  project.provide('templateDatabase', template);
  return async () => {
    await dropDatabase(template);
  };
}
