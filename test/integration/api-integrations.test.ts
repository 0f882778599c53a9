// Integrations, API keys and workspaces over HTTP: create/update validation, lifecycle through the
// state machine (every invalid transition), scopes for every mutation, secrets never returned.
import { openSecretJson } from '@switchboard/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf, type Json, recordingClient } from '../helpers/api.ts';
import { startTestServer, TEST_ROOT_KEY, type TestServer } from '../helpers/server.ts';

let s: TestServer;
let rec: ReturnType<typeof recordingClient>;
let admin: string;
let readKey: string;
let ingestKey: string;
const secretsShown: string[] = [];
const CREDENTIAL = 'cred-value-6b1f0c2e9d';
let testCalls: { ok: boolean; reason: string | null } = { ok: true, reason: null };

const INTEGRATION_FIELDS = `id name type provider providerClass direction environment state stateReason owner installedAt updatedAt
  destinationUrl subscribedEventTypes fieldMapping service flow ingestUrl
  health { delivered failed retrying successRate consecutiveFailures lastEventAt lastFailureAt rateLimit { max remaining observedAt } }
  stateHistory { from to reason actor at }`;

async function create(input: Record<string, unknown>, key = admin) {
  const r = await rec.gql(
    key,
    `mutation($i: CreateIntegrationInput!) { createIntegration(input: $i) { signingSecret integration { ${INTEGRATION_FIELDS} } } }`,
    {
      i: input,
    },
  );
  if (r.data?.createIntegration?.signingSecret) secretsShown.push(r.data.createIntegration.signingSecret);
  return r;
}

async function createOk(input: Record<string, unknown>) {
  const r = await create(input);
  expect(r.errors).toBeUndefined();
  return r.data.createIntegration.integration as { id: string; state: string };
}

beforeAll(async () => {
  s = await startTestServer({ SWITCHBOARD_WORKER: '0' });
  rec = recordingClient(s);
  admin = (await s.createWorkspace('Acme', 'Europe/Berlin')).adminKey;
  const mk = async (name: string, scopes: string[]) =>
    (
      await rec.gql(
        admin,
        'mutation($n: String!, $s: [ApiScope!]!) { createApiKey(name: $n, scopes: $s) { key apiKey { id name scopes } } }',
        { n: name, s: scopes },
      )
    ).data.createApiKey.key as string;
  readKey = await mk('dashboard', ['READ']);
  ingestKey = await mk('app', ['INGEST']);
  // The pipeline's test call is stubbed so lifecycle tests don't depend on a destination.
  s.app.pipeline.testConnection = async () => testCalls;
});
afterAll(() => s.close());

describe('createIntegration', () => {
  it('creates an outbound webhook with defaults and returns the signing secret once', async () => {
    const r = await create({
      name: '  Orders to CRM ',
      type: 'OUTBOUND_WEBHOOK',
      provider: 'HubSpot',
      destinationUrl: 'https://crm.example/hooks',
      credentials: { token: CREDENTIAL },
      subscribedEventTypes: ['order.created'],
      fieldMapping: { email: '$.customer.email' },
      service: 'orders',
      flow: 'sync',
      owner: 'ops@acme.test',
    });
    expect(r.errors).toBeUndefined();
    const { integration, signingSecret } = r.data.createIntegration;
    expect(signingSecret).toMatch(/^whsec_/);
    expect(integration).toMatchObject({
      name: 'Orders to CRM',
      type: 'OUTBOUND_WEBHOOK',
      provider: 'hubspot',
      providerClass: 'CRM',
      direction: 'OUTBOUND',
      environment: 'PRODUCTION',
      state: 'ACTIVE',
      owner: 'ops@acme.test',
      destinationUrl: 'https://crm.example/hooks',
      subscribedEventTypes: ['order.created'],
      fieldMapping: { email: '$.customer.email' },
      service: 'orders',
      flow: 'sync',
      ingestUrl: null,
      health: { delivered: 0, failed: 0, retrying: 0, successRate: null, consecutiveFailures: 0, rateLimit: null },
      stateHistory: [],
    });
    expect(integration.id).toMatch(/^int_[0-9a-f]{32}$/);
  });

  it('gives INBOUND_WEBHOOK integrations an ingest URL and needs no destination', async () => {
    const r = await create({ name: 'Stripe in', type: 'INBOUND_WEBHOOK', provider: 'stripe', environment: 'TEST' });
    expect(r.errors).toBeUndefined();
    const i = r.data.createIntegration.integration;
    expect(i.ingestUrl).toBe(`${s.url}/ingest/${i.id}`);
    expect(i.environment).toBe('TEST');
    expect(i.direction).toBe('INBOUND');
  });

  it.each([
    [{ name: '', type: 'OUTBOUND_WEBHOOK', provider: 'x', destinationUrl: 'https://a.b' }, /name must not be empty/],
    [{ name: 'x', type: 'OUTBOUND_WEBHOOK', provider: 'x' }, /destinationUrl is required for OUTBOUND_WEBHOOK/],
    [{ name: 'x', type: 'PREBUILT', provider: 'x' }, /destinationUrl is required for PREBUILT/],
    [{ name: 'x', type: 'OUTBOUND_WEBHOOK', provider: 'x', destinationUrl: 'ftp://a.b/c' }, /must use http or https/],
    [{ name: 'x', type: 'OUTBOUND_WEBHOOK', provider: 'x', destinationUrl: 'not a url' }, /absolute http/],
    [{ name: 'x', type: 'OUTBOUND_WEBHOOK', provider: 'x', destinationUrl: 'https://a.b', retrySchedule: [0, -5] }, /non-negative/],
    [
      { name: 'x', type: 'OUTBOUND_WEBHOOK', provider: 'x', destinationUrl: 'https://a.b', retrySchedule: Array(21).fill(1) },
      /at most 20 entries/,
    ],
    [
      { name: 'x', type: 'OUTBOUND_WEBHOOK', provider: 'x', destinationUrl: 'https://a.b', credentials: [1, 2] },
      /credentials must be a JSON object/,
    ],
    [{ name: 'x', type: 'OUTBOUND_WEBHOOK', provider: 'x', destinationUrl: 'https://a.b', destinationMethod: 'BREW' }, /destinationMethod/],
  ])('refuses bad input %# with BAD_USER_INPUT and a clear message', async (input, message) => {
    const before = (await rec.gql(admin, '{ integrations { totalCount } }')).data.integrations.totalCount;
    const r = await create(input);
    expect(codeOf(r)).toBe('BAD_USER_INPUT');
    expect(r.errors?.[0]?.message).toMatch(message);
    expect((await rec.gql(admin, '{ integrations { totalCount } }')).data.integrations.totalCount).toBe(before);
  });
});

describe('updateIntegration and rotateSigningSecret', () => {
  it('updates the given fields only, credentials write-only', async () => {
    const i = await createOk({
      name: 'Upd',
      type: 'CUSTOM_NODE',
      provider: 'generic',
      destinationUrl: 'https://n.example/x',
      service: 'svc',
    });
    const r = await rec.gql(
      admin,
      `mutation($id: ID!, $in: UpdateIntegrationInput!) { updateIntegration(id: $id, input: $in) { integration { name service flow destinationUrl owner subscribedEventTypes } } }`,
      {
        id: i.id,
        in: { name: 'Updated', flow: 'f1', credentials: { apiKey: CREDENTIAL }, subscribedEventTypes: ['a', 'b'], retrySchedule: [0, 1] },
      },
    );
    expect(r.errors).toBeUndefined();
    expect(r.data.updateIntegration.integration).toEqual({
      name: 'Updated',
      service: 'svc',
      flow: 'f1',
      destinationUrl: 'https://n.example/x',
      owner: null,
      subscribedEventTypes: ['a', 'b'],
    });
    const em = s.app.db.orm.em.fork();
    const stored = await em
      .getConnection()
      .execute<{ credentials: string }[]>(`select credentials from integration where name = 'Updated'`);
    // Sealed at rest (AES-256-GCM), and opens to what was given.
    expect(stored[0]?.credentials).toMatch(/^sb1:/);
    expect(stored[0]?.credentials).not.toContain(CREDENTIAL);
    expect(openSecretJson(em as never, stored[0]?.credentials ?? null)).toEqual({ apiKey: CREDENTIAL });
    const bad = await rec.gql(
      admin,
      `mutation($id: ID!) { updateIntegration(id: $id, input: { destinationUrl: null }) { integration { id } } }`,
      { id: i.id },
    );
    expect(codeOf(bad)).toBe('BAD_USER_INPUT');
  });

  it('rotates the signing secret and shows the new one once', async () => {
    const r0 = await create({ name: 'Rot', type: 'INBOUND_WEBHOOK', provider: 'shopify' });
    const first = r0.data.createIntegration.signingSecret;
    const id = r0.data.createIntegration.integration.id;
    const r = await rec.gql(admin, `mutation($id: ID!) { rotateSigningSecret(id: $id) { signingSecret integration { id } } }`, { id });
    secretsShown.push(r.data.rotateSigningSecret.signingSecret);
    expect(r.data.rotateSigningSecret.signingSecret).toMatch(/^whsec_/);
    expect(r.data.rotateSigningSecret.signingSecret).not.toBe(first);
  });
});

describe('lifecycle', () => {
  const call = (m: string, id: string, extra = '') =>
    rec.gql(
      admin,
      `mutation($id: ID!) { ${m}(id: $id${extra}) { integration { state stateReason stateHistory { from to reason actor } } } }`,
      { id },
    );

  it('pause → resume → disconnect → reconnect, each recorded with actor and reason', async () => {
    const i = await createOk({ name: 'Life', type: 'OUTBOUND_WEBHOOK', provider: 'slack', destinationUrl: 'https://hooks.example/s' });
    expect((await call('pauseIntegration', i.id, ', reason: "maintenance"')).data.pauseIntegration.integration.state).toBe('PAUSED');
    expect((await call('resumeIntegration', i.id)).data.resumeIntegration.integration.state).toBe('ACTIVE');
    expect((await call('disconnectIntegration', i.id, ', reason: "contract ended"')).data.disconnectIntegration.integration.state).toBe(
      'DISCONNECTED',
    );
    testCalls = { ok: true, reason: null };
    const r = await call('reconnectIntegration', i.id);
    expect(r.data.reconnectIntegration.integration).toMatchObject({
      state: 'ACTIVE',
      stateHistory: [
        { from: 'ACTIVE', to: 'PAUSED', reason: 'maintenance', actor: 'admin' },
        { from: 'PAUSED', to: 'ACTIVE', reason: null, actor: 'admin' },
        { from: 'ACTIVE', to: 'DISCONNECTED', reason: 'contract ended', actor: 'admin' },
        { from: 'DISCONNECTED', to: 'ACTIVE', reason: null, actor: 'admin' },
      ],
    });
  });

  it('a failed reconnect leaves the state and stores the reason', async () => {
    const i = await createOk({ name: 'Flaky', type: 'PREBUILT', provider: 'salesforce', destinationUrl: 'https://sf.example/api' });
    await call('disconnectIntegration', i.id);
    testCalls = { ok: false, reason: 'HTTP 401 from https://sf.example/api' };
    const r = await rec.gql(
      admin,
      `mutation($id: ID!) { reconnectIntegration(id: $id, credentials: { token: "${CREDENTIAL}" }) { integration { state stateReason stateHistory { from to reason } } } }`,
      {
        id: i.id,
      },
    );
    expect(r.errors).toBeUndefined();
    const got = r.data.reconnectIntegration.integration;
    expect(got.state).toBe('DISCONNECTED');
    expect(got.stateReason).toMatch(/401/);
    expect(got.stateHistory.at(-1)).toMatchObject({ from: 'DISCONNECTED', to: 'DISCONNECTED' });
    testCalls = { ok: true, reason: null };
  });

  it('answers INVALID_TRANSITION naming both states for every invalid transition, and changes nothing', async () => {
    // from state → the actions the state machine refuses there (DESIGN.md table).
    const invalid: Record<string, string[]> = {
      ACTIVE: ['resumeIntegration', 'reconnectIntegration'],
      PAUSED: ['pauseIntegration', 'reconnectIntegration'],
      ERROR: ['resumeIntegration'],
      DISCONNECTED: ['pauseIntegration', 'resumeIntegration', 'disconnectIntegration'],
    };
    const target: Record<string, string> = {
      pauseIntegration: 'PAUSED',
      resumeIntegration: 'ACTIVE',
      reconnectIntegration: 'ACTIVE',
      disconnectIntegration: 'DISCONNECTED',
    };
    for (const [state, actions] of Object.entries(invalid)) {
      const i = await createOk({
        name: `Inv ${state}`,
        type: 'OUTBOUND_WEBHOOK',
        provider: 'generic',
        destinationUrl: 'https://x.example/',
      });
      // Put it in `state` (ERROR only the system enters: set it the way the worker would).
      if (state === 'PAUSED') await call('pauseIntegration', i.id);
      if (state === 'DISCONNECTED') await call('disconnectIntegration', i.id);
      if (state === 'ERROR') {
        await s.app.db.orm.em.fork().getConnection().execute(`update integration set state = 'ERROR' where name = 'Inv ERROR'`);
      }
      for (const action of actions) {
        const before = (
          await rec.gql(admin, `query($id: ID!) { integration(id: $id) { state updatedAt stateHistory { to } } }`, { id: i.id })
        ).data.integration;
        const r = await call(action, i.id);
        expect(codeOf(r), `${action} from ${state}`).toBe('INVALID_TRANSITION');
        expect(r.errors?.[0]?.message).toContain(state);
        expect(r.errors?.[0]?.message).toContain(target[action]);
        const after = (
          await rec.gql(admin, `query($id: ID!) { integration(id: $id) { state updatedAt stateHistory { to } } }`, { id: i.id })
        ).data.integration;
        expect(after).toEqual(before);
      }
    }
  });

  it('publishes integration:state on the live bus after a change', async () => {
    const i = await createOk({ name: 'Bus', type: 'CUSTOM_EVENT', provider: 'generic', destinationUrl: 'https://x.example/' });
    const iter = s.app.live.subscribe('integration:state')[Symbol.asyncIterator]();
    const next = iter.next();
    await call('pauseIntegration', i.id);
    const msg = (await next).value;
    expect(msg).toMatchObject({ state: 'PAUSED', previousState: 'ACTIVE' });
    await iter.return?.();
  });
});

describe('scopes', () => {
  const mutations: [string, (id: string) => string][] = [
    ['createWorkspace', () => 'createWorkspace(name: "x") { adminKey }'],
    ['createApiKey', () => 'createApiKey(name: "k", scopes: [READ]) { key }'],
    ['revokeApiKey', (id) => `revokeApiKey(id: "${id}") { id }`],
    ['createIntegration', () => 'createIntegration(input: { name: "n", type: INBOUND_WEBHOOK, provider: "p" }) { signingSecret }'],
    ['updateIntegration', (id) => `updateIntegration(id: "${id}", input: { name: "hacked" }) { integration { id } }`],
    ['rotateSigningSecret', (id) => `rotateSigningSecret(id: "${id}") { signingSecret }`],
    ['pauseIntegration', (id) => `pauseIntegration(id: "${id}") { integration { id } }`],
    ['resumeIntegration', (id) => `resumeIntegration(id: "${id}") { integration { id } }`],
    ['reconnectIntegration', (id) => `reconnectIntegration(id: "${id}") { integration { id } }`],
    ['disconnectIntegration', (id) => `disconnectIntegration(id: "${id}") { integration { id } }`],
    ['sendTestEvent', (id) => `sendTestEvent(integrationId: "${id}", eventType: "t") { id }`],
    ['replayEvent', () => 'replayEvent(id: "evt_01a20a8db8f477c5bda040ce0fad8f4a") { id }'],
    ['replayEvents', () => 'replayEvents(filter: {}) { count }'],
  ];

  it('a READ key gets FORBIDDEN for every mutation and nothing changes', async () => {
    const i = await createOk({ name: 'Guarded', type: 'OUTBOUND_WEBHOOK', provider: 'generic', destinationUrl: 'https://g.example/' });
    const keyId = (await rec.gql(readKey, '{ currentApiKey { id } }')).data.currentApiKey.id;
    const snapshot = async () =>
      (await rec.gql(admin, `{ integrations(first: 100) { totalCount edges { node { name state updatedAt } } } apiKeys { id revokedAt } }`))
        .data;
    const before = await snapshot();
    for (const [name, make] of mutations) {
      const id = name === 'revokeApiKey' ? keyId : i.id;
      const r = await rec.gql(readKey, `mutation { ${make(id)} }`);
      expect(codeOf(r), name).toBe('FORBIDDEN');
      expect(r.data).toBeNull();
    }
    expect(await snapshot()).toEqual(before);
  });

  it('an INGEST key may send test events but not manage or read', async () => {
    expect(codeOf(await rec.gql(ingestKey, '{ integrations { totalCount } }'))).toBe('FORBIDDEN');
    expect(codeOf(await rec.gql(ingestKey, 'mutation { createApiKey(name: "k", scopes: [ADMIN]) { key } }'))).toBe('FORBIDDEN');
  });

  it('without a key: UNAUTHENTICATED; with a bad key: UNAUTHENTICATED and HTTP 401', async () => {
    expect(codeOf(await rec.gql(null, '{ viewer { id } }'))).toBe('UNAUTHENTICATED');
    const res = await fetch(`${s.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'sbk_00000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' },
      body: JSON.stringify({ query: '{ viewer { id } }' }),
    });
    expect(res.status).toBe(401);
    expect(((await res.json()) as Json).errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });

  it('createWorkspace works with the root key only; the root key has no workspace', async () => {
    expect(codeOf(await rec.gql(admin, 'mutation { createWorkspace(name: "x") { adminKey } }'))).toBe('FORBIDDEN');
    const r = await rec.gql(
      TEST_ROOT_KEY,
      'mutation { createWorkspace(name: "Zed", timezone: "Asia/Kolkata") { adminKey workspace { id name timezone } } }',
    );
    expect(r.data.createWorkspace.workspace).toMatchObject({ name: 'Zed', timezone: 'Asia/Kolkata' });
    expect(codeOf(await rec.gql(TEST_ROOT_KEY, 'mutation { createWorkspace(name: "Bad", timezone: "Mars/Olympus") { adminKey } }'))).toBe(
      'BAD_USER_INPUT',
    );
    expect((await rec.gql(TEST_ROOT_KEY, '{ currentApiKey { id } }')).data.currentApiKey).toBeNull();
    expect(codeOf(await rec.gql(TEST_ROOT_KEY, '{ integrations { totalCount } }'))).toBe('FORBIDDEN');
  });
});

describe('API keys', () => {
  it('creates (key shown once), lists without secrets, revokes (then the key stops working)', async () => {
    const c = await rec.gql(
      admin,
      'mutation { createApiKey(name: "partner", scopes: [READ, INGEST]) { key apiKey { id name prefix scopes revokedAt } } }',
    );
    const { key, apiKey } = c.data.createApiKey;
    secretsShown.push(key);
    expect(apiKey).toMatchObject({ name: 'partner', scopes: ['READ', 'INGEST'], revokedAt: null });
    expect(key.startsWith(apiKey.prefix)).toBe(true);
    expect((await rec.gql(key, '{ viewer { name } currentApiKey { name lastUsedAt } }')).data).toMatchObject({
      viewer: { name: 'Acme' },
      currentApiKey: { name: 'partner' },
    });
    const list = (await rec.gql(admin, '{ apiKeys { id name prefix scopes createdAt lastUsedAt revokedAt } }')).data.apiKeys;
    expect(list.map((k: { name: string }) => k.name)).toEqual(expect.arrayContaining(['admin', 'dashboard', 'app', 'partner']));
    const rv = await rec.gql(admin, `mutation($id: ID!) { revokeApiKey(id: $id) { id revokedAt } }`, { id: apiKey.id });
    expect(rv.data.revokeApiKey.revokedAt).not.toBeNull();
    expect(codeOf(await rec.gql(key, '{ viewer { name } }'))).toBe('UNAUTHENTICATED');
    expect(codeOf(await rec.gql(admin, 'mutation { createApiKey(name: "none", scopes: []) { key } }'))).toBe('BAD_USER_INPUT');
  });
});

describe('limits', () => {
  it('refuses first > 100 and first < 1 with BAD_USER_INPUT, and a bad cursor', async () => {
    expect(codeOf(await rec.gql(admin, '{ integrations(first: 101) { totalCount } }'))).toBe('BAD_USER_INPUT');
    expect(codeOf(await rec.gql(admin, '{ events(first: 0) { edges { cursor } } }'))).toBe('BAD_USER_INPUT');
    expect(codeOf(await rec.gql(admin, '{ events(after: "garbage") { edges { cursor } } }'))).toBe('BAD_USER_INPUT');
  });

  it('refuses a query that is too deep or too expensive with a clear error', async () => {
    let deep = 'id';
    for (let k = 0; k < 8; k++) deep = `events(first: 1) { edges { node { integration { ${deep} } } } }`;
    const r = await rec.gql(admin, `{ integrations(first: 1) { edges { node { ${deep} } } } }`);
    expect(codeOf(r)).toBe('BAD_USER_INPUT');
    expect(r.errors?.[0]?.message).toMatch(/too (deep|expensive)/);
    const costly = await rec.gql(
      admin,
      '{ integrations(first: 100) { edges { node { events(first: 100) { edges { node { attempts { id request { headers { name } } } } } } } } } }',
    );
    expect(codeOf(costly)).toBe('BAD_USER_INPUT');
    expect(costly.errors?.[0]?.message).toMatch(/too expensive/);
  });
});

describe('errorCatalog', () => {
  it('lists remediations per code and type', async () => {
    const all = (await rec.gql(readKey, '{ errorCatalog { code type applicable } }')).data.errorCatalog;
    expect(all.length % 5).toBe(0);
    const one = (
      await rec.gql(readKey, '{ errorCatalog(code: "401", type: PREBUILT) { code label category type applicable retryable guidance } }')
    ).data.errorCatalog;
    expect(one).toEqual([expect.objectContaining({ code: '401', category: 'AUTH', type: 'PREBUILT', applicable: true, retryable: false })]);
    expect((await rec.gql(readKey, '{ errorCatalog(code: "nope") { code } }')).data.errorCatalog).toEqual([]);
  });
});

describe('no secret ever leaves', () => {
  it('credentials never appear; signing secrets and keys only in their own create/rotate responses', () => {
    expect(secretsShown.length).toBeGreaterThan(3);
    for (const { query, text } of rec.responses) {
      expect(text.includes(CREDENTIAL), query).toBe(false);
      const own = /createIntegration|rotateSigningSecret|createApiKey|createWorkspace/.test(query);
      if (own) continue;
      for (const secret of secretsShown) expect(text.includes(secret), query).toBe(false);
    }
  });
});
