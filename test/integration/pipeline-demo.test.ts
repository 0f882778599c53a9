// Demo mode: first start on an empty database creates the Demo workspace with history from the
// generator and live traffic through simulated providers; GET /v1/demo hands out the admin key, and
// a restart on the same data keeps it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sql, waitFor } from '../helpers/pipeline.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

describe('demo mode', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'sb-demo-'));
  let server: TestServer | undefined;
  afterAll(async () => {
    await server?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('seeds history, serves the admin key, and keeps live traffic flowing through simulated providers', async () => {
    server = await startTestServer({
      SWITCHBOARD_DEMO: '1',
      SWITCHBOARD_DEMO_EVENTS: '3000',
      SWITCHBOARD_DEMO_RATE: '40',
      SWITCHBOARD_DATA_DIR: dataDir,
      SWITCHBOARD_WORKER_POLL_MS: '100',
    });
    const r = await fetch(`${server.url}/v1/demo`);
    expect(r.status).toBe(200);
    const { adminKey } = (await r.json()) as { adminKey: string };
    expect(adminKey).toBeTruthy();
    const me = await server.gql<{ viewer?: unknown }>(adminKey, '{ __typename }');
    expect(me.errors).toBeUndefined();
    const types = await sql<{ type: string }>(
      server,
      `select distinct i.type from integration i join workspace w on w.id = i.workspace_id where w.name = 'Demo'`,
    );
    expect(types.map((t) => t.type).sort()).toEqual(['CUSTOM_EVENT', 'CUSTOM_NODE', 'INBOUND_WEBHOOK', 'OUTBOUND_WEBHOOK', 'PREBUILT']);
    const [history] = await sql<{ n: number }>(server, `select count(*)::int as n from event where received_at < now() - interval '1 day'`);
    expect(history?.n).toBeGreaterThan(1000);
    // Live: new events arrive and get delivered to the simulated providers, with record ids.
    await waitFor(
      async () => {
        const [row] = await sql<{ n: number }>(
          server as TestServer,
          `select count(*)::int as n from delivery_attempt where started_at > now() - interval '1 minute' and succeeded and response_status between 200 and 299`,
        );
        return (row?.n ?? 0) >= 5;
      },
      30_000,
      'live deliveries',
    );
    const [withRecord] = await sql<{ n: number }>(
      server,
      `select count(*)::int as n from event where received_at > now() - interval '1 minute' and destination_record_id is not null`,
    );
    expect(withRecord?.n).toBeGreaterThan(0);
  }, 90_000);

  it('is 404 without demo mode', async () => {
    const plain = await startTestServer();
    try {
      expect((await fetch(`${plain.url}/v1/demo`)).status).toBe(404);
    } finally {
      await plain.close();
    }
  });
});
