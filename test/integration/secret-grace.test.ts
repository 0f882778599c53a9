// Rotating a signing secret without downtime: during the grace window the replaced secret still
// verifies inbound webhooks, and outbound requests carry both signatures, so a receiver using the
// official `standardwebhooks` package verifies with either secret; after the window (or with
// graceSeconds: 0) only the new one works. The previous secret is sealed at rest like the current one:
// not in a pg_dump, not in any API answer.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Receiver, sql, standardHeaders, startReceiver, waitFor } from '../helpers/pipeline.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const run = promisify(execFile);

let server: TestServer;
let receiver: Receiver;
let adminKey: string;
let ingestKey: string;

beforeAll(async () => {
  server = await startTestServer({ SWITCHBOARD_WORKER_POLL_MS: '20' });
  receiver = await startReceiver();
  ({ adminKey } = await server.createWorkspace('Rotation'));
  const key = await server.gql<{ createApiKey: { key: string } }>(
    adminKey,
    'mutation { createApiKey(name: "pub", scopes: [INGEST]) { key } }',
  );
  ingestKey = key.data?.createApiKey.key as string;
});
afterAll(async () => {
  await server?.close();
  await receiver?.close();
});

type Rotated = { rotateSigningSecret: { signingSecret: string; integration: { previousSecretExpiresAt: string | null } } };
const ROTATE = `mutation($id: ID!, $grace: Int) { rotateSigningSecret(id: $id, graceSeconds: $grace) {
  signingSecret integration { previousSecretExpiresAt } } }`;

async function create(input: Record<string, unknown>): Promise<{ id: string; secret: string }> {
  const r = await server.gql<{ createIntegration: { integration: { id: string }; signingSecret: string } }>(
    adminKey,
    'mutation($input: CreateIntegrationInput!) { createIntegration(input: $input) { integration { id } signingSecret } }',
    { input },
  );
  expect(r.errors).toBeUndefined();
  return { id: r.data?.createIntegration.integration.id as string, secret: r.data?.createIntegration.signingSecret as string };
}

async function rotate(id: string, grace?: number): Promise<{ secret: string; expiresAt: string | null }> {
  const r = await server.gql<Rotated>(adminKey, ROTATE, { id, grace });
  expect(r.errors).toBeUndefined();
  const p = r.data?.rotateSigningSecret as Rotated['rotateSigningSecret'];
  return { secret: p.signingSecret, expiresAt: p.integration.previousSecretExpiresAt };
}

/** Whether the official library accepts a received request with this secret. */
function verifies(secret: string, req: { headers: Record<string, unknown>; body: string }): boolean {
  try {
    new Webhook(secret).verify(req.body, req.headers as Record<string, string>);
    return true;
  } catch {
    return false;
  }
}

describe('rotateSigningSecret with a grace window', () => {
  it('inbound: old and new secrets both verify during the window, only the new one after it', async () => {
    const { id, secret: oldSecret } = await create({ name: 'Stripe in', type: 'INBOUND_WEBHOOK', provider: 'stripe' });
    const send = (secret: string) => {
      const body = JSON.stringify({ type: 'invoice.paid', n: Math.random() });
      return fetch(`${server.url}/ingest/${id}`, { method: 'POST', headers: standardHeaders(secret, body), body });
    };
    expect((await send(oldSecret)).status).toBe(202);
    const before = Date.now();
    const { secret: newSecret, expiresAt } = await rotate(id, 2);
    expect(newSecret).not.toBe(oldSecret);
    const until = Date.parse(expiresAt as string);
    expect(until).toBeGreaterThanOrEqual(before + 2000 - 1000);
    expect((await send(oldSecret)).status).toBe(202);
    expect((await send(newSecret)).status).toBe(202);
    // Past the window (the ingest cache holds the expiry and checks it at use): only the new secret.
    await new Promise((r) => setTimeout(r, Math.max(0, until - Date.now() + 50)));
    expect((await send(oldSecret)).status).toBe(401);
    expect((await send(newSecret)).status).toBe(202);
    const after = await server.gql<{ integration: { previousSecretExpiresAt: string | null } }>(
      adminKey,
      'query($id: ID!) { integration(id: $id) { previousSecretExpiresAt } }',
      { id },
    );
    expect(after.data?.integration.previousSecretExpiresAt).toBeNull();
  });

  it('outbound: requests carry both signatures during the window (the official library verifies either), one after', async () => {
    const { id, secret: oldSecret } = await create({
      name: 'CRM out',
      type: 'OUTBOUND_WEBHOOK',
      provider: 'hubspot',
      destinationUrl: `${receiver.url}/rotating`,
      subscribedEventTypes: ['contact.rotated'],
    });
    const publishAndReceive = async (n: number) => {
      const seen = receiver.requests.length;
      const r = await fetch(`${server.url}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${ingestKey}` },
        body: JSON.stringify({ eventType: 'contact.rotated', payload: { n } }),
      });
      expect(r.status).toBe(202);
      return waitFor(
        () => receiver.requests.slice(seen).find((q) => q.url === '/rotating' && JSON.parse(q.body).n === n),
        10_000,
        `delivery ${n}`,
      );
    };
    const first = await publishAndReceive(1);
    expect(verifies(oldSecret, first)).toBe(true);
    const { secret: newSecret, expiresAt } = await rotate(id, 3);
    const during = await publishAndReceive(2);
    expect(String(during.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(verifies(oldSecret, during)).toBe(true);
    expect(verifies(newSecret, during)).toBe(true);
    await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(expiresAt as string) - Date.now() + 50)));
    const after = await publishAndReceive(3);
    expect(String(after.headers['webhook-signature']).split(' ')).toHaveLength(1);
    expect(verifies(newSecret, after)).toBe(true);
    expect(verifies(oldSecret, after)).toBe(false);
  });

  it('defaults to 24 hours; graceSeconds 0 and endSigningSecretGrace end it at once; bad values are refused', async () => {
    const { id, secret: s0 } = await create({ name: 'Shopify in', type: 'INBOUND_WEBHOOK', provider: 'shopify' });
    const send = (secret: string) => {
      const body = JSON.stringify({ type: 'order.paid', n: Math.random() });
      return fetch(`${server.url}/ingest/${id}`, { method: 'POST', headers: standardHeaders(secret, body), body });
    };
    const before = Date.now();
    const { secret: s1, expiresAt } = await rotate(id);
    const until = Date.parse(expiresAt as string);
    expect(until - before).toBeGreaterThan(24 * 3600_000 - 60_000);
    expect(until - before).toBeLessThanOrEqual(24 * 3600_000 + 60_000);
    expect((await send(s0)).status).toBe(202);
    // Ending the window: the mutation tells the ingest cache, so the old secret is refused on the next request.
    const ended = await server.gql<{ endSigningSecretGrace: { integration: { previousSecretExpiresAt: string | null } } }>(
      adminKey,
      'mutation($id: ID!) { endSigningSecretGrace(id: $id) { integration { previousSecretExpiresAt } } }',
      { id },
    );
    expect(ended.data?.endSigningSecretGrace.integration.previousSecretExpiresAt).toBeNull();
    await waitFor(async () => (await send(s0)).status === 401, 5_000, 'the old secret refused');
    expect((await send(s1)).status).toBe(202);
    // graceSeconds: 0 is the old behaviour: the replaced secret stops verifying at once.
    const { secret: s2, expiresAt: none } = await rotate(id, 0);
    expect(none).toBeNull();
    await waitFor(async () => (await send(s1)).status === 401, 5_000, 'the replaced secret refused');
    expect((await send(s2)).status).toBe(202);
    for (const grace of [-1, 31 * 24 * 3600]) {
      const bad = await server.gql(adminKey, ROTATE, { id, grace });
      expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
  });

  it('the previous secret is sealed at rest and never returned: not in a pg_dump, not in an API answer', async () => {
    const { id, secret: oldSecret } = await create({ name: 'Sealed', type: 'INBOUND_WEBHOOK', provider: 'generic' });
    const { secret: newSecret } = await rotate(id, 3600);
    const rows = await sql<{ previous_signing_secret: string }>(
      server,
      'select previous_signing_secret from integration where previous_signing_secret is not null',
    );
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) expect(r.previous_signing_secret).toMatch(/^sb1:/);
    const dump = (await run('pg_dump', ['--data-only', '--no-owner', server.testDb.url], { maxBuffer: 256 * 1024 * 1024 })).stdout;
    const read = await server.gql(
      adminKey,
      '{ integrations(first: 50) { edges { node { id name previousSecretExpiresAt stateReason retrySchedule } } } }',
    );
    const text = JSON.stringify(read);
    for (const secret of [oldSecret, newSecret]) {
      for (const form of [secret, secret.slice('whsec_'.length)]) {
        expect(dump.includes(form), 'pg_dump').toBe(false);
        expect(text.includes(form), 'API').toBe(false);
      }
    }
  });
});
