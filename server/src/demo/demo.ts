// SWITCHBOARD_DEMO=1: on the first start with an empty database, a "Demo" workspace with the
// generator's integrations (all five types, every provider class) pointing at simulated providers
// on loopback, 60 days of history (twice the console's longest preset, so every preset's previous period
// is full and its comparison means something), and its admin key printed and kept in the data folder (so
// GET /v1/demo can hand it to the console's sign-in page after restarts). Then live traffic: signed
// webhooks into the inbound integrations and published events fanning out to the outbound ones, a
// few per second, while the providers misbehave now and then (bursts of 5xx, 429s, slow answers,
// hangs, a credential that expires so an integration falls into ERROR until it is reconnected).
import { createHmac } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  createApiKey,
  createIntegration,
  createWorkspace,
  type Database,
  encodeId,
  type EntityManager,
  generateDemoData,
  openSecret,
  queryRows,
  sealStoredSecrets,
} from '@switchboard/db';
import type { Config } from '../config.ts';
import { sendError, sendJson } from '../http/respond.ts';
import type { Router } from '../http/router.ts';
import type { Logger } from '../logger.ts';
import { type SimulatedProviders, startSimulatedProviders } from './providers.ts';

/** Twice the console's longest preset period (30 days); events past the 30-day retention go, their rollups stay. */
export const DEMO_HISTORY_DAYS = 60;
const ALERT_CHANNEL = 'Slack #ops-alerts';

interface DemoState {
  workspaceId: string;
  adminKey: string;
  ingestKey: string;
}

interface DemoIntegration {
  id: string;
  type: string;
  provider: string;
  signing_secret: string;
  subscribed_event_types: string[];
}

export interface Demo {
  start(baseUrl: string): Promise<void>;
  stop(): Promise<void>;
}

export function createDemo(deps: { config: Config; db: Database; logger: Logger; router: Router }): Demo {
  const { config, db, logger, router } = deps;
  const stateFile = path.join(config.dataDir, 'demo.json');
  const em = () => db.orm.em.fork() as EntityManager;
  let state: DemoState | null = readState(stateFile);
  let providers: SimulatedProviders | undefined;
  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;

  router.add('GET', '/v1/demo', (_req, res) => {
    if (!state) return sendError(res, 404, 'NOT_FOUND', 'No demo workspace on this server');
    sendJson(res, 200, { adminKey: state.adminKey });
  });

  const every = (minMs: number, maxMs: number, f: () => void | Promise<void>) => {
    const schedule = () => {
      if (stopped) return;
      const t = setTimeout(
        async () => {
          timers.delete(t);
          try {
            await f();
          } catch (err) {
            logger.debug({ err: (err as Error).message }, 'demo: step failed');
          }
          schedule();
        },
        minMs + Math.random() * (maxMs - minMs),
      );
      timers.add(t);
    };
    schedule();
  };

  return {
    async start(baseUrl: string) {
      providers = await startSimulatedProviders({ hangMs: config.httpTimeoutMs + 5000 });
      const [{ n: workspaces } = { n: 0 }] = await queryRows<{ n: number }>(em(), 'select count(*)::int as n from workspace');
      const consoleUrl = config.publicUrl ?? baseUrl;
      if (workspaces === 0) {
        const fork = em();
        const { workspace, adminKey } = await createWorkspace(fork, 'Demo');
        const { key: ingestKey } = createApiKey(fork, workspace, 'demo traffic', ['INGEST']);
        await fork.flush();
        state = { workspaceId: workspace.id, adminKey, ingestKey };
        mkdirSync(path.dirname(stateFile), { recursive: true });
        writeFileSync(stateFile, JSON.stringify(state, null, 2), { mode: 0o600 });
        logger.info({ events: config.demoEvents, days: DEMO_HISTORY_DAYS }, 'demo: generating history');
        const result = await generateDemoData({
          url: db.url,
          workspaceId: workspace.id,
          events: config.demoEvents,
          days: DEMO_HISTORY_DAYS,
          destinationBaseUrl: providers.url,
          progress: false,
          connections: db.kind === 'embedded' ? 1 : 2,
        });
        // The generator writes integrations with plain SQL: seal their credentials and secrets at once.
        await sealStoredSecrets(em());
        logger.info({ events: result.events, attempts: result.attempts, ms: result.ms }, 'demo: history generated');
        // The banner is for the person who just ran `start`: the key is shown here once, on purpose.
        console.log(
          [
            '',
            '  Switchboard demo is ready.',
            `  Console:   ${consoleUrl}`,
            `  Admin key: ${adminKey}`,
            '  (the sign-in page offers this key too while demo mode is on)',
            '',
          ].join('\n'),
        );
      } else if (state) {
        // Providers listen on a new port each start: point the demo integrations at it.
        await queryRows(
          em(),
          `update integration set destination_url = regexp_replace(destination_url, '^http://127\\.0\\.0\\.1:[0-9]+', $2)
           where workspace_id = $1 and destination_url like 'http://127.0.0.1:%'`,
          [state.workspaceId, providers.url],
        );
        console.log(`\n  Switchboard demo: ${consoleUrl} (the sign-in page offers the demo admin key)\n`);
      } else {
        logger.warn({ stateFile }, 'demo: the database already has workspaces and no demo state was found; no live demo traffic');
        return;
      }
      await ensureAlertChannel((state as DemoState).workspaceId, providers.url);
      startTraffic(baseUrl, state as DemoState);
    },
    async stop() {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      await providers?.close();
    },
  };

  /**
   * A Slack-like channel subscribed to incident notifications: an outbound webhook whose field mapping
   * builds Slack's `{"text": …}` from the notification (see README, "Incidents").
   */
  async function ensureAlertChannel(workspaceId: string, providersUrl: string): Promise<void> {
    const fork = em();
    const [existing] = await queryRows<{ id: string }>(fork, `select id from integration where workspace_id = $1 and name = $2`, [
      workspaceId,
      ALERT_CHANNEL,
    ]);
    if (existing) return;
    createIntegration(fork, workspaceId, {
      name: ALERT_CHANNEL,
      type: 'OUTBOUND_WEBHOOK',
      provider: 'slack',
      owner: 'ops@acme.test',
      destinationUrl: `${providersUrl}/slack/services/T000/B000/ops-alerts`,
      subscribedEventTypes: ['switchboard.incident.opened', 'switchboard.incident.acknowledged', 'switchboard.incident.resolved'],
      fieldMapping: { text: '{{$.text}}' },
      service: 'alerting',
      flow: 'incident-notifications',
    });
    await fork.flush();
  }

  function startTraffic(baseUrl: string, demo: DemoState): void {
    let integrations: DemoIntegration[] = [];
    const refresh = async () => {
      const m = em();
      integrations = (
        await queryRows<DemoIntegration>(
          m,
          `select id, type, provider, signing_secret, subscribed_event_types from integration where workspace_id = $1 and state <> 'DISCONNECTED'`,
          [demo.workspaceId],
        )
      ).map((i) => ({ ...i, signing_secret: openSecret(m, i.signing_secret) }));
    };
    const perTickMs = 1000 / config.demoRate;
    let n = 0;
    const tick = async () => {
      if (integrations.length === 0) await refresh();
      const integration = integrations[(Math.random() * integrations.length) | 0];
      if (!integration) return;
      const types = integration.subscribed_event_types.length ? integration.subscribed_event_types : ['record.updated'];
      const type = types[(Math.random() * types.length) | 0] as string;
      const payload = samplePayload(integration.provider, type, ++n);
      if (integration.type === 'INBOUND_WEBHOOK') {
        const body = JSON.stringify(payload);
        const id = `msg_${Date.now().toString(36)}_${n}`;
        const ts = Math.floor(Date.now() / 1000);
        const key = Buffer.from(integration.signing_secret.replace(/^whsec_/, ''), 'base64');
        const signature = createHmac('sha256', key).update(`${id}.${ts}.${body}`).digest('base64');
        await fetch(`${baseUrl}/ingest/${encodeId('Integration', integration.id)}`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'webhook-id': id,
            'webhook-timestamp': String(ts),
            'webhook-signature': `v1,${signature}`,
          },
          body,
        });
      } else {
        await fetch(`${baseUrl}/v1/events`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${demo.ingestKey}` },
          body: JSON.stringify({ eventType: type, payload, sourceRecordId: payload.id, source: Math.random() < 0.7 ? 'USER' : 'SYSTEM' }),
        });
      }
    };
    every(perTickMs * 0.5, perTickMs * 1.5, tick);
    every(30_000, 30_000, refresh);
    // Incidents: a burst of 5xx somewhere every few minutes; the CRM credential expires now and then.
    every(150_000, 360_000, () => providers?.burst(undefined, 15_000 + Math.random() * 30_000));
    every(120_000, 900_000, () => {
      const p = providers?.expireCredential();
      if (p) logger.info({ provider: p }, 'demo: a provider credential expired (reconnect the integration to fix it)');
    });
    // So a newcomer sees incidents within minutes: a few minutes of 503s at the CRM soon after start (a
    // failure spike), a credential expiring (ALL_FAILING once it has lasted 10 min), and a daily quota
    // squeezed to ~1% (rate-limit headroom), again every half hour or so.
    once(45_000, () => providers?.burst('hubspot', 4 * 60_000));
    once(90_000, () => {
      const p = providers?.expireCredential();
      if (p) logger.info({ provider: p }, 'demo: a provider credential expired (reconnect the integration to fix it)');
    });
    once(60_000, () => providers?.squeeze('gohighlevel', 20 * 60_000));
    every(30 * 60_000, 40 * 60_000, () => providers?.squeeze('gohighlevel', 20 * 60_000));
  }

  function once(ms: number, f: () => void): void {
    const t = setTimeout(() => {
      timers.delete(t);
      if (!stopped) f();
    }, ms);
    timers.add(t);
  }
}

function readState(file: string): DemoState | null {
  try {
    const s = JSON.parse(readFileSync(file, 'utf8')) as DemoState;
    return s.adminKey && s.workspaceId && s.ingestKey ? s : null;
  } catch {
    return null;
  }
}

/** A plausible payload for an event type, shaped `{ id, type, data }` as the demo mappings expect. */
function samplePayload(provider: string, type: string, n: number): { id: string; type: string; data: Record<string, unknown> } {
  const rid = `${provider.slice(0, 3)}_${Date.now().toString(36)}${n}`;
  const amount = Math.round(1000 + Math.random() * 50_000);
  const email = `customer${(Math.random() * 5000) | 0}@example.com`;
  const data: Record<string, unknown> =
    provider === 'stripe' || provider === 'paypal'
      ? { object: { id: `pi_${rid}`, amount, currency: 'eur', customer: email } }
      : provider === 'shopify' || provider === 'woocommerce'
        ? { order: { id: rid, total: amount / 100, currency: 'EUR', email, items: 1 + ((Math.random() * 4) | 0) } }
        : provider === 'slack'
          ? { text: `Alert: ${type}`, channel: '#alerts' }
          : { contact: { email, firstName: 'Alex', lifecycle: 'lead' }, owner: 'sales@acme.test' };
  return { id: rid, type, data };
}
