// No secret by value anywhere it could be stored or logged: a run with custom credential headers,
// basic auth, a token, a query-parameter key and a destination that echoes everything it gets back
// (in its body, its headers, its error answers and a reconnect's test call), then every table dumped
// with pg_dump --data-only and every log line scanned for each secret in every form it was sent in.
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { parseSecretKey, SecretBox } from '@switchboard/db';
import { type App, buildApp, createLogger, loadConfig } from '@switchboard/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, TEST_SECRET_KEY, type TestDatabase } from '../helpers/database.ts';
import { sql as rawSql, waitFor } from '../helpers/pipeline.ts';
import { TEST_ROOT_KEY } from '../helpers/server.ts';

const run = promisify(execFile);

const PARTNER = 'partner-auth-7f3a9c1e5b';
const TOKEN = 'tok_live_2b8d4f6a0c9e1357';
const USER = 'svc-user-4471';
const PASSWORD = 'pw-Zq8!rT2x-9911';
const QUERY_KEY = 'qk_5c1e9a7b3d2f';
const RECONNECT_TOKEN = 'tok_fresh_81d2c3b4a5e6';

/** Each secret in the forms it travels in. */
function forms(): string[] {
  const basic = Buffer.from(`${USER}:${PASSWORD}`).toString('base64');
  return [PARTNER, TOKEN, PASSWORD, `${USER}:${PASSWORD}`, basic, QUERY_KEY, RECONNECT_TOKEN, encodeURIComponent(PASSWORD)];
}

let testDb: TestDatabase;
let app: App;
let url: string;
let echo: Server;
let echoUrl: string;
const logLines: string[] = [];

beforeAll(async () => {
  // A destination that quotes back everything it was sent: URL and headers in its body and in its own
  // response headers; 401 for the basic-auth integration, so the echo lands in error messages too.
  echo = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString('utf8');
    });
    req.on('end', () => {
      const quoted = JSON.stringify({ url: req.url, headers: req.headers, body });
      const status = req.url?.startsWith('/deny') ? 401 : 200;
      res.writeHead(status, {
        'content-type': 'application/json',
        'x-echo-auth': String(req.headers.authorization ?? ''),
        'x-echo-partner': String(req.headers['x-partner-auth'] ?? ''),
        'x-echo-url': String(req.url ?? ''),
      });
      res.end(quoted);
    });
  });
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
  echoUrl = `http://127.0.0.1:${(echo.address() as AddressInfo).port}`;
  testDb = await createTestDatabase();
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logLines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      cb();
    },
  });
  const config = loadConfig({
    DATABASE_URL: testDb.url,
    PORT: '0',
    SWITCHBOARD_ROOT_KEY: TEST_ROOT_KEY,
    SWITCHBOARD_SECRET_KEY: TEST_SECRET_KEY,
    SWITCHBOARD_WEB_DIR: '/nonexistent',
    SWITCHBOARD_TIME_SCALE: '0.001',
    SWITCHBOARD_AUTH_FAILURE_THRESHOLD: '2',
    SWITCHBOARD_WORKER_POLL_MS: '20',
    LOG_LEVEL: 'debug',
  });
  app = await buildApp(config, { logger: createLogger('debug', sink) });
  url = await app.start(0);
});

afterAll(async () => {
  await app?.stop();
  await testDb?.drop();
  await new Promise<void>((r) => echo.close(() => r()));
});

async function gql<T = Record<string, unknown>>(key: string, query: string, variables?: Record<string, unknown>) {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query, variables }),
  });
  const text = await res.text();
  return { text, body: JSON.parse(text) as { data?: T; errors?: unknown[] } };
}

describe('secrets by value', () => {
  it('appear in no stored row, no log line and no API response', async () => {
    const ws = await gql<{ createWorkspace: { adminKey: string } }>(
      TEST_ROOT_KEY,
      'mutation { createWorkspace(name: "Scan") { adminKey } }',
    );
    const admin = ws.body.data?.createWorkspace.adminKey as string;
    const create = `mutation($input: CreateIntegrationInput!) { createIntegration(input: $input) { integration { id } } }`;
    const integrations = [
      { name: 'custom header', destinationUrl: `${echoUrl}/hook`, credentials: { headers: { 'X-Partner-Auth': PARTNER } } },
      { name: 'token + query key', destinationUrl: `${echoUrl}/hook`, credentials: { token: TOKEN, query: { api_key: QUERY_KEY } } },
      { name: 'basic', destinationUrl: `${echoUrl}/deny`, credentials: { username: USER, password: PASSWORD } },
    ];
    const ids: string[] = [];
    for (const i of integrations) {
      const r = await gql<{ createIntegration: { integration: { id: string } } }>(admin, create, {
        input: { ...i, type: 'OUTBOUND_WEBHOOK', provider: 'generic', retrySchedule: [0, 1] },
      });
      expect(r.body.errors).toBeUndefined();
      ids.push(r.body.data?.createIntegration.integration.id as string);
    }
    const ingestKey = (
      await gql<{ createApiKey: { key: string } }>(admin, 'mutation { createApiKey(name: "pub", scopes: [INGEST]) { key } }')
    ).body.data?.createApiKey.key as string;
    for (let n = 0; n < 4; n++) {
      const r = await fetch(`${url}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${ingestKey}` },
        body: JSON.stringify({ eventType: 'order.created', payload: { n } }),
      });
      expect(r.status).toBe(202);
    }
    // Every event settles: the two healthy integrations deliver theirs; the basic-auth one fails on 401
    // and moves to ERROR after two in a row (its events not yet sent by then are held, as ERROR does).
    await waitFor(
      async () =>
        (
          await rawSql<{ n: number }>(
            { app } as never,
            `select count(*)::int as n from event e join integration i on i.id = e.integration_id
             where i.name <> 'basic' and e.status = 'DELIVERED'`,
          )
        )[0]?.n === 8,
      30_000,
      'the 8 events of the healthy integrations delivered',
    );
    await waitFor(
      async () =>
        (await rawSql<{ state: string }>({ app } as never, `select state from integration where name = 'basic'`))[0]?.state === 'ERROR',
      30_000,
      'the basic-auth integration in ERROR',
    );
    // A reconnect whose test call is answered with an echo of the new token (and refused): the state reason quotes it.
    const reconnect = await gql(
      admin,
      'mutation($id: ID!, $c: JSON) { reconnectIntegration(id: $id, credentials: $c) { integration { state stateReason } } }',
      {
        id: ids[2],
        c: { token: RECONNECT_TOKEN },
      },
    );
    // API responses: the attempts with their exchanges, the integrations with their state reasons and history.
    const read = await gql(
      admin,
      `{ events(first: 50) { edges { node { errorMessage attempts { errorMessage request { url headers { name value } body } response { headers { name value } body } } } } }
         integrations { edges { node { stateReason stateHistory { reason } } } } }`,
    );
    const dump = (await run('pg_dump', ['--data-only', '--no-owner', testDb.url], { maxBuffer: 256 * 1024 * 1024 })).stdout;
    // The run did exercise every path: the echoes are stored (redacted) where the secrets would have been.
    expect(dump).toContain('[redacted]');
    expect(dump).toContain('x-echo-partner');
    const hits: string[] = [];
    for (const secret of forms()) {
      if (dump.includes(secret)) hits.push(`pg_dump: ${secret}`);
      for (const line of logLines) if (line.includes(secret)) hits.push(`log: ${secret}: ${line.slice(0, 200)}`);
      for (const text of [reconnect.text, read.text]) if (text.includes(secret)) hits.push(`api: ${secret}`);
    }
    expect(hits).toEqual([]);
    expect(logLines.length).toBeGreaterThan(10);
  });

  it('credentials and signing secrets are sealed in their own columns, and open with the key', async () => {
    const rows = await rawSql<{ credentials: string | null; signing_secret: string }>(
      { app } as never,
      'select credentials, signing_secret from integration',
    );
    expect(rows.length).toBeGreaterThan(0);
    const box = new SecretBox(parseSecretKey(TEST_SECRET_KEY));
    for (const r of rows) {
      expect(r.signing_secret).toMatch(/^sb1:/);
      expect(box.open(r.signing_secret)).toMatch(/^whsec_/);
      if (r.credentials) expect(JSON.parse(box.open(r.credentials))).toBeTypeOf('object');
    }
  });
});
