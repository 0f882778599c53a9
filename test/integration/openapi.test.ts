// /openapi.json against the server itself: the document is valid OpenAPI 3.1 (the OpenAPI Initiative's
// own JSON schema, through @seriousme/openapi-schema-validator), and every real answer of the plain-HTTP
// endpoints — successes and refusals — has a documented status and matches the documented schema (Ajv,
// JSON Schema 2020-12, the dialect of OpenAPI 3.1).
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type Receiver, startReceiver } from '../helpers/live.ts';
import { addIntegration, seedWorkspace, standardHeaders, type Workspace } from '../helpers/pipeline.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

// ajv-formats is CommonJS with a default export; under NodeNext its type is the module object.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

interface Operation {
  responses: Record<string, { content?: Record<string, unknown> }>;
}
type Document = { openapi: string; paths: Record<string, Record<string, Operation>> };

describe('OpenAPI document', () => {
  let server: TestServer;
  let receiver: Receiver;
  let ws: Workspace;
  let doc: Document;
  let ajv: Ajv2020;
  let inbound: Awaited<ReturnType<typeof addIntegration>>;
  let outbound: Awaited<ReturnType<typeof addIntegration>>;
  let readKey: string;
  const checked = new Set<string>();

  const pointer = (...parts: string[]) => parts.map((p) => encodeURIComponent(p.replace(/~/g, '~0').replace(/\//g, '~1'))).join('/');

  /** Fetches, then holds the answer against the document's operation for `template`. */
  async function check(method: string, template: string, path: string, init: RequestInit = {}): Promise<{ status: number; body: unknown }> {
    const res = await fetch(`${server.url}${path}`, { ...init, method });
    const op = doc.paths[template]?.[method.toLowerCase()];
    expect(op, `${method} ${template} is documented`).toBeDefined();
    const status = String(res.status);
    const documented = op?.responses[status];
    expect(documented, `${method} ${template} → ${status} is documented`).toBeDefined();
    const type = (res.headers.get('content-type') ?? '').split(';')[0]?.trim() ?? '';
    expect(Object.keys(documented?.content ?? {}), `${method} ${template} → ${status}: content type`).toContain(type);
    const text = await res.text();
    let body: unknown = text;
    if (type === 'application/json') {
      body = JSON.parse(text);
      const validate = ajv.getSchema(
        `openapi#/${pointer('paths', template, method.toLowerCase(), 'responses', status, 'content', 'application/json', 'schema')}`,
      );
      expect(validate, 'schema found').toBeDefined();
      const valid = validate?.(body);
      expect(valid, `${method} ${template} → ${status}: ${JSON.stringify(validate?.errors)} in ${text.slice(0, 300)}`).toBe(true);
    }
    checked.add(`${method} ${template} ${status}`);
    return { status: res.status, body };
  }

  beforeAll(async () => {
    receiver = await startReceiver();
    server = await startTestServer({ SWITCHBOARD_WORKER_POLL_MS: '50' });
    ws = await seedWorkspace(server, 'OpenAPI');
    inbound = await addIntegration(server, ws.workspaceId, { type: 'INBOUND_WEBHOOK', provider: 'stripe' });
    outbound = await addIntegration(server, ws.workspaceId, {
      type: 'OUTBOUND_WEBHOOK',
      provider: 'hubspot',
      destinationUrl: `${receiver.url}/ok`,
      subscribedEventTypes: ['contact.created'],
    });
    const r = await server.gql<{ createApiKey: { key: string } }>(
      ws.adminKey,
      'mutation { createApiKey(name: "reader", scopes: [READ]) { key } }',
    );
    readKey = r.data?.createApiKey.key as string;
    const res = await fetch(`${server.url}/openapi.json`);
    doc = (await res.json()) as Document;
    ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addSchema(doc, 'openapi');
  });
  afterAll(async () => {
    await server?.close();
    await receiver?.close();
  });

  it('is valid OpenAPI 3.1', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(doc) as Record<string, unknown>);
    expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
    await check('GET', '/openapi.json', '/openapi.json');
  });

  it('health, readiness and metrics answer as documented', async () => {
    expect((await check('GET', '/healthz', '/healthz')).body).toEqual({ status: 'ok' });
    expect((await check('GET', '/readyz', '/readyz')).body).toEqual({ status: 'ready', database: 'postgresql' });
    const metrics = await check('GET', '/metrics', '/metrics');
    expect(metrics.body).toMatch(/^# HELP /m);
  });

  it('ingest: accepted, duplicate and every kind of refusal match the document', async () => {
    const path = `/ingest/${inbound.publicId}`;
    const body = JSON.stringify({ type: 'charge.succeeded', data: { object: { id: 'ch_1' } } });
    const headers = standardHeaders(inbound.signingSecret, body, 'msg_openapi_1');
    expect((await check('POST', '/ingest/{integrationId}', path, { headers, body })).status).toBe(202);
    expect((await check('POST', '/ingest/{integrationId}', path, { headers, body })).body).toMatchObject({ duplicate: true });
    const forged = { ...headers, 'webhook-signature': 'v1,AAAA' };
    expect((await check('POST', '/ingest/{integrationId}', path, { headers: forged, body })).status).toBe(401);
    const notJson = 'not json';
    expect(
      (await check('POST', '/ingest/{integrationId}', path, { headers: standardHeaders(inbound.signingSecret, notJson), body: notJson }))
        .status,
    ).toBe(400);
    const untyped = JSON.stringify({ hello: 1 });
    expect(
      (await check('POST', '/ingest/{integrationId}', path, { headers: standardHeaders(inbound.signingSecret, untyped), body: untyped }))
        .status,
    ).toBe(400);
    expect(
      (await check('POST', '/ingest/{integrationId}', path, { headers: { ...headers, 'content-type': 'text/plain' }, body })).status,
    ).toBe(415);
    expect((await check('POST', '/ingest/{integrationId}', '/ingest/int_00000000000000000000000000000000', { headers, body })).status).toBe(
      404,
    );
  });

  it('publish and the REST log match the document, refusals included', async () => {
    const publish = (key: string | null, body: string, contentType = 'application/json') =>
      check('POST', '/v1/events', '/v1/events', {
        headers: { 'content-type': contentType, ...(key ? { authorization: `Bearer ${key}` } : {}) },
        body,
      });
    const event = JSON.stringify({ eventType: 'contact.created', payload: { email: 'a@example.test' } });
    const accepted = await publish(ws.ingestKey, event);
    expect(accepted.status).toBe(202);
    expect((accepted.body as { events: unknown[] }).events).toHaveLength(1);
    expect((await publish(ws.ingestKey, JSON.stringify({ eventType: 'nobody.listens', payload: 1 }))).body).toEqual({ events: [] });
    expect((await publish(null, event)).status).toBe(401);
    expect((await publish(readKey, event)).status).toBe(403);
    expect((await publish(ws.ingestKey, '{')).status).toBe(400);
    expect((await publish(ws.ingestKey, JSON.stringify({ payload: 1 }))).status).toBe(400);
    expect((await publish(ws.ingestKey, event, 'text/plain')).status).toBe(415);

    const logs = (query: string, key: string | null, id = outbound.publicId) =>
      check('GET', '/v1/webhooks/{integrationId}/logs', `/v1/webhooks/${id}/logs${query}`, { headers: key ? { 'x-api-key': key } : {} });
    let page: { data: unknown[] } = { data: [] };
    await eventually(
      async () => {
        page = (await logs('?limit=5', readKey)).body as { data: unknown[] };
        return page.data.length > 0;
      },
      15_000,
      'a recorded delivery attempt',
    );
    expect(page.data[0]).toMatchObject({ event: 'contact.created', status: 'success', response: { code: 200 } });
    expect((await logs('?limit=0', readKey)).status).toBe(400);
    expect((await logs('?sort=sideways', readKey)).status).toBe(400);
    expect((await logs('', null)).status).toBe(401);
    expect((await logs('', ws.ingestKey)).status).toBe(403);
    expect((await logs('', readKey, 'int_00000000000000000000000000000000')).status).toBe(404);
  });

  it('every path the document names is served (no documented route is missing)', async () => {
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const method of Object.keys(ops)) {
        expect(
          [...checked].some((c) => c.startsWith(`${method.toUpperCase()} ${path} `)),
          `${method} ${path} was exercised`,
        ).toBe(true);
      }
    }
  });
});
