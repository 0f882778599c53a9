// Counts the SQL statements the server sends, at the driver: patches `Client.prototype.query` of
// the very `pg` package MikroORM's PostgreSQL driver loads (pnpm gives it its own copy).
import { realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

type Query = (...args: unknown[]) => unknown;

function ormPg(): { Client: { prototype: { query: Query } } } {
  const dbDir = path.join(import.meta.dirname, '..', '..', 'db');
  const driverDir = realpathSync(path.join(dbDir, 'node_modules', '@mikro-orm', 'postgresql'));
  return createRequire(path.join(driverDir, 'package.json'))('pg');
}

/** Runs `fn` and returns the SQL texts sent meanwhile (by any connection of this process). */
export async function countStatements(fn: () => Promise<void>): Promise<string[]> {
  const { Client } = ormPg();
  const original = Client.prototype.query;
  const seen: string[] = [];
  Client.prototype.query = function (this: unknown, ...args: unknown[]) {
    const q = args[0];
    seen.push(typeof q === 'string' ? q : String((q as { text?: string } | null)?.text ?? ''));
    return original.apply(this, args);
  };
  try {
    await fn();
  } finally {
    Client.prototype.query = original;
  }
  return seen;
}
