// Demo mode on the embedded database, as `npm start` runs it: while the history is seeded the server
// answers 503 (liveness excepted) instead of touching the database beside the generator; then it is
// ready, offers the demo key, and the key works.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildApp, createLogger, loadConfig } from '@switchboard/server';
import { afterAll, describe, expect, it } from 'vitest';
import { TEST_SECRET_KEY } from '../helpers/database.ts';

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('demo start on the embedded database', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'sb-demo-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses with 503 while seeding, then is ready with a working demo key', async () => {
    const port = await freePort();
    const config = loadConfig({
      SWITCHBOARD_SECRET_KEY: TEST_SECRET_KEY,
      SWITCHBOARD_DATA_DIR: dir,
      PORT: String(port),
      SWITCHBOARD_DEMO: '1',
      SWITCHBOARD_DEMO_EVENTS: '20000',
      LOG_LEVEL: 'silent',
      SWITCHBOARD_WEB_DIR: '/nonexistent',
    });
    const app = await buildApp(config, { logger: createLogger('silent') });
    const url = `http://127.0.0.1:${port}`;
    const started = app.start();
    try {
      const seen: number[] = [];
      let starting: { status: number; retryAfter: string | null; body: unknown } | undefined;
      for (let i = 0; i < 600; i++) {
        const res = await fetch(`${url}/readyz`).catch(() => undefined);
        if (res) {
          seen.push(res.status);
          if (res.status === 503 && !starting)
            starting = { status: 503, retryAfter: res.headers.get('retry-after'), body: await res.json() };
          else await res.arrayBuffer();
          if (res.status === 200) break;
          expect((await fetch(`${url}/healthz`)).status).toBe(200);
        }
        await new Promise((r) => setTimeout(r, 20));
      }
      await started;
      expect(seen).toContain(503);
      expect(seen.at(-1)).toBe(200);
      expect(starting).toEqual({
        status: 503,
        retryAfter: '5',
        body: { error: { code: 'STARTING', message: 'Switchboard is preparing its demo data; try again in a few seconds' } },
      });
      const demo = (await (await fetch(`${url}/v1/demo`)).json()) as { adminKey: string };
      const res = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${demo.adminKey}` },
        body: JSON.stringify({
          query:
            '{ viewer { name } integrations { totalCount } alerts: integrations(filter: { search: "ops-alerts" }) { edges { node { subscribedEventTypes fieldMapping } } } }',
        }),
      });
      // Ten generated integrations and the Slack-like channel that takes incident notifications.
      expect(await res.json()).toEqual({
        data: {
          viewer: { name: 'Demo' },
          integrations: { totalCount: 11 },
          alerts: {
            edges: [
              {
                node: {
                  subscribedEventTypes: [
                    'switchboard.incident.opened',
                    'switchboard.incident.acknowledged',
                    'switchboard.incident.resolved',
                  ],
                  fieldMapping: { text: '{{$.text}}' },
                },
              },
            ],
          },
        },
      });
      // History covers twice the longest preset (30 d), so "last 30 days" has a previous period to compare with
      // (it once held a single event at the history's edge, which made "▲ 3,464,000%").
      const DAY = 86_400_000;
      const to = new Date(Math.floor(Date.now() / 3600_000) * 3600_000);
      const previous = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${demo.adminKey}` },
        body: JSON.stringify({
          query: 'query($r: TimeRange!) { overview(range: $r) { succeeded failed } }',
          variables: { r: { from: new Date(to.getTime() - 60 * DAY).toISOString(), to: new Date(to.getTime() - 30 * DAY).toISOString() } },
        }),
      });
      const { data } = (await previous.json()) as { data: { overview: { succeeded: number; failed: number } } };
      expect(data.overview.succeeded + data.overview.failed).toBeGreaterThan(20000 / 4);
    } finally {
      await started.catch(() => undefined);
      await app.stop();
    }
  }, 180_000);
});
