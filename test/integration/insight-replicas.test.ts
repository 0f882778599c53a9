// incidentChanged across replicas: a subscriber on replica A hears about an incident that replica B's
// detectors opened and that an operator acknowledged on B (Redis between them, one database).
import { decodeIdOf } from '@switchboard/db';
import { type App, buildApp, createLogger, loadConfig } from '@switchboard/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Json } from '../helpers/api.ts';
import { eventually, liveClient } from '../helpers/live.ts';
import { addIntegration } from '../helpers/pipeline.ts';
import { seedEvents } from '../helpers/seed-events.ts';
import { startTestServer, TEST_ROOT_KEY, type TestServer } from '../helpers/server.ts';
import { TEST_SECRET_KEY } from '../helpers/database.ts';

const REDIS_URL = process.env.SWITCHBOARD_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('incidentChanged across replicas (Redis)', () => {
  let a: TestServer;
  let b: App;
  let bUrl: string;

  beforeAll(async () => {
    const quiet = { SWITCHBOARD_WORKER: '0', SWITCHBOARD_INSIGHT_INTERVAL_MS: '0' };
    a = await startTestServer({ REDIS_URL, ...quiet });
    const config = loadConfig({
      SWITCHBOARD_SECRET_KEY: TEST_SECRET_KEY,
      DATABASE_URL: a.testDb.url,
      REDIS_URL,
      PORT: '0',
      SWITCHBOARD_ROOT_KEY: TEST_ROOT_KEY,
      LOG_LEVEL: 'silent',
      SWITCHBOARD_WEB_DIR: '/nonexistent',
      ...quiet,
    });
    b = await buildApp(config, { logger: createLogger('silent') });
    bUrl = await b.start(0);
  });
  afterAll(async () => {
    await b?.stop();
    await a?.close();
  });

  it('opened on B and acknowledged on B reach the subscriber on A', async () => {
    const ws = await a.createWorkspace('Replicated');
    const workspaceId = decodeIdOf('Workspace', ws.workspaceId) as string;
    const crm = await addIntegration(a, workspaceId, { type: 'OUTBOUND_WEBHOOK', name: 'CRM', destinationUrl: 'https://crm.example/hook' });
    const now = Date.now();
    await seedEvents(
      a.testDb.url,
      workspaceId,
      [20, 15, 10, 5, 1].map((m) => ({
        integrationId: crm.id,
        integrationType: 'OUTBOUND_WEBHOOK' as const,
        receivedAt: new Date(now - m * 60_000),
        status: 'FAILED' as const,
        errorCode: '403',
      })),
    );
    const client = liveClient(a.url, ws.adminKey);
    try {
      const sub = client.subscribe<Json>('subscription { incidentChanged { id kind state } }');
      await eventually(
        async () => /switchboard_ws_subscriptions\{field="incidentChanged"\} 1/.test(await (await fetch(`${a.url}/metrics`)).text()),
        10_000,
        'the subscription on A',
      );
      const report = await b.runtime.insight.runOnce(new Date(now));
      expect(report.opened).toBe(1);
      await eventually(() => sub.received.length >= 1, 10_000, 'the opened incident on A');
      const opened = sub.received[0].incidentChanged;
      expect(opened).toMatchObject({ kind: 'ALL_FAILING', state: 'OPEN' });

      const res = await fetch(`${bUrl}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${ws.adminKey}` },
        body: JSON.stringify({ query: 'mutation($id: ID!) { acknowledgeIncident(id: $id) { state } }', variables: { id: opened.id } }),
      });
      expect(((await res.json()) as Json).data.acknowledgeIncident.state).toBe('ACKNOWLEDGED');
      await eventually(() => sub.received.some((r) => r.incidentChanged.state === 'ACKNOWLEDGED'), 10_000, 'the acknowledgement on A');
      expect(sub.errors).toEqual([]);
    } finally {
      await client.dispose();
    }
  });
});
