// OpenTelemetry end to end: the real server exports over OTLP/HTTP to a small receiver here, which
// decodes what it gets (OTLP/JSON). One event's spans form one trace, from the sender's traceparent
// through ingest, claim, the outbound call, record and publish; the destination gets a traceparent
// that continues it.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type Receiver, startReceiver } from '../helpers/live.ts';
import { addIntegration, seedWorkspace, standardHeaders, type Workspace } from '../helpers/pipeline.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
}
interface ExportedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Record<string, string | number | boolean | undefined>;
  status?: { code?: number };
  service: string;
}

/** An OTLP/HTTP (JSON) trace receiver: POST /v1/traces. */
async function startCollector(): Promise<{ url: string; spans: ExportedSpan[]; requests: number; close(): Promise<void> }> {
  const spans: ExportedSpan[] = [];
  const state = { requests: 0 };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      state.requests++;
      expect(req.url).toBe('/v1/traces');
      expect(req.headers['content-type']).toMatch(/application\/json/);
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        resourceSpans: Array<{
          resource: { attributes: Array<{ key: string; value: OtlpValue }> };
          scopeSpans: Array<{
            spans: Array<Omit<ExportedSpan, 'attributes' | 'service'> & { attributes?: Array<{ key: string; value: OtlpValue }> }>;
          }>;
        }>;
      };
      for (const rs of body.resourceSpans) {
        const service = rs.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue ?? '';
        for (const ss of rs.scopeSpans) {
          for (const s of ss.spans) {
            const attributes: ExportedSpan['attributes'] = {};
            for (const a of s.attributes ?? []) {
              const v = a.value.stringValue ?? a.value.boolValue ?? a.value.intValue;
              attributes[a.key] = typeof v === 'string' && a.value.intValue !== undefined ? Number(v) : v;
            }
            spans.push({ ...s, attributes, service });
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans,
    get requests() {
      return state.requests;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const hex = (n: number) => Array.from({ length: n }, () => Math.floor(Math.random() * 16).toString(16)).join('');

describe('OpenTelemetry traces', () => {
  let collector: Awaited<ReturnType<typeof startCollector>>;
  let destination: Receiver;
  let server: TestServer;
  let ws: Workspace;
  let inbound: Awaited<ReturnType<typeof addIntegration>>;

  beforeAll(async () => {
    collector = await startCollector();
    destination = await startReceiver();
    server = await startTestServer({
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      OTEL_SERVICE_NAME: 'switchboard-test',
      OTEL_BSP_SCHEDULE_DELAY: '100',
      SWITCHBOARD_WORKER_POLL_MS: '50',
      SWITCHBOARD_TIME_SCALE: '0.001',
    });
    ws = await seedWorkspace(server, 'Traced');
    inbound = await addIntegration(server, ws.workspaceId, {
      type: 'INBOUND_WEBHOOK',
      provider: 'stripe',
      destinationUrl: `${destination.url}/ok?token=secret-in-query`,
    });
    await addIntegration(server, ws.workspaceId, {
      type: 'OUTBOUND_WEBHOOK',
      provider: 'hubspot',
      destinationUrl: `${destination.url}/fail`,
      subscribedEventTypes: ['contact.created'],
      retrySchedule: [0],
    });
  });
  afterAll(async () => {
    await server?.close();
    await destination?.close();
    await collector?.close();
  });

  async function eventOf(id: string): Promise<{ traceId: string; status: string }> {
    const r = await server.gql<{ event: { traceId: string; status: string } }>(
      ws.adminKey,
      'query($id: ID!) { event(id: $id) { traceId status } }',
      { id },
    );
    return r.data?.event as { traceId: string; status: string };
  }

  it('one inbound event: the sender’s trace continues through ingest, claim, delivery, record and publish, and on to the destination', async () => {
    const traceId = hex(32);
    const senderSpan = hex(16);
    const body = JSON.stringify({ type: 'charge.succeeded', data: { object: { id: 'ch_traced' } } });
    const res = await fetch(`${server.url}/ingest/${inbound.publicId}`, {
      method: 'POST',
      headers: { ...standardHeaders(inbound.signingSecret, body), traceparent: `00-${traceId}-${senderSpan}-01` },
      body,
    });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    expect((await eventOf(id)).traceId).toBe(traceId);

    await eventually(() => destination.requests.some((r) => r.path.startsWith('/ok')), 15_000, 'the delivery');
    const outbound = destination.requests.find((r) => r.path.startsWith('/ok'));
    const names = ['POST /ingest/:integrationId', 'ingest.verify', 'ingest.store', 'event', 'claim', 'deliver', 'record', 'publish'];
    await eventually(
      () => names.every((n) => collector.spans.some((s) => s.traceId === traceId && s.name === n)),
      15_000,
      'every span exported',
    );
    const spans = collector.spans.filter((s) => s.traceId === traceId);
    const one = (name: string) => {
      const found = spans.filter((s) => s.name === name);
      expect(found, name).toHaveLength(1);
      return found[0] as ExportedSpan;
    };
    const request = one('POST /ingest/:integrationId');
    const verify = one('ingest.verify');
    const store = one('ingest.store');
    const event = one('event');
    const claim = one('claim');
    const deliver = one('deliver');
    const record = one('record');
    const publish = one('publish');
    // One tree: the sender's span → the request → verify and store → the event → the worker's spans.
    expect(request.parentSpanId).toBe(senderSpan);
    expect(request.kind).toBe(2); // SERVER
    expect(request.attributes['http.response.status_code']).toBe(202);
    expect(verify.parentSpanId).toBe(request.spanId);
    expect(verify.attributes['switchboard.signature.valid']).toBe(true);
    expect(store.parentSpanId).toBe(request.spanId);
    expect(event.parentSpanId).toBe(store.spanId);
    expect(event.attributes['switchboard.event.id']).toBe(id);
    for (const s of [claim, deliver, record, publish]) expect(s.parentSpanId, s.name).toBe(event.spanId);
    expect(deliver.kind).toBe(3); // CLIENT
    expect(deliver.attributes['http.response.status_code']).toBe(200);
    expect(deliver.attributes['server.address']).toBe(new URL(destination.url).host);
    expect(JSON.stringify(spans)).not.toContain('secret-in-query');
    expect(spans.every((s) => s.service === 'switchboard-test')).toBe(true);
    // The destination's own trace continues the delivery span.
    expect(outbound?.headers.traceparent).toBe(`00-${traceId}-${deliver.spanId}-01`);
  });

  it('a published event takes the publisher’s trace; a failing delivery is an error span with its code', async () => {
    const traceId = hex(32);
    const res = await fetch(`${server.url}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ws.ingestKey}`, traceparent: `00-${traceId}-${hex(16)}-01` },
      body: JSON.stringify({ eventType: 'contact.created', payload: { email: 'a@example.test' } }),
    });
    expect(res.status).toBe(202);
    const [created] = ((await res.json()) as { events: Array<{ id: string }> }).events;
    expect((await eventOf(created?.id as string)).traceId).toBe(traceId);
    await eventually(() => collector.spans.some((s) => s.traceId === traceId && s.name === 'deliver'), 15_000, 'the failed delivery span');
    const deliver = collector.spans.find((s) => s.traceId === traceId && s.name === 'deliver') as ExportedSpan;
    expect(deliver.status?.code).toBe(2); // ERROR
    expect(deliver.attributes['error.type']).toBe('500');
    expect(deliver.attributes['http.response.status_code']).toBe(500);
    const request = collector.spans.find((s) => s.traceId === traceId && s.name === 'POST /v1/events');
    expect(request?.attributes['http.response.status_code']).toBe(202);
  });

  it('GraphQL operations are spans too, continuing a traceparent sent with the request', async () => {
    const traceId = hex(32);
    const res = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ws.adminKey}`, traceparent: `00-${traceId}-${hex(16)}-01` },
      body: JSON.stringify({ query: 'query Who { viewer { name } }' }),
    });
    expect(res.status).toBe(200);
    await eventually(() => collector.spans.some((s) => s.traceId === traceId), 10_000, 'the GraphQL span');
    const span = collector.spans.find((s) => s.traceId === traceId) as ExportedSpan;
    expect(span.name).toBe('graphql.query Who');
    expect(span.attributes['graphql.operation.name']).toBe('Who');
  });
});
