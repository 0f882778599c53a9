// The console in Chromium with the delivery worker running: real publishes to a loopback destination
// that answers 500, lifecycle actions from the integration page, and what the open pages show live.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey, gqlOk, launchChromium, openConsole, screenshot, startConsoleServer, waitForLive } from '../helpers/browser.ts';
import { type Receiver, startReceiver, waitFor } from '../helpers/pipeline.ts';
import type { TestServer } from '../helpers/server.ts';

const CREDENTIAL_TOKEN = 'crm_live_token_do_not_leak_7f3a9c';

let server: TestServer;
let receiver: Receiver;
let browser: Browser;
let adminKey: string;
let ingestKey: string;
let integrationId: string;

beforeAll(async () => {
  receiver = await startReceiver();
  receiver.handle = (_req, res) => {
    res.writeHead(500, {
      'content-type': 'application/json',
      'set-cookie': 'upstream_session=abc123; HttpOnly',
      'x-ratelimit-remaining': '7',
    });
    res.end(JSON.stringify({ error: 'upstream exploded' }));
  };
  server = await startConsoleServer({ SWITCHBOARD_API_RATE_LIMIT: '0', SWITCHBOARD_WORKER_POLL_MS: '100' });
  const ws = await server.createWorkspace('Live Co', 'UTC');
  adminKey = ws.adminKey;
  ingestKey = await createKey(server, adminKey, 'app publisher', ['INGEST']);
  const created = await gqlOk<{ createIntegration: { integration: { id: string } } }>(
    server,
    adminKey,
    `mutation($input: CreateIntegrationInput!) { createIntegration(input: $input) { integration { id } } }`,
    {
      input: {
        name: 'Orders to CRM',
        type: 'OUTBOUND_WEBHOOK',
        provider: 'hubspot',
        destinationUrl: `${receiver.url}/crm/orders`,
        credentials: { token: CREDENTIAL_TOKEN },
        subscribedEventTypes: ['order.created'],
        // One attempt: a 500 makes the event FAILED at once.
        retrySchedule: [0],
        service: 'orders',
        flow: 'order-sync',
      },
    },
  );
  integrationId = created.createIntegration.integration.id;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await receiver?.close();
});

async function publish(orderId: string): Promise<string> {
  const res = await fetch(`${server.url}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ingestKey}` },
    body: JSON.stringify({ eventType: 'order.created', payload: { id: orderId, total: 42.5 }, sourceRecordId: orderId }),
  });
  expect(res.status).toBe(202);
  const body = (await res.json()) as { events: { id: string; integrationId: string }[] };
  expect(body.events).toHaveLength(1);
  return (body.events[0] as { id: string }).id;
}

const stateQuery = 'query($id: ID!) { integration(id: $id) { state stateHistory { to actor reason } } }';

describe('lifecycle from the integration page', () => {
  it('pauses through the page (the API agrees) and shows a state changed elsewhere without a reload', async () => {
    const { page, context, errors } = await openConsole(browser, server.url, adminKey);
    try {
      await page.goto(`/integrations/${integrationId}`);
      const badge = page.locator('h1 [data-state]');
      await expect.poll(() => badge.getAttribute('data-state')).toBe('ACTIVE');
      await waitForLive(page);
      let loads = 0;
      page.on('load', () => loads++);

      await page.getByRole('button', { name: 'Pause', exact: true }).click();
      await expect.poll(() => badge.getAttribute('data-state'), { timeout: 15_000 }).toBe('PAUSED');
      const paused = await gqlOk<{ integration: { state: string; stateHistory: { to: string; actor: string }[] } }>(
        server,
        adminKey,
        stateQuery,
        {
          id: integrationId,
        },
      );
      expect(paused.integration.state).toBe('PAUSED');
      expect(paused.integration.stateHistory.at(-1)).toMatchObject({ to: 'PAUSED', actor: 'admin' });
      // The state machine: from PAUSED only Resume and Disconnect are possible.
      expect(await page.locator('[data-action="pause"]').isDisabled()).toBe(true);
      expect(await page.locator('[data-action="resume"]').isEnabled()).toBe(true);
      await screenshot(page, 'integration-paused');

      // Another operator resumes it through the API: the open page follows over graphql-ws.
      await gqlOk(server, adminKey, 'mutation($id: ID!) { resumeIntegration(id: $id) { integration { state } } }', { id: integrationId });
      await expect.poll(() => badge.getAttribute('data-state'), { timeout: 15_000 }).toBe('ACTIVE');
      expect(loads).toBe(0);

      // The list shows the same state.
      await page.goto('/integrations');
      await expect
        .poll(() => page.locator(`tr[data-integration-id="${integrationId}"] [data-state]`).getAttribute('data-state'))
        .toBe('ACTIVE');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});

describe('live failures', () => {
  it('a failure from a real publish shows up in the open dashboard without a reload', async () => {
    const { page, context, errors } = await openConsole(browser, server.url, adminKey);
    try {
      await page.getByTestId('total-failed').waitFor();
      await waitForLive(page);
      const before = Number((await page.getByTestId('total-failed').textContent())?.replace(/\D/g, ''));
      let loads = 0;
      page.on('load', () => loads++);

      const eventId = await publish('ord_live_1');
      await waitFor(() => receiver.requests.length > 0, 20_000, 'the delivery to the destination');

      const toast = page.getByRole('region', { name: 'Notifications' }).getByText('Delivery failed: Orders to CRM');
      await toast.waitFor({ timeout: 20_000 });
      await expect.poll(() => page.getByRole('link', { name: /^1 failed$/ }).count(), { timeout: 20_000 }).toBe(1);
      await expect
        .poll(async () => Number((await page.getByTestId('total-failed').textContent())?.replace(/\D/g, '')), { timeout: 20_000 })
        .toBe(before + 1);
      expect(loads).toBe(0);
      await screenshot(page, 'overview-live-failure');

      // The toast links to the failed event.
      await page.getByRole('region', { name: 'Notifications' }).getByRole('link').first().click();
      await page.waitForURL((u) => u.pathname === `/events/${eventId}`);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("shows the attempt's recorded request and response headers, secrets redacted", async () => {
    const eventId = await publish('ord_live_2');
    const stored = await waitFor(
      async () => {
        const r = await gqlOk<{
          event: {
            status: string;
            attempts: {
              request: { headers: { name: string; value: string }[] };
              response: { headers: { name: string; value: string }[] } | null;
            }[];
          };
        }>(
          server,
          adminKey,
          'query($id: ID!) { event(id: $id) { status attempts { request { headers { name value } } response { headers { name value } } } } }',
          { id: eventId },
        );
        return r.event.status === 'FAILED' ? r.event : null;
      },
      20_000,
      'the event to fail',
    );
    const attempt = stored.attempts[0];
    const header = (list: { name: string; value: string }[] | undefined, name: string) =>
      list?.find((h) => h.name.toLowerCase() === name)?.value;
    // What the API stored: the secrets are gone before anything was written.
    expect(header(attempt?.request.headers, 'authorization')).toBe('[redacted]');
    expect(header(attempt?.request.headers, 'webhook-signature')).toBe('[redacted]');
    expect(header(attempt?.response?.headers, 'set-cookie')).toBe('[redacted]');
    // ... while the destination did get them.
    const sent = receiver.requests.find((r) => r.body.includes('ord_live_2'));
    expect(sent?.headers.authorization).toBe(`Bearer ${CREDENTIAL_TOKEN}`);

    const { page, context, errors } = await openConsole(browser, server.url, adminKey);
    try {
      await page.goto(`/events/${eventId}`);
      const request = page.getByRole('region', { name: 'Request' });
      const response = page.getByRole('region', { name: 'Response' });
      await request.waitFor();
      const row = (panel: typeof request, name: string) =>
        panel.locator('tr').filter({ has: page.locator('th', { hasText: new RegExp(`^${name}$`) }) });
      expect((await row(request, 'authorization').locator('td').textContent())?.trim()).toBe('[redacted]');
      expect((await row(request, 'webhook-signature').locator('td').textContent())?.trim()).toBe('[redacted]');
      expect((await row(request, 'x-event-type').locator('td').textContent())?.trim()).toBe('order.created');
      expect((await row(response, 'set-cookie').locator('td').textContent())?.trim()).toBe('[redacted]');
      expect((await row(response, 'x-ratelimit-remaining').locator('td').textContent())?.trim()).toBe('7');
      await expect.poll(() => response.locator('[data-status-code]').getAttribute('data-status-code')).toBe('500');
      expect(await response.textContent()).toContain('upstream exploded');
      expect(await request.textContent()).toContain('ord_live_2');
      const html = await page.content();
      expect(html).not.toContain(CREDENTIAL_TOKEN);
      expect(html).not.toContain('abc123');
      await screenshot(page, 'event-detail-live');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
