// Hostile input at every edge: what PostgreSQL cannot store (NUL, lone surrogates, invalid UTF-8),
// nesting that would overflow recursive code, malformed percent-encoding and cookies. Each gets a
// clear 4xx, nothing is stored, and the server stays healthy for everyone else.
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addIntegration, seedWorkspace, sql, type Workspace } from '../helpers/pipeline.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let ws: Workspace;
let inbound: Awaited<ReturnType<typeof addIntegration>>;

beforeAll(async () => {
  server = await startTestServer();
  ws = await seedWorkspace(server);
  inbound = await addIntegration(server, ws.workspaceId, { type: 'INBOUND_WEBHOOK' });
  await addIntegration(server, ws.workspaceId, { type: 'OUTBOUND_WEBHOOK', destinationUrl: 'http://127.0.0.1:9/none' });
});
afterAll(async () => {
  await server?.close();
});

const nested = (depth: number) => `${'['.repeat(depth)}1${']'.repeat(depth)}`;

async function ingest(body: string | Uint8Array) {
  // Signed over the raw bytes, as the server verifies, so bad bytes pass the signature check and reach the UTF-8 check.
  const bytes = Buffer.from(body);
  const id = `msg_${Math.random().toString(36).slice(2)}`;
  const ts = Math.floor(Date.now() / 1000);
  const key = Buffer.from(inbound.signingSecret.replace(/^whsec_/, ''), 'base64');
  const mac = createHmac('sha256', key).update(`${id}.${ts}.`).update(bytes).digest('base64');
  const headers = {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(ts),
    'webhook-signature': `v1,${mac}`,
  };
  const res = await fetch(`${server.url}/ingest/${inbound.publicId}`, { method: 'POST', headers, body: bytes });
  return { status: res.status, body: (await res.json()) as { error?: { code: string; message: string } } };
}

async function publish(body: string | Uint8Array<ArrayBuffer>) {
  const res = await fetch(`${server.url}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ws.ingestKey}` },
    body,
  });
  return { status: res.status, body: (await res.json()) as { error?: { code: string } } };
}

async function eventCount(): Promise<number> {
  return (await sql<{ n: number }>(server, 'select count(*)::int as n from event'))[0]?.n ?? -1;
}

describe('JSON bodies PostgreSQL cannot store are refused at the edge', () => {
  const cases: Array<[string, string | Uint8Array<ArrayBuffer>, string]> = [
    ['a \\u0000 escape', '{"type":"t","note":"a\\u0000b"}', 'UNSUPPORTED_CHARACTER'],
    ['a \\u0000 escape in a key', '{"type":"t","a\\u0000":1}', 'UNSUPPORTED_CHARACTER'],
    ['a lone high surrogate escape', '{"type":"t","note":"\\ud800"}', 'UNSUPPORTED_CHARACTER'],
    ['a lone low surrogate escape', '{"type":"t","note":"x\\udc00y"}', 'UNSUPPORTED_CHARACTER'],
    ['a high surrogate followed by a non-surrogate escape', '{"type":"t","note":"\\ud800\\u0041"}', 'UNSUPPORTED_CHARACTER'],
    ['10,000 levels of nesting', `{"type":"t","deep":${nested(10_000)}}`, 'TOO_DEEP'],
    ['100,000 levels of nesting', `{"type":"t","deep":${nested(100_000)}}`, 'TOO_DEEP'],
    ['65 levels of nesting', `{"type":"t","deep":${nested(64)}}`, 'TOO_DEEP'],
    ['invalid UTF-8', new Uint8Array([...Buffer.from('{"type":"t","note":"'), 0xc3, 0x28, ...Buffer.from('"}')]), 'INVALID_UTF8'],
    [
      'an encoded surrogate (CESU-8)',
      new Uint8Array([...Buffer.from('{"type":"t","n":"'), 0xed, 0xa0, 0x80, ...Buffer.from('"}')]),
      'INVALID_UTF8',
    ],
    ['a raw NUL byte', new Uint8Array([...Buffer.from('{"type":"t","n":"a'), 0, ...Buffer.from('"}')]), 'UNSUPPORTED_CHARACTER'],
  ];
  for (const [what, body, code] of cases) {
    it(`ingest: ${what} → 400 ${code}`, async () => {
      const before = await eventCount();
      const r = await ingest(body);
      expect(r.status).toBe(400);
      expect(r.body.error?.code).toBe(code);
      expect(await eventCount()).toBe(before);
    });
    it(`publish: ${what} → 400 ${code}`, async () => {
      const wrapped =
        typeof body === 'string'
          ? `{"eventType":"order.created","payload":${body}}`
          : new Uint8Array([...Buffer.from('{"eventType":"order.created","payload":'), ...body, ...Buffer.from('}')]);
      const before = await eventCount();
      const r = await publish(wrapped);
      expect(r.status).toBe(400);
      expect(r.body.error?.code).toBe(code);
      expect(await eventCount()).toBe(before);
    });
  }

  it('accepts what is storable: escaped backslashes, paired surrogates, 63 levels', async () => {
    const body = `{"type":"t","a":"\\\\u0000 is text","emoji":"\\ud83d\\ude00 😀","deep":${nested(62)}}`;
    const r = await ingest(body);
    expect(r.status).toBe(202);
    const p = await publish(`{"eventType":"order.created","payload":{"emoji":"\\ud83d\\ude00","deep":${nested(61)}}}`);
    expect(p.status).toBe(202);
  });
});

describe('malformed percent-encoding and cookies are 4xx, never 500', () => {
  it('a malformed percent-encoded integration id on ingest', async () => {
    const res = await fetch(`${server.url}/ingest/%E0%A4%A`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('MALFORMED_PATH');
  });
  it('a malformed percent-encoded event id on the REST logs endpoint', async () => {
    const res = await fetch(`${server.url}/v1/webhooks/%E0%A4%A/logs`, { headers: { authorization: `Bearer ${ws.adminKey}` } });
    expect(res.status).toBe(400);
  });
  it('a malformed session cookie is no session (401), on GraphQL, REST and publish', async () => {
    const cookie = 'sb_key=%E0%A4%A';
    const g = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie, 'x-switchboard-csrf': '1' },
      body: JSON.stringify({ query: '{ viewer { id } }' }),
    });
    expect(g.status).toBeLessThan(500);
    const gb = (await g.json()) as { errors?: Array<{ extensions?: { code?: string } }> };
    expect(gb.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const rest = await fetch(`${server.url}/v1/webhooks/${inbound.publicId}/logs`, { headers: { cookie } });
    expect(rest.status).toBe(401);
    const pub = await fetch(`${server.url}/v1/events`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(pub.status).toBe(401);
  });
});

describe('GraphQL refuses hostile documents and values before anything recursive runs', () => {
  async function gql(query: string, variables?: Record<string, unknown>) {
    const res = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ws.adminKey}` },
      body: JSON.stringify({ query, variables }),
    });
    return {
      status: res.status,
      body: (await res.json()) as { data?: unknown; errors?: Array<{ message: string; extensions?: { code?: string } }> },
    };
  }
  const codeOf = (r: Awaited<ReturnType<typeof gql>>) => r.body.errors?.[0]?.extensions?.code;

  it('a 10,000-level selection set', async () => {
    const r = await gql(`{ ${'viewer { '.repeat(10_000)}id${' }'.repeat(10_000)} }`);
    expect(r.status).toBeLessThan(500);
    expect(codeOf(r)).toBe('BAD_USER_INPUT');
  });
  it('a 10,000-level JSON literal', async () => {
    const r = await gql(
      `mutation { createIntegration(input: {name: "x", type: OUTBOUND_WEBHOOK, provider: "generic", fieldMapping: ${nested(10_000)}}) { integration { id } } }`,
    );
    expect(r.status).toBeLessThan(500);
    expect(codeOf(r)).toBe('BAD_USER_INPUT');
  });
  it('a 70-level JSON literal (within the document budget, over the value limit)', async () => {
    const r = await gql(
      `mutation { createIntegration(input: {name: "x", type: OUTBOUND_WEBHOOK, provider: "generic", fieldMapping: {a: ${nested(70)}}}) { integration { id } } }`,
    );
    expect(codeOf(r)).toBe('BAD_USER_INPUT');
  });
  it('deep JSON variables (10,000 and 100,000 levels)', async () => {
    for (const depth of [10_000, 100_000]) {
      const res = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${ws.adminKey}` },
        body: `{"query":"mutation($m: JSON) { createIntegration(input: {name: \\"x\\", type: OUTBOUND_WEBHOOK, provider: \\"generic\\", fieldMapping: $m}) { integration { id } } }","variables":{"m":${nested(depth)}}}`,
      });
      expect(res.status).toBeLessThan(500);
      const body = (await res.json()) as { errors?: Array<{ extensions?: { code?: string } }> };
      expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
  });
  it('NUL and lone surrogates in string variables and literals', async () => {
    const m =
      'mutation($n: String!) { createIntegration(input: {name: $n, type: OUTBOUND_WEBHOOK, provider: "generic"}) { integration { id } } }';
    expect(codeOf(await gql(m, { n: 'a\u0000b' }))).toBe('BAD_USER_INPUT');
    expect(codeOf(await gql(m, { n: 'a\ud800b' }))).toBe('BAD_USER_INPUT');
    const lit = await gql(
      'mutation { createIntegration(input: {name: "a\\u0000b", type: OUTBOUND_WEBHOOK, provider: "generic"}) { integration { id } } }',
    );
    expect(codeOf(lit)).toBe('BAD_USER_INPUT');
    const names = await sql<{ n: number }>(server, `select count(*)::int as n from integration where name like 'a%b'`);
    expect(names[0]?.n).toBe(0);
  });
  it('still answers ordinary queries', async () => {
    const r = await gql('{ viewer { id } }');
    expect(r.body.errors).toBeUndefined();
  });
});

describe('reserved event types', () => {
  it('an application cannot publish switchboard.* (it would fake incident notifications)', async () => {
    const before = await eventCount();
    for (const t of ['switchboard.incident.opened', 'Switchboard.Incident.Resolved', ' switchboard.test']) {
      const r = await publish(JSON.stringify({ eventType: t, payload: { fake: true } }));
      expect(r.status).toBe(400);
      expect(r.body.error?.code).toBe('RESERVED_EVENT_TYPE');
    }
    expect(await eventCount()).toBe(before);
  });
});
