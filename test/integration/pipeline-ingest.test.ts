// Ingest answers, every signature scheme (signed here with node:crypto, independently of the
// server's standardwebhooks-based verification), idempotency under concurrency, publish fan-out.
import { createHmac } from 'node:crypto';
import { encodeId, generateSigningSecret } from '@switchboard/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addIntegration, seedWorkspace, sql, standardHeaders, transition, type Workspace } from '../helpers/pipeline.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const hex = (secret: string, data: string) => createHmac('sha256', secret).update(data).digest('hex');

describe('POST /ingest/:integrationId', () => {
  let server: TestServer;
  let ws: Workspace;
  let inbound: Awaited<ReturnType<typeof addIntegration>>;

  beforeAll(async () => {
    // No worker: these tests look at what ingest stores, not at delivery.
    server = await startTestServer({ SWITCHBOARD_WORKER: '0', SWITCHBOARD_MAX_BODY_BYTES: '2048' });
    ws = await seedWorkspace(server);
    inbound = await addIntegration(server, ws.workspaceId, { type: 'INBOUND_WEBHOOK', provider: 'stripe' });
  });
  afterAll(() => server?.close());

  const post = (id: string, body: string, headers: Record<string, string>) =>
    fetch(`${server.url}/ingest/${id}`, { method: 'POST', headers, body });
  const refusals = async (code: string) => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const m = new RegExp(`switchboard_ingest_refusals_total\\{code="${code}"\\} (\\d+)`).exec(text);
    return Number(m?.[1] ?? 0);
  };

  it('202 with the stored event, then 200 duplicate for the same webhook-id (nothing new written)', async () => {
    const body = JSON.stringify({ type: 'invoice.paid', data: { id: 'in_1' } });
    const headers = standardHeaders(inbound.signingSecret, body, 'msg_dup_1');
    const first = await post(inbound.publicId, body, headers);
    expect(first.status).toBe(202);
    const a = (await first.json()) as { id: string; status: string; duplicate: boolean };
    expect(a).toMatchObject({ status: 'RECEIVED', duplicate: false });
    const again = await post(inbound.publicId, body, headers);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ id: a.id, status: 'RECEIVED', duplicate: true });
    const rows = await sql<{ id: string; source_record_id: string; event_type: string }>(
      server,
      `select id, source_record_id, event_type from event where idempotency_key = 'msg_dup_1'`,
    );
    expect(rows).toHaveLength(1);
    expect(encodeId('Event', rows[0]?.id as string)).toBe(a.id);
    expect(rows[0]).toMatchObject({ source_record_id: 'in_1', event_type: 'invoice.paid' });
  });

  it('stores one row for 50 concurrent requests with one idempotency key', async () => {
    const body = JSON.stringify({ type: 'order.created', id: 'o_50' });
    const headers = standardHeaders(inbound.signingSecret, body, 'msg_concurrent_50');
    const answers = await Promise.all(Array.from({ length: 50 }, () => post(inbound.publicId, body, headers)));
    const statuses = answers.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 202)).toHaveLength(1);
    expect(statuses.filter((s) => s === 200)).toHaveLength(49);
    const ids = new Set(await Promise.all(answers.map(async (r) => ((await r.json()) as { id: string }).id)));
    expect(ids.size).toBe(1);
    const rows = await sql(server, `select id from event where idempotency_key = 'msg_concurrent_50'`);
    expect(rows).toHaveLength(1);
    const [roll] = await sql<{ n: number }>(server, `select sum(count)::int as n from event_rollup where integration_id = $1`, [
      inbound.id,
    ]);
    const [events] = await sql<{ n: number }>(server, `select count(*)::int as n from event where integration_id = $1`, [inbound.id]);
    expect(roll?.n).toBe(events?.n);
  });

  it('400 for malformed JSON and for a missing event type; the type may come from x-event-type', async () => {
    const bad = '{"type": "x",';
    let r = await post(inbound.publicId, bad, standardHeaders(inbound.signingSecret, bad));
    expect(r.status).toBe(400);
    expect(await r.json()).toEqual({ error: { code: 'INVALID_JSON', message: expect.any(String) } });
    const untyped = JSON.stringify({ data: {} });
    r = await post(inbound.publicId, untyped, standardHeaders(inbound.signingSecret, untyped));
    expect(r.status).toBe(400);
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe('MISSING_EVENT_TYPE');
    r = await post(inbound.publicId, untyped, { ...standardHeaders(inbound.signingSecret, untyped), 'x-event-type': 'contact.updated' });
    expect(r.status).toBe(202);
    expect(await refusals('INVALID_JSON')).toBeGreaterThanOrEqual(1);
  });

  it('404 unknown integration, 404 for a malformed id, 410 disconnected, 415, 413', async () => {
    const body = JSON.stringify({ type: 'a' });
    let r = await post(encodeId('Integration', '01900000-0000-7000-8000-000000000000'), body, standardHeaders(inbound.signingSecret, body));
    expect(r.status).toBe(404);
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
    r = await post('not-an-id', body, standardHeaders(inbound.signingSecret, body));
    expect(r.status).toBe(404);
    r = await post(inbound.publicId, body, { ...standardHeaders(inbound.signingSecret, body), 'content-type': 'text/plain' });
    expect(r.status).toBe(415);
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    const big = JSON.stringify({ type: 'big', pad: 'x'.repeat(4096) });
    r = await post(inbound.publicId, big, standardHeaders(inbound.signingSecret, big));
    expect(r.status).toBe(413);
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe('PAYLOAD_TOO_LARGE');

    const doomed = await addIntegration(server, ws.workspaceId, { type: 'INBOUND_WEBHOOK' });
    await transition(server, doomed.id, 'disconnect');
    const before = await sql(server, 'select id from event where integration_id = $1', [doomed.id]);
    r = await post(doomed.publicId, body, standardHeaders(doomed.signingSecret, body));
    expect(r.status).toBe(410);
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe('DISCONNECTED');
    expect(await sql(server, 'select id from event where integration_id = $1', [doomed.id])).toEqual(before);
    expect(await refusals('DISCONNECTED')).toBe(1);
    expect(await refusals('PAYLOAD_TOO_LARGE')).toBe(1);
  });

  it('429 with Retry-After over the per-integration rate', async () => {
    const limited = await addIntegration(server, ws.workspaceId, { type: 'INBOUND_WEBHOOK', ingestRateLimit: 3 });
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) => {
        const body = JSON.stringify({ type: 'ping', n: i });
        return post(limited.publicId, body, standardHeaders(limited.signingSecret, body));
      }),
    );
    const limitedAnswers = answers.filter((a) => a.status === 429);
    expect(answers.filter((a) => a.status === 202).length).toBe(3);
    expect(limitedAnswers.length).toBe(5);
    expect(Number(limitedAnswers[0]?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(((await (limitedAnswers[0] as Response).json()) as { error: { code: string } }).error.code).toBe('RATE_LIMITED');
  });

  describe('signature schemes', () => {
    const now = () => Math.floor(Date.now() / 1000);
    const cases: Array<{
      scheme: 'STANDARD_WEBHOOKS' | 'HMAC_SHA256_HEX' | 'STRIPE' | 'GITHUB';
      sign(secret: string, body: string, ts: number): Record<string, string>;
      hasTimestamp: boolean;
    }> = [
      { scheme: 'STANDARD_WEBHOOKS', sign: (s, b, ts) => standardHeaders(s, b, `msg_${Math.random()}`, ts), hasTimestamp: true },
      {
        scheme: 'HMAC_SHA256_HEX',
        sign: (s, b) => ({ 'content-type': 'application/json', 'x-shopify-hmac-sha256': hex(s, b) }),
        hasTimestamp: false,
      },
      {
        scheme: 'STRIPE',
        sign: (s, b, ts) => ({ 'content-type': 'application/json', 'stripe-signature': `t=${ts},v1=${hex(s, `${ts}.${b}`)}` }),
        hasTimestamp: true,
      },
      {
        scheme: 'GITHUB',
        sign: (s, b) => ({ 'content-type': 'application/json', 'x-hub-signature-256': `sha256=${hex(s, b)}` }),
        hasTimestamp: false,
      },
    ];
    for (const c of cases) {
      it(`${c.scheme}: valid 202; tampered body, wrong secret${c.hasTimestamp ? ', stale timestamp' : ''} and missing signature 401`, async () => {
        const integ = await addIntegration(server, ws.workspaceId, {
          type: 'INBOUND_WEBHOOK',
          signatureScheme: c.scheme,
          signatureHeader: c.scheme === 'HMAC_SHA256_HEX' ? 'x-shopify-hmac-sha256' : null,
          signingSecret: c.scheme === 'STANDARD_WEBHOOKS' ? generateSigningSecret() : `shpss_${Math.random().toString(36).slice(2)}`,
        });
        const body = JSON.stringify({ type: 'orders/create', id: 42 });
        const ok = await post(integ.publicId, body, c.sign(integ.signingSecret, body, now()));
        expect(ok.status).toBe(202);
        const tampered = await post(integ.publicId, body.replace('42', '43'), c.sign(integ.signingSecret, body, now()));
        expect(tampered.status).toBe(401);
        expect(((await tampered.json()) as { error: { code: string } }).error.code).toBe('INVALID_SIGNATURE');
        const wrongSecret = c.scheme === 'STANDARD_WEBHOOKS' ? generateSigningSecret() : 'not-the-secret';
        expect((await post(integ.publicId, body, c.sign(wrongSecret, body, now()))).status).toBe(401);
        if (c.hasTimestamp) {
          expect((await post(integ.publicId, body, c.sign(integ.signingSecret, body, now() - 6 * 60))).status).toBe(401);
          expect((await post(integ.publicId, body, c.sign(integ.signingSecret, body, now() - 4 * 60))).status).toBe(202);
        }
        expect((await post(integ.publicId, body, { 'content-type': 'application/json' })).status).toBe(401);
        const stored = await sql(server, 'select id from event where integration_id = $1', [integ.id]);
        expect(stored).toHaveLength(c.hasTimestamp ? 2 : 1);
      });
    }
  });
});

describe('POST /v1/events', () => {
  let server: TestServer;
  let ws: Workspace;
  beforeAll(async () => {
    server = await startTestServer({ SWITCHBOARD_WORKER: '0' });
    ws = await seedWorkspace(server);
  });
  afterAll(() => server?.close());

  const publish = (key: string | null, body: unknown) =>
    fetch(`${server.url}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: JSON.stringify(body),
    });

  it('fans out to subscribed, not-disconnected outbound integrations, one event each', async () => {
    const all = await addIntegration(server, ws.workspaceId, { type: 'OUTBOUND_WEBHOOK', destinationUrl: 'http://127.0.0.1:1/x' });
    const orders = await addIntegration(server, ws.workspaceId, {
      type: 'PREBUILT',
      provider: 'hubspot',
      subscribedEventTypes: ['order.created'],
    });
    const other = await addIntegration(server, ws.workspaceId, { type: 'CUSTOM_EVENT', subscribedEventTypes: ['user.deleted'] });
    const gone = await addIntegration(server, ws.workspaceId, { type: 'CUSTOM_NODE' });
    await transition(server, gone.id, 'disconnect');
    await addIntegration(server, ws.workspaceId, { type: 'INBOUND_WEBHOOK' });
    const r = await publish(ws.ingestKey, {
      eventType: 'order.created',
      payload: { orderId: 7 },
      idempotencyKey: 'ord-7',
      sourceRecordId: 'o7',
    });
    expect(r.status).toBe(202);
    const body = (await r.json()) as { events: Array<{ id: string; integrationId: string }> };
    expect(body.events.map((e) => e.integrationId).sort()).toEqual([all.publicId, orders.publicId].sort());
    const rows = await sql<{ integration_id: string; source: string; trace_id: string }>(
      server,
      'select integration_id, source, trace_id from event order by integration_id',
    );
    expect(rows).toHaveLength(2);
    expect(rows.every((e) => e.source === 'USER')).toBe(true);
    expect(other.id).not.toBe(all.id);
    // Publishing the same key again writes nothing new.
    const again = await publish(ws.ingestKey, { eventType: 'order.created', payload: { orderId: 7 }, idempotencyKey: 'ord-7' });
    expect(((await again.json()) as { events: Array<{ duplicate: boolean }> }).events.every((e) => e.duplicate)).toBe(true);
    expect(await sql(server, 'select id from event')).toHaveLength(2);
  });

  it('needs an INGEST (or ADMIN) key; bad input is 400', async () => {
    expect((await publish(null, { eventType: 'a', payload: {} })).status).toBe(401);
    expect((await publish('sb_live_nope', { eventType: 'a', payload: {} })).status).toBe(401);
    expect((await publish(ws.ingestKey, { payload: {} })).status).toBe(400);
    expect((await publish(ws.adminKey, { eventType: 'a', payload: {} })).status).toBe(202);
  });
});
