// Delivery protection is visible in the console: an integration whose destination's quota is spent
// says "Throttled until 10:42" and one whose circuit is open says so, on the list and on its page;
// a rotation's grace window shows until when the previous secret still works.
import { decodeIdOf } from '@switchboard/db';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, openConsole, screenshot, startConsoleServer } from '../helpers/browser.ts';
import { addIntegration, sql } from '../helpers/pipeline.ts';
import type { TestServer } from '../helpers/server.ts';

let server: TestServer;
let browser: Browser;
let adminKey: string;
let throttledId: string;
let downId: string;
const until = new Date(Date.now() + 30 * 60_000);
until.setUTCSeconds(0, 0);
const openedAt = new Date(Date.now() - 4 * 60_000);

beforeAll(async () => {
  // No worker: the protection state stays as written.
  server = await startConsoleServer({ SWITCHBOARD_WORKER: '0', SWITCHBOARD_API_RATE_LIMIT: '0', SWITCHBOARD_INSIGHT_INTERVAL_MS: '0' });
  const ws = await server.createWorkspace('Acme Retail', 'UTC');
  adminKey = ws.adminKey;
  const workspaceId = decodeIdOf('Workspace', ws.workspaceId) as string;
  const throttled = await addIntegration(server, workspaceId, {
    type: 'OUTBOUND_WEBHOOK',
    name: 'HubSpot contacts',
    provider: 'hubspot',
    destinationUrl: 'https://api.hubapi.example/contacts',
    deliveryRateLimit: 100,
    deliveryRatePeriod: 'MINUTE',
  });
  const down = await addIntegration(server, workspaceId, {
    type: 'OUTBOUND_WEBHOOK',
    name: 'Shop orders',
    provider: 'shopify',
    destinationUrl: 'https://shop.example/orders',
  });
  await sql(server, 'update integration set throttled_until = $2 where id = $1', [throttled.id, until.toISOString()]);
  await sql(
    server,
    `update integration set circuit = 'OPEN', circuit_opened_at = $2, previous_secret_expires_at = $3, previous_signing_secret = signing_secret where id = $1`,
    [down.id, openedAt.toISOString(), new Date(Date.now() + 24 * 3600_000).toISOString()],
  );
  throttledId = throttled.publicId;
  downId = down.publicId;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const hhmm = (d: Date) => d.toISOString().slice(11, 16);
/** Badge text with its non-breaking spaces as plain ones. */
const text = async (l: { textContent(): Promise<string | null> }) => (await l.textContent())?.replace(/\s+/g, ' ');

describe('delivery protection in the console', () => {
  it('the list and the integration pages say "Throttled until …" and "Circuit open since …"', async () => {
    const { context, page, errors } = await openConsole(browser, server.url, adminKey);
    try {
      await page.goto('/integrations');
      const throttledRow = page.locator(`tr[data-integration-id="${throttledId}"]`);
      await throttledRow.waitFor();
      expect(await text(throttledRow.locator('[data-throttled-until]'))).toBe(`Throttled until ${hhmm(until)}`);
      const downRow = page.locator(`tr[data-integration-id="${downId}"]`);
      expect(await text(downRow.locator('[data-circuit]'))).toBe(`Circuit open since ${hhmm(openedAt)}`);
      expect(await throttledRow.locator('[data-circuit]').count()).toBe(0);
      expect(await downRow.locator('[data-throttled-until]').count()).toBe(0);
      await screenshot(page, 'protection-list');

      await page.goto(`/integrations/${encodeURIComponent(throttledId)}`);
      await page.getByTestId('throttle-note').waitFor();
      expect(await page.getByTestId('throttle-note').textContent()).toMatch(/Throttled until .*rate limit is spent/s);
      expect(await text(page.locator('h1 [data-throttled-until]'))).toBe(`Throttled until ${hhmm(until)}`);
      expect(await page.locator('dd', { hasText: '100 per minute' }).count()).toBe(1);
      await screenshot(page, 'protection-throttled');

      await page.goto(`/integrations/${encodeURIComponent(downId)}`);
      await page.getByTestId('circuit-note').waitFor();
      expect(await page.getByTestId('circuit-note').textContent()).toMatch(/Circuit open\..*held and keep their retry budget/s);
      expect(await page.locator('dd', { hasText: 'Still valid until' }).count()).toBe(1);
      await screenshot(page, 'protection-circuit');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
