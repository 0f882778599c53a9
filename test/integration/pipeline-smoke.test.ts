import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addIntegration, type Receiver, seedWorkspace, sql, standardHeaders, startReceiver, waitFor } from '../helpers/pipeline.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

describe('pipeline smoke', () => {
  let server: TestServer;
  let receiver: Receiver;
  beforeAll(async () => {
    server = await startTestServer({ SWITCHBOARD_WORKER_POLL_MS: '50' });
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await server?.close();
    await receiver?.close();
  });

  it('ingests, forwards and records', async () => {
    const ws = await seedWorkspace(server);
    const integ = await addIntegration(server, ws.workspaceId, {
      type: 'INBOUND_WEBHOOK',
      provider: 'stripe',
      destinationUrl: `${receiver.url}/hook`,
    });
    const body = JSON.stringify({ type: 'invoice.paid', data: { id: 'in_1' } });
    const res = await fetch(`${server.url}/ingest/${integ.publicId}`, {
      method: 'POST',
      headers: standardHeaders(integ.signingSecret, body),
      body,
    });
    const json = (await res.json()) as { id: string; status: string; duplicate: boolean };
    expect(res.status).toBe(202);
    expect(json.status).toBe('RECEIVED');
    await waitFor(() => receiver.requests.length === 1);
    const [ev] = await waitFor(async () => {
      const rows = await sql<{ status: string; destination_record_id: string }>(server, `select status, destination_record_id from event`);
      return rows[0]?.status === 'DELIVERED' ? rows : null;
    });
    expect(ev?.destination_record_id).toBe('rec_1');
    const rollups = await sql<{ status: string; count: number }>(server, `select status, count from event_rollup where count <> 0`);
    expect(rollups).toEqual([{ status: 'DELIVERED', count: 1 }]);
    const attempts = await sql(server, 'select * from delivery_attempt');
    expect(attempts).toHaveLength(1);
    const [touched] = await waitFor(async () => {
      const rows = await sql<{ last_event_at: string | null }>(server, 'select last_event_at from integration where id = $1', [integ.id]);
      return rows[0]?.last_event_at ? rows : null;
    });
    expect(touched?.last_event_at).toBeTruthy();
  });
});
