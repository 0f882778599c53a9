// What a 10-minute destination outage costs the events caught in it, with the breaker, at time scale
// 0.01 (10 minutes = 6 s; the retry schedule and the breaker's window and backoff scale with it): events
// arrive throughout the outage; every one is delivered after it, and none has spent more than the two
// attempts made before the circuit opened (the default schedule's "immediately" and "5 s"; without the
// breaker, the 5-minute retry falls inside the outage too: three). The figures are printed for the record.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addIntegration, type Receiver, seedWorkspace, sql, startReceiver, waitFor, type Workspace } from '../helpers/pipeline.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const SCALE = 0.01;
let server: TestServer;
let ws: Workspace;
let receiver: Receiver;

beforeAll(async () => {
  server = await startTestServer({ SWITCHBOARD_TIME_SCALE: String(SCALE), SWITCHBOARD_WORKER_POLL_MS: '20' });
  ws = await seedWorkspace(server);
  receiver = await startReceiver();
});
afterAll(async () => {
  await server?.close();
  await receiver?.close();
});

describe('a 10-minute outage', () => {
  it('costs each event at most the two attempts made before the circuit opened', async () => {
    let down = true;
    receiver.handle = (_req, res) => {
      if (down) return void res.socket?.destroy();
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"ok"}');
    };
    const integ = await addIntegration(server, ws.workspaceId, {
      type: 'OUTBOUND_WEBHOOK',
      destinationUrl: `${receiver.url}/outage`,
      subscribedEventTypes: ['outage.test'],
    });
    const outageMs = 10 * 60_000 * SCALE;
    const started = Date.now();
    let n = 0;
    // One event every "10 s" of the outage.
    while (Date.now() - started < outageMs) {
      const r = await fetch(`${server.url}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${ws.ingestKey}` },
        body: JSON.stringify({ eventType: 'outage.test', payload: { n: n++ } }),
      });
      expect(r.status).toBe(202);
      await new Promise((r) => setTimeout(r, 10_000 * SCALE));
    }
    down = false;
    const recovered = Date.now();
    await waitFor(
      async () =>
        (
          await sql<{ n: number }>(server, `select count(*)::int as n from event where integration_id = $1 and status <> 'DELIVERED'`, [
            integ.id,
          ])
        )[0]?.n === 0,
      30_000,
      'every event delivered after the outage',
    );
    const lag = (Date.now() - recovered) / SCALE / 1000;
    const rows = await sql<{ charged: number; attempts: number }>(
      server,
      `select attempt_count - retry_base as charged, attempt_count as attempts from event where integration_id = $1 order by received_at`,
      [integ.id],
    );
    const charged = rows.map((r) => r.charged - 1); // minus the attempt that delivered it
    const hist = new Map<number, number>();
    for (const c of charged) hist.set(c, (hist.get(c) ?? 0) + 1);
    console.log(
      `outage: ${rows.length} events; failed attempts charged per event: ${[...hist]
        .sort((a, b) => a[0] - b[0])
        .map(([c, k]) => `${c}: ${k} events`)
        .join(', ')}; ` +
        `probe requests (not charged): ${rows.reduce((s, r) => s + r.attempts - r.charged, 0)}; all delivered ${lag.toFixed(0)} s (scaled back) after recovery`,
    );
    expect(Math.max(...charged)).toBeLessThanOrEqual(2);
  });
});
