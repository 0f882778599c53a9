// Opens the database: real PostgreSQL when a URL is given, the embedded one otherwise; the same
// driver, entities and migrations either way.
import path from 'node:path';
import { Migrator } from '@mikro-orm/migrations';
import { defineConfig, MikroORM, type Options } from '@mikro-orm/postgresql';
import { type EmbeddedPostgres, startEmbeddedPostgres } from './embedded.ts';
import { ENTITIES } from './entities.ts';
import { registerSecretBox, SecretBox } from './secrets/secret-box.ts';

export const MIGRATIONS_PATH = path.join(import.meta.dirname, 'migrations');

export interface DatabaseOptions {
  /** PostgreSQL URL; absent means embedded. */
  databaseUrl?: string | undefined;
  /** Embedded data folder. */
  dataDir?: string | undefined;
  poolSize?: number | undefined;
  debug?: boolean | undefined;
  /** Seals credentials and signing secrets at rest; without one, stored secrets can be read but not written. */
  secrets?: SecretBox | undefined;
}

export interface Database {
  orm: MikroORM;
  kind: 'postgresql' | 'embedded';
  /** A URL any PostgreSQL client can use (the embedded one's loopback socket included). */
  url: string;
  close(): Promise<void>;
}

export function ormConfig(clientUrl: string, opts: { poolSize?: number | undefined; debug?: boolean | undefined } = {}): Options {
  return defineConfig({
    clientUrl,
    entities: ENTITIES,
    extensions: [Migrator],
    migrations: {
      path: MIGRATIONS_PATH,
      glob: '!(*.d).{js,ts}',
      transactional: true,
      allOrNothing: true,
      snapshot: false,
      emit: 'ts',
      // Callers say what was applied (the server as a log line, db/src/cli.ts on stdout); MikroORM's own
      // coloured console lines would break the server's JSON-lines output.
      silent: true,
    },
    pool: { min: 0, max: opts.poolSize ?? 10 },
    debug: opts.debug ?? false,
    // Reads outside a request's fork are a bug: fail loudly rather than share an identity map.
    allowGlobalContext: false,
    forceUtcTimezone: true,
  });
}

export async function openDatabase(opts: DatabaseOptions = {}): Promise<Database> {
  let embedded: EmbeddedPostgres | undefined;
  let url = opts.databaseUrl;
  let poolSize = opts.poolSize ?? 10;
  if (!url) {
    embedded = await startEmbeddedPostgres(opts.dataDir ?? '.switchboard/pgdata', poolSize + 8);
    url = embedded.url;
    // PGlite has one session: statements from several connections interleave their protocol messages
    // in it ("bind message supplies 4 parameters…"). One connection serializes them; it runs one
    // transaction at a time either way.
    poolSize = 1;
  }
  try {
    const orm = await MikroORM.init(ormConfig(url, { poolSize, debug: opts.debug }));
    registerSecretBox(orm.config, opts.secrets ?? new SecretBox(null));
    return {
      orm,
      kind: embedded ? 'embedded' : 'postgresql',
      url,
      async close() {
        await orm.close(true);
        await embedded?.close();
      },
    };
  } catch (err) {
    await embedded?.close();
    throw err;
  }
}

/** Applies every pending migration; returns the names applied. */
export async function migrate(orm: MikroORM): Promise<string[]> {
  const done = await orm.migrator.up();
  return done.map((m) => m.name);
}
