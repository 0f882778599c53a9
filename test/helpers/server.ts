// Boots the real Switchboard (HTTP + GraphQL) on a free loopback port against a fresh PostgreSQL
// database cloned from the run's template.
import { type App, buildApp, createLogger, loadConfig } from '@switchboard/server';
import { createTestDatabase, TEST_SECRET_KEY, type TestDatabase } from './database.ts';

export const TEST_ROOT_KEY = 'test-root-key-0123456789abcdef';

export interface TestServer {
  app: App;
  url: string;
  testDb: TestDatabase;
  /** POST /graphql with a key (Bearer). Returns the parsed body. */
  gql<T = Record<string, unknown>>(
    key: string | null,
    query: string,
    variables?: Record<string, unknown>,
  ): Promise<{ data?: T; errors?: Array<{ message: string; extensions?: { code?: string } & Record<string, unknown> }> }>;
  /** A new workspace and its ADMIN key, made through the API with the root key. */
  createWorkspace(name?: string, timezone?: string): Promise<{ workspaceId: string; adminKey: string }>;
  close(): Promise<void>;
}

export async function startTestServer(env: Record<string, string> = {}): Promise<TestServer> {
  const testDb = await createTestDatabase();
  const config = loadConfig({
    DATABASE_URL: testDb.url,
    PORT: '0',
    SWITCHBOARD_ROOT_KEY: TEST_ROOT_KEY,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    SWITCHBOARD_WEB_DIR: '/nonexistent',
    SWITCHBOARD_SECRET_KEY: TEST_SECRET_KEY,
    ...env,
  });
  const app = await buildApp(config, { logger: createLogger(config.logLevel) });
  const url = await app.start(0);
  const gql = (async (key: string | null, query: string, variables?: Record<string, unknown>) => {
    const res = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    return (await res.json()) as Awaited<ReturnType<TestServer['gql']>>;
  }) as TestServer['gql'];
  return {
    app,
    url,
    testDb,
    gql,
    async createWorkspace(name = 'Acme', timezone = 'UTC') {
      const r = await gql<{ createWorkspace: { workspace: { id: string }; adminKey: string } }>(
        TEST_ROOT_KEY,
        'mutation($n: String!, $tz: String) { createWorkspace(name: $n, timezone: $tz) { workspace { id } adminKey } }',
        { n: name, tz: timezone },
      );
      if (!r.data) throw new Error(`createWorkspace failed: ${JSON.stringify(r.errors)}`);
      return { workspaceId: r.data.createWorkspace.workspace.id, adminKey: r.data.createWorkspace.adminKey };
    },
    async close() {
      await app.stop();
      await testDb.drop();
    },
  };
}
