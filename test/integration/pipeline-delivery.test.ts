// Delivery against real loopback receivers: retries on a time-scaled schedule, Retry-After, mapping
// failures, outbound signatures checked with an independent implementation, rate-limit snapshots.
import { createHmac } from 'node:crypto';
import { encodeId } from '@switchboard/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addIntegration, type Receiver, seedWorkspace, sql, startReceiver, waitFor, type Workspace } from '../helpers/pipeline.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

interface EventRow {
  id: string;
  status: string;
  error_code: string | null;
  attempt_count: number;
  destination_record_id: string | null;
  status_history: Array<{ from: string | null; to: string; reason: string | null }>;
}

describe('delivery worker', () => {
  let server: TestServer;
  let ws: Workspace;
  let receiver: Receiver;

  beforeAll(async () => {
    // 0.1: a schedule of [0, 1, 2] seconds becomes 0, 100 and 200 ms.
    server = await startTestServer({ SWITCHBOARD_TIME_SCALE: '0.1', SWITCHBOARD_WORKER_POLL_MS: '50' });
    ws = await seedWorkspace(server);
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await server?.close();
    await receiver?.close();
  });

  const publish = async (eventType: string, payload: unknown) => {
    const r = await fetch(`${server.url}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ws.ingestKey}` },
      body: JSON.stringify({ eventType, payload }),
    });
    expect(r.status).toBe(202);
    return ((await r.json()) as { events: Array<{ id: string; integrationId: string }> }).events;
  };
  const eventOf = (integrationId: string) =>
    sql<EventRow>(
      server,
      'select id, status, error_code, attempt_count, destination_record_id, status_history from event where integration_id = $1',
      [integrationId],
    );
  const attemptsOf = (integrationId: string) =>
    sql<{
      attempt_number: number;
      response_status: number | null;
      started_at: string;
      error_code: string | null;
      rate_limit: Record<string, unknown> | null;
    }>(
      server,
      'select attempt_number, response_status, started_at, error_code, rate_limit from delivery_attempt where integration_id = $1 order by attempt_number',
      [integrationId],
    );

  it('retries 5xx on the (time-scaled) schedule, then delivers; stable webhook-id, valid signature', async () => {
    const path = '/flaky';
    let calls = 0;
    receiver.handle = (req, res) => {
      if (req.url !== path) return void res.writeHead(200).end('{}');
      calls++;
      if (calls <= 2) return void res.writeHead(503, { 'content-type': 'text/plain' }).end('down for maintenance');
      res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ data: { id: 'crm_123' } }));
    };
    const integ = await addIntegration(server, ws.workspaceId, {
      type: 'OUTBOUND_WEBHOOK',
      destinationUrl: `${receiver.url}${path}`,
      retrySchedule: [0, 1, 2, 3],
      subscribedEventTypes: ['flaky.test'],
    });
    const metric = async (name: string) =>
      Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(await (await fetch(`${server.url}/metrics`)).text())?.[1] ?? Number.NaN);
    const recordedBefore = await metric('switchboard_delivery_record_batch_rows_sum');
    const publishedBefore = await metric('switchboard_delivery_publish_delay_seconds_count');
    await publish('flaky.test', { n: 1 });
    const [ev] = await waitFor(async () => ((await eventOf(integ.id))[0]?.status === 'DELIVERED' ? eventOf(integ.id) : null));
    expect(ev).toMatchObject({ attempt_count: 3, destination_record_id: 'crm_123' });
    // The three outcomes went through the record statement and were published, and /metrics says so.
    expect((await metric('switchboard_delivery_record_batch_rows_sum')) - recordedBefore).toBeGreaterThanOrEqual(3);
    expect((await metric('switchboard_delivery_publish_delay_seconds_count')) - publishedBefore).toBeGreaterThanOrEqual(3);
    expect(ev?.status_history.map((h) => h.to)).toEqual([
      'RECEIVED',
      'PROCESSING',
      'RETRYING',
      'PROCESSING',
      'RETRYING',
      'PROCESSING',
      'DELIVERED',
    ]);
    const attempts = await attemptsOf(integ.id);
    expect(attempts.map((a) => a.response_status)).toEqual([503, 503, 201]);
    const t = attempts.map((a) => new Date(a.started_at).getTime());
    expect((t[1] as number) - (t[0] as number)).toBeGreaterThanOrEqual(95);
    expect((t[2] as number) - (t[1] as number)).toBeGreaterThanOrEqual(195);
    const got = receiver.requests.filter((r) => r.url === path);
    const ids = new Set(got.map((r) => r.headers['webhook-id']));
    expect(ids).toEqual(new Set([encodeId('Event', ev?.id as string)]));
    for (const r of got) {
      // Standard Webhooks, checked with node:crypto (the server signs with the standardwebhooks package).
      const key = Buffer.from(integ.signingSecret.replace(/^whsec_/, ''), 'base64');
      const expected = createHmac('sha256', key)
        .update(`${r.headers['webhook-id']}.${r.headers['webhook-timestamp']}.${r.body}`)
        .digest('base64');
      expect(String(r.headers['webhook-signature']).split(' ')).toContain(`v1,${expected}`);
      expect(String(r.headers.traceparent)).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    }
    const rollups = await sql<{ status: string; n: number }>(
      server,
      'select status, sum(count)::int as n from event_rollup where integration_id = $1 and count <> 0 group by status',
      [integ.id],
    );
    expect(rollups).toEqual([{ status: 'DELIVERED', n: 1 }]);
  });

  it('fails after the schedule is exhausted, and at once for a non-retryable 4xx', async () => {
    receiver.handle = (req, res) => {
      if (req.url === '/always-500') return void res.writeHead(500).end('boom');
      if (req.url === '/bad-request')
        return void res.writeHead(422, { 'content-type': 'application/json' }).end('{"error":"email invalid"}');
      res.writeHead(200).end('{}');
    };
    const down = await addIntegration(server, ws.workspaceId, {
      type: 'CUSTOM_NODE',
      destinationUrl: `${receiver.url}/always-500`,
      retrySchedule: [0, 1, 1],
      subscribedEventTypes: ['exhaust'],
    });
    const picky = await addIntegration(server, ws.workspaceId, {
      type: 'PREBUILT',
      destinationUrl: `${receiver.url}/bad-request`,
      subscribedEventTypes: ['exhaust'],
    });
    await publish('exhaust', { a: 1 });
    const [a] = await waitFor(async () => ((await eventOf(down.id))[0]?.status === 'FAILED' ? eventOf(down.id) : null));
    expect(a).toMatchObject({ attempt_count: 3, error_code: '500' });
    const [b] = await waitFor(async () => ((await eventOf(picky.id))[0]?.status === 'FAILED' ? eventOf(picky.id) : null));
    expect(b).toMatchObject({ attempt_count: 1, error_code: '422' });
    const [{ code } = { code: '' }] = await sql<{ code: string }>(
      server,
      `select error_code as code from event_rollup where integration_id = $1 and status = 'FAILED' and count = 1`,
      [down.id],
    );
    expect(code).toBe('500');
  });

  it('honours Retry-After on 429 and records the rate-limit snapshot', async () => {
    let calls = 0;
    receiver.handle = (req, res) => {
      if (req.url !== '/limited') return void res.writeHead(200).end('{}');
      calls++;
      if (calls === 1) {
        return void res
          .writeHead(429, {
            'retry-after': '1',
            'x-ratelimit-max': '100',
            'x-ratelimit-remaining': '0',
            'x-ratelimit-limit-daily': '5000',
            'x-ratelimit-daily-remaining': '12',
          })
          .end('slow down');
      }
      res
        .writeHead(200, { 'content-type': 'application/json', 'x-ratelimit-max': '100', 'x-ratelimit-remaining': '99' })
        .end('{"id":"ok"}');
    };
    const integ = await addIntegration(server, ws.workspaceId, {
      type: 'OUTBOUND_WEBHOOK',
      destinationUrl: `${receiver.url}/limited`,
      subscribedEventTypes: ['limited'],
    });
    await publish('limited', {});
    await waitFor(async () => (await eventOf(integ.id))[0]?.status === 'DELIVERED');
    const attempts = await attemptsOf(integ.id);
    expect(attempts.map((x) => x.error_code)).toEqual(['429', null]);
    const gap = new Date(attempts[1]?.started_at as string).getTime() - new Date(attempts[0]?.started_at as string).getTime();
    // The schedule alone (5 s × 0.1) would retry after 500 ms; Retry-After asks for a full second.
    expect(gap).toBeGreaterThanOrEqual(990);
    expect(attempts[0]?.rate_limit).toMatchObject({ max: 100, remaining: 0, dailyLimit: 5000, dailyRemaining: 12, retryAfterSeconds: 1 });
    const [row] = await sql<{ last_rate_limit: Record<string, unknown> }>(server, 'select last_rate_limit from integration where id = $1', [
      integ.id,
    ]);
    expect(row?.last_rate_limit).toMatchObject({ max: 100, remaining: 99 });
  });

  it('applies the field mapping; an unresolvable mapping fails with MAPPING, not retried, nothing sent', async () => {
    receiver.handle = (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"m1"}');
    const mapping = { email: '$.contact.email', 'name.full': '$.contact.name', 'phone?': '$.contact.phone?', source: 'switchboard' };
    const mapped = await addIntegration(server, ws.workspaceId, {
      type: 'PREBUILT',
      provider: 'hubspot',
      destinationUrl: `${receiver.url}/mapped`,
      fieldMapping: mapping,
      subscribedEventTypes: ['contact.created'],
    });
    await publish('contact.created', { contact: { email: 'a@example.com', name: 'Ada' } });
    await waitFor(async () => (await eventOf(mapped.id))[0]?.status === 'DELIVERED');
    const sent = receiver.requests.find((r) => r.url === '/mapped');
    expect(JSON.parse(sent?.body ?? 'null')).toEqual({ email: 'a@example.com', name: { full: 'Ada' }, source: 'switchboard' });

    const before = receiver.requests.filter((r) => r.url === '/mapped').length;
    await publish('contact.created', { contact: { name: 'No Email' } });
    const failed = await waitFor(async () => (await eventOf(mapped.id)).find((e) => e.status === 'FAILED'));
    expect(failed).toMatchObject({ error_code: 'MAPPING', attempt_count: 1 });
    expect(receiver.requests.filter((r) => r.url === '/mapped').length).toBe(before);
    const attempts = await sql(server, 'select id from delivery_attempt where event_id = $1', [failed.id]);
    expect(attempts).toHaveLength(0);
  });

  it('records network failures by code: CONNECTION_REFUSED and TIMEOUT', async () => {
    const refused = await addIntegration(server, ws.workspaceId, {
      type: 'OUTBOUND_WEBHOOK',
      destinationUrl: 'http://127.0.0.1:9/nothing',
      retrySchedule: [0],
      subscribedEventTypes: ['net'],
    });
    await publish('net', {});
    const [e] = await waitFor(async () => ((await eventOf(refused.id))[0]?.status === 'FAILED' ? eventOf(refused.id) : null));
    expect(e?.error_code).toBe('CONNECTION_REFUSED');
    const [attempt] = await sql<{ response_status: number | null; response_body: string | null }>(
      server,
      'select response_status, response_body from delivery_attempt where event_id = $1',
      [e?.id],
    );
    expect(attempt).toEqual({ response_status: null, response_body: null });
  });
});

describe('delivery worker: timeouts', () => {
  it('records TIMEOUT when the destination never answers', async () => {
    const server = await startTestServer({ SWITCHBOARD_HTTP_TIMEOUT_MS: '300', SWITCHBOARD_WORKER_POLL_MS: '50' });
    const receiver = await startReceiver();
    try {
      receiver.handle = () => undefined; // never answers
      const ws = await seedWorkspace(server);
      const integ = await addIntegration(server, ws.workspaceId, {
        type: 'OUTBOUND_WEBHOOK',
        destinationUrl: `${receiver.url}/hang`,
        retrySchedule: [0],
      });
      await fetch(`${server.url}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${ws.ingestKey}` },
        body: JSON.stringify({ eventType: 'slow', payload: {} }),
      });
      const [e] = await waitFor(async () => {
        const rows = await sql<{ status: string; error_code: string }>(
          server,
          'select status, error_code from event where integration_id = $1',
          [integ.id],
        );
        return rows[0]?.status === 'FAILED' ? rows : null;
      });
      expect(e?.error_code).toBe('TIMEOUT');
    } finally {
      await server.close();
      await receiver.close();
    }
  });
});
