// The console leads with incidents: the overview's banner names the open ones and the worst; one
// click opens it (summary with numbers, likely cause, the catalog's remedy, timeline, affected
// integrations, sample events), a second click opens a failing event's request and response — two
// clicks from the overview. ADMIN acknowledges it on the page and every open page hears it live;
// a READ key sees no actions.
import { decodeIdOf } from '@switchboard/db';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey, launchChromium, openConsole, screenshot, startConsoleServer } from '../helpers/browser.ts';
import { addIntegration } from '../helpers/pipeline.ts';
import { seedEvents } from '../helpers/seed-events.ts';
import type { TestServer } from '../helpers/server.ts';

let server: TestServer;
let browser: Browser;
let adminKey: string;
let readKey: string;
let incidentId: string;

beforeAll(async () => {
  // No worker: the rows stay as written; the detectors run once, when the test says.
  server = await startConsoleServer({ SWITCHBOARD_WORKER: '0', SWITCHBOARD_API_RATE_LIMIT: '0', SWITCHBOARD_INSIGHT_INTERVAL_MS: '0' });
  const ws = await server.createWorkspace('Acme Retail', 'UTC');
  adminKey = ws.adminKey;
  readKey = await createKey(server, adminKey, 'Support (read-only)', ['READ']);
  const workspaceId = decodeIdOf('Workspace', ws.workspaceId) as string;
  const crm = await addIntegration(server, workspaceId, {
    type: 'OUTBOUND_WEBHOOK',
    name: 'HubSpot contacts',
    provider: 'hubspot',
    destinationUrl: 'https://api.hubapi.example/contacts',
  });
  const quiet = await addIntegration(server, workspaceId, { type: 'OUTBOUND_WEBHOOK', name: 'Shop orders', provider: 'shopify' });
  const now = Date.now();
  await seedEvents(server.testDb.url, workspaceId, [
    ...[40, 35, 30].map((m) => ({
      integrationId: crm.id,
      integrationType: 'OUTBOUND_WEBHOOK' as const,
      receivedAt: new Date(now - m * 60_000),
      status: 'DELIVERED' as const,
    })),
    ...[24, 20, 16, 12, 8, 4, 1].map((m) => ({
      integrationId: crm.id,
      integrationType: 'OUTBOUND_WEBHOOK' as const,
      receivedAt: new Date(now - m * 60_000),
      status: 'FAILED' as const,
      errorCode: '401',
      eventType: 'contact.updated',
    })),
    ...[10, 5].map((m) => ({
      integrationId: quiet.id,
      integrationType: 'OUTBOUND_WEBHOOK' as const,
      receivedAt: new Date(now - m * 60_000),
      status: 'DELIVERED' as const,
    })),
  ]);
  await server.app.runtime.insight.runOnce(new Date(now));
  const r = await server.gql<{ incidents: { edges: Array<{ node: { id: string } }> } }>(
    adminKey,
    'query { incidents { edges { node { id } } } }',
  );
  incidentId = r.data?.incidents.edges[0]?.node.id as string;
  expect(incidentId).toMatch(/^inc_/);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('incidents in the console', () => {
  it('overview → the worst incident → a failing request and its remedy in two clicks', async () => {
    const { context, page, errors } = await openConsole(browser, server.url, adminKey);
    try {
      let clicks = 0;
      const banner = page.getByTestId('incidents-banner');
      await banner.waitFor();
      expect(await page.getByTestId('open-incident-count').textContent()).toBe('1');
      expect(await page.getByTestId('worst-incident').textContent()).toContain('HubSpot contacts: every delivery is failing (401)');
      await screenshot(page, 'incidents-overview');

      await page.getByTestId('worst-incident').click();
      clicks++;
      await page.waitForURL((u) => u.pathname === `/incidents/${incidentId}`);
      await page.getByTestId('incident-title').waitFor();
      expect(await page.getByTestId('likely-cause').textContent()).toMatch(/Credentials expired or revoked/);
      expect(await page.getByTestId('incident-remediation').textContent()).toMatch(/\S{10}/);
      expect(await page.getByTestId('incident-summary').textContent()).toMatch(/7 attempts in a row failed, most with 401, over 7 events/);
      expect(await page.getByTestId('incident-timeline').textContent()).toMatch(/Open\s+by system/);
      expect(await page.getByRole('link', { name: 'HubSpot contacts' }).count()).toBeGreaterThan(0);
      expect(await page.getByTestId('sample-event').count()).toBe(7);
      await screenshot(page, 'incident-page');

      await page.getByTestId('sample-event').first().click();
      clicks++;
      await page.waitForURL((u) => u.pathname.startsWith('/events/evt_'));
      await page.getByRole('heading', { name: 'Delivery attempts' }).waitFor();
      await page.locator('[data-status-code="401"]').first().waitFor();
      expect(await page.locator('[data-status-code="401"]').first().textContent()).toMatch(/401/);
      await screenshot(page, 'incident-failing-request');
      expect(clicks).toBe(2);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('the incidents page filters by state, kind and integration; ADMIN acknowledges and the overview hears it live', async () => {
    const admin = await openConsole(browser, server.url, adminKey);
    const overview = await openConsole(browser, server.url, readKey);
    try {
      await overview.page.getByTestId('incidents-banner').waitFor();
      const { page } = admin;
      await page.goto('/incidents');
      await page.getByTestId('incident-count').waitFor();
      expect(await page.getByTestId('incident-count').textContent()).toBe('1 incident');
      await page.getByLabel('Kind').selectOption('SILENCE');
      await page.getByText('No incidents match').waitFor();
      await page.getByLabel('Kind').selectOption('ALL_FAILING');
      await page.getByTestId('incident-count').waitFor();
      await page.getByLabel('Integration').selectOption({ label: 'Shop orders' });
      await page.getByText('No incidents match').waitFor();
      await page.getByLabel('Integration').selectOption({ label: 'HubSpot contacts' });
      await page.getByTestId('incident-count').waitFor();
      await screenshot(page, 'incidents-list');

      await page.goto(`/incidents/${incidentId}`);
      // Both pages' incidentChanged subscriptions are registered on the server before anything changes.
      await expect
        .poll(async () => {
          const m = /switchboard_ws_subscriptions\{field="incidentChanged"\} (\d+)/.exec(
            await (await fetch(`${server.url}/metrics`)).text(),
          );
          return Number(m?.[1] ?? 0);
        })
        .toBeGreaterThanOrEqual(2);
      await page.getByLabel('Note').fill('rotating the HubSpot token');
      await page.getByRole('button', { name: 'Acknowledge' }).click();
      await expect.poll(() => page.getByTestId('incident-state').textContent()).toBe('Acknowledged');
      expect(await page.getByTestId('incident-timeline').textContent()).toContain('rotating the HubSpot token');
      // The READ key's overview was told over graphql-ws, without a reload.
      await expect.poll(() => overview.page.getByTestId('worst-incident').locator('..').textContent()).toContain('Acknowledged');

      await overview.page.goto(`/incidents/${incidentId}`);
      await overview.page.getByTestId('incident-title').waitFor();
      expect(await overview.page.getByRole('button', { name: 'Resolve' }).count()).toBe(0);
      expect(admin.errors).toEqual([]);
    } finally {
      await admin.context.close();
      await overview.context.close();
    }
  });

  it('the incidents and incident pages fit a phone: no horizontal overflow, table rows as cards', async () => {
    const { page, context } = await openConsole(browser, server.url, readKey, { width: 390, height: 844 });
    try {
      for (const path of ['/incidents', `/incidents/${incidentId}`]) {
        await page.goto(path);
        await page.locator('tbody tr').first().waitFor();
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        expect(overflow, path).toBeLessThanOrEqual(0);
        const tables = await page.evaluate(() =>
          [...document.querySelectorAll('.table-wrap')].map((wrap) => ({
            overflow: wrap.scrollWidth - wrap.clientWidth,
            header: wrap.querySelector('thead') ? getComputedStyle(wrap.querySelector('thead') as Element).position : null,
          })),
        );
        expect(tables.length, path).toBeGreaterThan(0);
        for (const t of tables) expect(t).toEqual({ overflow: expect.any(Number), header: 'absolute' });
        for (const t of tables) expect(t.overflow, path).toBeLessThanOrEqual(0);
      }
      await screenshot(page, 'incident-phone');
    } finally {
      await context.close();
    }
  });
});
