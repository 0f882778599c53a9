// Key rotation for secrets at rest: start with a new key while the old one is listed as previous —
// everything keeps working and is re-sealed under the new key; then the old key can go. A stored
// secret sealed with a key that is not configured stops the start with a clear error.
import { type App, buildApp, createLogger, loadConfig } from '@switchboard/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { standardHeaders } from '../helpers/pipeline.ts';
import { TEST_ROOT_KEY } from '../helpers/server.ts';

const K1 = Buffer.alloc(32, 1).toString('base64');
const K2 = Buffer.alloc(32, 2).toString('hex');
const K3 = Buffer.alloc(32, 3).toString('base64');

let testDb: TestDatabase;
beforeAll(async () => {
  testDb = await createTestDatabase();
});
afterAll(async () => {
  await testDb?.drop();
});

async function start(env: Record<string, string>): Promise<App> {
  const app = await buildApp(
    loadConfig({
      DATABASE_URL: testDb.url,
      PORT: '0',
      SWITCHBOARD_ROOT_KEY: TEST_ROOT_KEY,
      SWITCHBOARD_WEB_DIR: '/nonexistent',
      LOG_LEVEL: 'silent',
      ...env,
    }),
    { logger: createLogger('silent') },
  );
  await app.start(0);
  return app;
}

async function stored(app: App): Promise<string[]> {
  const rows = await app.db.orm.em.fork().getConnection().execute<{ s: string }[]>('select signing_secret as s from integration');
  return rows.map((r) => r.s);
}

describe('rotating SWITCHBOARD_SECRET_KEY', () => {
  it('old and new keys during the rotation, only the new one after; an unknown key is a clear error', async () => {
    let app = await start({ SWITCHBOARD_SECRET_KEY: K1 });
    const gql = async (key: string, query: string) =>
      (await (
        await fetch(`${app.url()}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
          body: JSON.stringify({ query }),
        })
      ).json()) as { data: Record<string, Record<string, unknown>> };
    const admin = (await gql(TEST_ROOT_KEY, 'mutation { createWorkspace(name: "Rot") { adminKey } }')).data.createWorkspace
      ?.adminKey as string;
    const created = (
      await gql(
        admin,
        'mutation { createIntegration(input: {name: "in", type: INBOUND_WEBHOOK, provider: "stripe"}) { integration { id } signingSecret } }',
      )
    ).data.createIntegration as { integration: { id: string }; signingSecret: string };
    const ingest = async () => {
      const body = JSON.stringify({ type: 'invoice.paid' });
      return (
        await fetch(`${app.url()}/ingest/${created.integration.id}`, {
          method: 'POST',
          headers: standardHeaders(created.signingSecret, body),
          body,
        })
      ).status;
    };
    expect(await ingest()).toBe(202);
    const underK1 = await stored(app);
    await app.stop();

    app = await start({ SWITCHBOARD_SECRET_KEY: K2, SWITCHBOARD_SECRET_KEY_PREVIOUS: K1 });
    const underK2 = await stored(app);
    expect(underK2[0]).not.toBe(underK1[0]);
    expect(underK2[0]?.slice(0, 12)).not.toBe(underK1[0]?.slice(0, 12));
    expect(await ingest()).toBe(202);
    await app.stop();

    app = await start({ SWITCHBOARD_SECRET_KEY: K2 });
    expect(await stored(app)).toEqual(underK2);
    expect(await ingest()).toBe(202);
    await app.stop();

    await expect(start({ SWITCHBOARD_SECRET_KEY: K3 })).rejects.toThrow(/sealed with key .* not configured/);
  });
  it('a malformed key is refused at start with one clear line', () => {
    expect(() => loadConfig({ SWITCHBOARD_SECRET_KEY: 'too-short' })).toThrow(/SWITCHBOARD_SECRET_KEY: must be 32 bytes/);
    expect(() => loadConfig({ SWITCHBOARD_SECRET_KEY: K1, SWITCHBOARD_SECRET_KEY_PREVIOUS: `${K2},nope` })).toThrow(
      /SWITCHBOARD_SECRET_KEY_PREVIOUS/,
    );
    expect(() => loadConfig({ NODE_ENV: 'production', DATABASE_URL: 'postgresql://x/y' })).toThrow(
      /SWITCHBOARD_SECRET_KEY: is required in production/,
    );
  });
});
