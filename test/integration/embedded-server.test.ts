// The server on its embedded database (no DATABASE_URL): what `npm start` runs on a bare machine.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createWorkspace, parseSecretKey, SecretBox } from '@switchboard/db';
import { type App, buildApp, createLogger, loadConfig } from '@switchboard/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

describe('server on the embedded database', () => {
  let app: App;
  let url: string;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'sb-embedded-server-'));
    const config = loadConfig({ SWITCHBOARD_DATA_DIR: dir, PORT: '0', LOG_LEVEL: 'silent', SWITCHBOARD_WEB_DIR: '/nonexistent' });
    app = await buildApp(config, { logger: createLogger('silent') });
    url = await app.start(0);
  });
  afterAll(async () => {
    await app?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is ready, on the embedded engine, with its files under the data dir', async () => {
    const res = await fetch(`${url}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ready', database: 'embedded' });
    expect(app.db.kind).toBe('embedded');
  });

  it('generated its secret key into the data dir, readable by its owner only, and seals with it', async () => {
    const key = path.join(dir, 'secret.key');
    expect(statSync(key).mode & 0o777).toBe(0o600);
    const box = new SecretBox(parseSecretKey(readFileSync(key, 'utf8')));
    expect(box.open(box.seal('whsec_x'))).toBe('whsec_x');
  });

  it('answers GraphQL with a workspace key', async () => {
    const { adminKey } = await createWorkspace(app.db.orm.em.fork(), 'Embedded Inc');
    const res = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': adminKey },
      body: JSON.stringify({ query: '{ viewer { name timezone } }' }),
    });
    const body = await res.json();
    expect(body, JSON.stringify(body)).toEqual({ data: { viewer: { name: 'Embedded Inc', timezone: 'UTC' } } });
  });

  it('answers the dashboards (prepared statements; trends alone runs compiled) on the embedded engine', async () => {
    const { adminKey } = await createWorkspace(app.db.orm.em.fork(), 'Embedded Dashboards');
    const r = { from: new Date(Date.now() - 86_400_000).toISOString(), to: new Date().toISOString() };
    const post = async (query: string) => {
      const res = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': adminKey },
        body: JSON.stringify({ query, variables: { r } }),
      });
      return (await res.json()) as { data?: Record<string, unknown>; errors?: unknown };
    };
    const trends = 'trends(range: $r, bucket: HOUR) { type points { bucketStart succeeded failed } }';
    for (let round = 0; round < 7; round++) {
      // Past five runs PostgreSQL may switch a prepared statement to its generic plan: both must answer.
      const alone = await post(`query($r: TimeRange!) { ${trends} }`);
      const mixed = await post(
        `query($r: TimeRange!) { ${trends} overview(range: $r) { succeeded failed } failuresByErrorCode(range: $r) { code } failureGroups(range: $r) { edges { cursor } } }`,
      );
      expect(alone.errors, JSON.stringify(alone.errors)).toBeUndefined();
      expect(mixed.errors, JSON.stringify(mixed.errors)).toBeUndefined();
      const series = alone.data?.trends as { points: unknown[] }[];
      expect(series).toHaveLength(5);
      expect(series.every((x) => x.points.length >= 24 && x.points.length <= 25)).toBe(true);
      expect(alone.data?.trends).toEqual(mixed.data?.trends);
      expect(mixed.data?.overview).toEqual({ succeeded: 0, failed: 0 });
    }
  });
});
