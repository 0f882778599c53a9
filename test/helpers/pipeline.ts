// Fixtures for the pipeline tests: a workspace with keys and integrations made directly with the
// ORM, loopback HTTP receivers that record what they get, independent webhook signing (node:crypto,
// not the server's code), and polling.
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createApiKey,
  createWorkspace,
  defaultRetrySchedule,
  directionOf,
  encodeId,
  generateSigningSecret,
  Integration,
  type IntegrationType,
  providerClassOf,
} from '@switchboard/db';
import type { TestServer } from './server.ts';

export interface Workspace {
  workspaceId: string;
  adminKey: string;
  ingestKey: string;
}

export async function seedWorkspace(server: TestServer, name = 'Acme'): Promise<Workspace> {
  const em = server.app.db.orm.em.fork();
  const { workspace, adminKey } = await createWorkspace(em, name);
  const { key: ingestKey } = createApiKey(em, workspace, 'ingest', ['INGEST']);
  await em.flush();
  return { workspaceId: workspace.id, adminKey, ingestKey };
}

export type IntegrationFields = Partial<Omit<Integration, 'workspace' | 'type' | 'stateChanges'>> & { type: IntegrationType };

export async function addIntegration(
  server: TestServer,
  workspaceId: string,
  fields: IntegrationFields,
): Promise<Integration & { publicId: string }> {
  const em = server.app.db.orm.em.fork();
  const provider = fields.provider ?? 'generic';
  const integration = em.create(Integration, {
    name: `${fields.type} ${Math.random().toString(36).slice(2, 7)}`,
    provider,
    providerClass: providerClassOf(provider),
    direction: directionOf(fields.type),
    signingSecret: generateSigningSecret(),
    retrySchedule: defaultRetrySchedule(),
    ...fields,
    workspace: workspaceId,
  } as never) as Integration;
  await em.flush();
  // As the API's mutations do: the server's caches of integration settings forget the workspace's.
  server.app.live.publish('integration:changed', { workspaceId, integrationId: integration.id });
  return Object.assign(integration, { publicId: encodeId('Integration', integration.id) });
}

/** Changes an integration's lifecycle state the way the API does (state machine + recorded change), and tells the live bus. */
export async function transition(
  server: TestServer,
  integrationId: string,
  action: 'pause' | 'resume' | 'disconnect' | 'reconnect',
): Promise<void> {
  const em = server.app.db.orm.em.fork();
  const integration = await em.findOneOrFail(Integration, integrationId);
  const from = integration.state;
  integration.transition(action, 'test');
  await em.flush();
  server.app.live.publish('integration:state', {
    workspaceId: integration.workspace.id,
    integrationId,
    state: integration.state,
    previousState: from,
    at: new Date().toISOString(),
  });
}

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

export interface Receiver {
  url: string;
  requests: ReceivedRequest[];
  handle: (req: ReceivedRequest, res: ServerResponse) => void;
  close(): Promise<void>;
}

/** A loopback HTTP server recording every request; answers 200 `{"id": "rec_<n>"}` unless `handle` is replaced. */
export async function startReceiver(): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const receiver: Receiver = {
    url: '',
    requests,
    handle: (_r, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: `rec_${requests.length}` }));
    },
    close: async () => {},
  };
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
      };
      requests.push(r);
      receiver.handle(r, res);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  receiver.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return receiver;
}

/** Standard Webhooks signature, written here with node:crypto (independently of the server's implementation). */
export function standardSignature(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

export function standardHeaders(
  secret: string,
  body: string,
  id = `msg_${Math.random().toString(36).slice(2)}`,
  timestamp = Math.floor(Date.now() / 1000),
) {
  return {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': standardSignature(secret, id, timestamp, body),
  };
}

export async function waitFor<T>(
  fn: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  timeoutMs = 15_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export async function sql<T = Record<string, unknown>>(server: TestServer, text: string, params: unknown[] = []): Promise<T[]> {
  const { queryRows } = await import('@switchboard/db');
  return queryRows<T>(server.app.db.orm.em.fork(), text, params);
}
