// One row the database refuses never fails the rows it shares a statement with, and is never retried
// forever: the ingest group commit and the delivery recorder isolate it, answer or record it honestly,
// and every other tenant's rows go through.
import { encodeId, newId, newTraceId, type NewEventRow } from '@switchboard/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UnstorableEventError } from '../../server/src/ingest/event-writer.ts';
import { addIntegration, type Receiver, seedWorkspace, sql, standardHeaders, startReceiver, waitFor } from '../helpers/pipeline.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let receiver: Receiver;

beforeAll(async () => {
  // One writer, so rows written in one tick share one statement.
  server = await startTestServer({ SWITCHBOARD_INGEST_WRITERS: '1', SWITCHBOARD_WORKER_POLL_MS: '20' });
  receiver = await startReceiver();
});
afterAll(async () => {
  await server?.close();
  await receiver?.close();
});

const row = (integrationId: string, payloadJson: string): NewEventRow => ({
  id: newId(),
  integrationId,
  eventType: 'order.created',
  source: 'USER',
  sourceRecordId: null,
  idempotencyKey: null,
  traceId: newTraceId(),
  isTest: false,
  receivedAt: new Date(),
  payloadJson,
});

async function metric(name: string, label: string): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const m = new RegExp(`^${name}\\{${label}\\} (\\d+)`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

describe('ingest group commit', () => {
  it('a row PostgreSQL refuses fails its own request only; the other workspace’s rows in the same batch commit', async () => {
    const a = await seedWorkspace(server, 'Poisoner');
    const b = await seedWorkspace(server, 'Bystander');
    const poisonTarget = await addIntegration(server, a.workspaceId, { type: 'INBOUND_WEBHOOK' });
    const target = await addIntegration(server, b.workspaceId, { type: 'INBOUND_WEBHOOK' });
    const writer = server.app.runtime.ingest.writer;
    // The first write goes out alone; everything written in the same tick behind it shares the next statement.
    const first = writer.write([row(target.id, '{"n":-1}')]);
    const poison = writer.write([row(poisonTarget.id, '{"note":"\\u0000"}')]);
    const valid = Array.from({ length: 40 }, (_, n) => writer.write([row(target.id, JSON.stringify({ n }))]));
    await first;
    await expect(poison).rejects.toBeInstanceOf(UnstorableEventError);
    const outcomes = (await Promise.all(valid)).flat();
    expect(outcomes.every((o) => o.kind === 'created')).toBe(true);
    const stored = await sql<{ n: number }>(server, 'select count(*)::int as n from event where integration_id = $1', [target.id]);
    expect(stored[0]?.n).toBe(41);
    const poisoned = await sql<{ n: number }>(server, 'select count(*)::int as n from event where integration_id = $1', [poisonTarget.id]);
    expect(poisoned[0]?.n).toBe(0);
    expect(await metric('switchboard_refused_rows_total', 'stage="ingest"')).toBeGreaterThanOrEqual(1);
  });
});

describe('delivery recorder', () => {
  it('a destination answering 200 with a NUL byte: the attempt is stored (base64) and delivery recording goes on for everyone', async () => {
    const a = await seedWorkspace(server, 'Binary');
    const b = await seedWorkspace(server, 'Plain');
    receiver.handle = (r, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(r.url.startsWith('/binary') ? Buffer.from([0x6f, 0x6b, 0x00, 0xff, 0xfe, 0x01]) : '{"id":"ok"}');
    };
    const binary = await addIntegration(server, a.workspaceId, { type: 'INBOUND_WEBHOOK', destinationUrl: `${receiver.url}/binary` });
    const plain = await addIntegration(server, b.workspaceId, { type: 'INBOUND_WEBHOOK', destinationUrl: `${receiver.url}/plain` });
    const send = async (integ: typeof binary, n: number) => {
      const body = JSON.stringify({ type: 'ping', n });
      const r = await fetch(`${server.url}/ingest/${integ.publicId}`, {
        method: 'POST',
        headers: standardHeaders(integ.signingSecret, body),
        body,
      });
      expect(r.status).toBe(202);
    };
    await Promise.all([send(binary, 0), ...Array.from({ length: 20 }, (_, n) => send(plain, n))]);
    await waitFor(
      async () =>
        (
          await sql<{ n: number }>(
            server,
            `select count(*)::int as n from event where status = 'DELIVERED' and integration_id = any($1::uuid[])`,
            [[binary.id, plain.id]],
          )
        )[0]?.n === 21,
      30_000,
      'all 21 delivered',
    );
    const [attempt] = await sql<{ response_body: string; response_body_encoding: string }>(
      server,
      'select response_body, response_body_encoding from delivery_attempt where integration_id = $1',
      [binary.id],
    );
    expect(attempt?.response_body_encoding).toBe('BASE64');
    expect(Buffer.from(attempt?.response_body ?? '', 'base64')).toEqual(Buffer.from([0x6f, 0x6b, 0x00, 0xff, 0xfe, 0x01]));
    const [ev] = await sql<{ id: string }>(server, 'select id from event where integration_id = $1', [binary.id]);
    const api = await server.gql<{ event: { attempts: Array<{ response: { body: string; bodyEncoding: string } }> } }>(
      a.adminKey,
      'query($id: ID!) { event(id: $id) { attempts { response { body bodyEncoding } } } }',
      { id: encodeId('Event', ev?.id ?? '') },
    );
    expect(api.errors).toBeUndefined();
    expect(api.data?.event.attempts[0]?.response).toEqual({ body: attempt?.response_body, bodyEncoding: 'BASE64' });
  });

  it('an outcome whose row the database refuses is set aside; the rest of its batch is recorded and the worker moves on', async () => {
    const a = await seedWorkspace(server, 'Vanishing');
    const b = await seedWorkspace(server, 'Steady');
    // Hold every response until all requests have arrived, so their outcomes are recorded together.
    const held: Array<() => void> = [];
    receiver.handle = (_r, res) => {
      held.push(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"x"}'));
    };
    const vanishing = await addIntegration(server, a.workspaceId, { type: 'INBOUND_WEBHOOK', destinationUrl: `${receiver.url}/v` });
    // All 20 in flight at once: above the default per-integration cap (a sixteenth of the worker's concurrency).
    const steady = await addIntegration(server, b.workspaceId, {
      type: 'INBOUND_WEBHOOK',
      destinationUrl: `${receiver.url}/s`,
      maxInFlight: 20,
    });
    const send = async (integ: typeof steady, n: number) => {
      const body = JSON.stringify({ type: 'ping', n });
      const r = await fetch(`${server.url}/ingest/${integ.publicId}`, {
        method: 'POST',
        headers: standardHeaders(integ.signingSecret, body),
        body,
      });
      expect(r.status).toBe(202);
    };
    await Promise.all([send(vanishing, 0), ...Array.from({ length: 20 }, (_, n) => send(steady, n))]);
    await waitFor(() => held.length === 21, 30_000, 'all 21 requests in flight');
    // The integration disappears while its delivery is in flight (deleted with its events): its attempt's
    // insert now violates the foreign key, a refusal of the whole statement it shares.
    await sql(server, 'delete from integration where id = $1', [vanishing.id]);
    const setAsideBefore = await metric('switchboard_refused_rows_total', 'stage="delivery_set_aside"');
    for (const release of held.splice(0)) release();
    await waitFor(
      async () =>
        (
          await sql<{ n: number }>(server, `select count(*)::int as n from event where status = 'DELIVERED' and integration_id = $1`, [
            steady.id,
          ])
        )[0]?.n === 20,
      30_000,
      'the 20 steady events delivered',
    );
    expect(await metric('switchboard_refused_rows_total', 'stage="delivery_set_aside"')).toBe(setAsideBefore + 1);
    // And the worker goes on: a new event is delivered and recorded.
    receiver.handle = (_r, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"y"}');
    await send(steady, 99);
    await waitFor(
      async () =>
        (
          await sql<{ n: number }>(server, `select count(*)::int as n from event where status = 'DELIVERED' and integration_id = $1`, [
            steady.id,
          ])
        )[0]?.n === 21,
      30_000,
      'the next event delivered',
    );
  });
});
