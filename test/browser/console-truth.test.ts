// The console tells the truth (issue 14), in Chromium against the real server and PostgreSQL:
// desktop tables whose header cells sit over their columns; a test event that succeeds against a
// healthy destination and an event page that tells one story; failing-now (retrying beside failed)
// in the overview's failure views; the event log's search by event id and inside payloads, and a
// trend point that opens the log for its bucket. Screenshots at desktop and phone width.
import { decodeIdOf, generateDemoData } from '@switchboard/db';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gqlOk, launchChromium, openConsole, screenshot, startConsoleServer } from '../helpers/browser.ts';
import { type Receiver, startReceiver } from '../helpers/pipeline.ts';
import { seedEvents, sqlQuery, uuidOf } from '../helpers/seed-events.ts';
import type { TestServer } from '../helpers/server.ts';

let server: TestServer;
let receiver: Receiver;
let browser: Browser;
let adminKey: string;
let failingKey: string;

beforeAll(async () => {
  receiver = await startReceiver();
  server = await startConsoleServer({ SWITCHBOARD_API_RATE_LIMIT: '0', SWITCHBOARD_WORKER_POLL_MS: '100' });
  const ws = await server.createWorkspace('Truth Co', 'Europe/Berlin');
  adminKey = ws.adminKey;
  await generateDemoData({
    url: server.testDb.url,
    workspaceId: decodeIdOf('Workspace', ws.workspaceId) as string,
    events: 1500,
    destinationBaseUrl: receiver.url,
    progress: false,
  });
  // A second workspace whose only integration is paused: its failed and retrying events stay as seeded.
  const failing = await server.createWorkspace('Failing Co', 'UTC');
  failingKey = failing.adminKey;
  const created = await gqlOk<{ createIntegration: { integration: { id: string } } }>(
    server,
    failingKey,
    'mutation($i: CreateIntegrationInput!) { createIntegration(input: $i) { integration { id } } }',
    { i: { name: 'Orders to CRM', type: 'OUTBOUND_WEBHOOK', provider: 'hubspot', destinationUrl: `${receiver.url}/crm` } },
  );
  const integrationId = created.createIntegration.integration.id;
  await gqlOk(server, failingKey, 'mutation($id: ID!) { pauseIntegration(id: $id) { integration { state } } }', { id: integrationId });
  const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000);
  await seedEvents(server.testDb.url, uuidOf(failing.workspaceId), [
    ...[30, 40].map((m) => ({
      integrationId: uuidOf(integrationId),
      integrationType: 'OUTBOUND_WEBHOOK' as const,
      receivedAt: at(m),
      status: 'FAILED' as const,
      errorCode: '401',
    })),
    ...[5, 6, 7].map((m) => ({
      integrationId: uuidOf(integrationId),
      integrationType: 'OUTBOUND_WEBHOOK' as const,
      receivedAt: at(m),
      status: 'RETRYING' as const,
      errorCode: '504',
    })),
  ]);
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await receiver?.close();
});

/** For every data table with a header: how far each header cell is from its column's first body cell. */
function headerOffsets(page: Page) {
  return page.evaluate(() =>
    [...document.querySelectorAll('table.data')].flatMap((table, t) => {
      const heads = [...table.querySelectorAll('thead tr:first-child > th')];
      const row = table.querySelector('tbody tr');
      if (!heads.length || !row) return [];
      const cells = [...row.children];
      return heads.map((th, i) => {
        const h = th.getBoundingClientRect();
        const c = (cells[i] as Element).getBoundingClientRect();
        return {
          table: t,
          column: (th.textContent ?? '').trim() || `#${i}`,
          dx: Math.abs(h.left - c.left),
          dw: Math.abs(h.width - c.width),
        };
      });
    }),
  );
}

describe('desktop tables', () => {
  it('put every header cell over its column on the overview, event log, integrations and API keys', async () => {
    const { page, context, errors } = await openConsole(browser, server.url, adminKey);
    try {
      for (const [path, ready] of [
        ['/', 'Failing in integrations'],
        ['/events', 'Event log'],
        ['/integrations', 'Integrations'],
        ['/keys', 'API keys'],
      ] as const) {
        await page.goto(path);
        await page.getByRole('heading', { name: ready, exact: true }).first().waitFor();
        await page.locator('table.data tbody tr').first().waitFor();
        const offsets = await headerOffsets(page);
        expect(offsets.length, path).toBeGreaterThan(3);
        const off = offsets.filter((o) => o.dx > 1 || o.dw > 1);
        expect(off, `${path}: header cells away from their columns`).toEqual([]);
      }
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});

describe('test events', () => {
  it('"Send test event" is delivered to a healthy destination through the mapping, and its page tells one story', async () => {
    const { integrations } = await gqlOk<{
      integrations: { edges: Array<{ node: { id: string; type: string; fieldMapping: unknown; destinationUrl: string | null } }> };
    }>(server, adminKey, '{ integrations(first: 50) { edges { node { id type fieldMapping destinationUrl } } } }');
    const target = integrations.edges.map((e) => e.node).find((i) => i.type === 'OUTBOUND_WEBHOOK' && i.destinationUrl && i.fieldMapping);
    expect(target, 'a demo outbound integration with a field mapping').toBeDefined();
    const { page, context, errors } = await openConsole(browser, server.url, adminKey);
    try {
      await page.goto(`/integrations/${encodeURIComponent(target!.id)}`);
      await page.getByRole('button', { name: 'Send test event' }).click();
      const toast = page.getByRole('region', { name: 'Notifications' });
      await toast.getByText('Test event sent').waitFor();
      await toast.getByRole('link', { name: 'Follow it' }).click();
      await page.waitForURL((u) => u.pathname.startsWith('/events/evt_'));
      await expect.poll(() => page.locator('h1').textContent(), { timeout: 20_000 }).toMatch(/Delivered/);
      await page.reload();
      await expect.poll(() => page.getByTestId('attempts-sent').textContent()).toMatch(/^\s*1\s*$/);
      expect(await page.getByText('No delivery attempts yet').count()).toBe(0);
      expect(await page.getByText('Attempt 1', { exact: true }).count()).toBe(1);
      await screenshot(page, 'truth-event-page-test-event');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});

describe('an event stopped before a request was made', () => {
  it('tells one story: no request sent, the attempt that stopped and why, and what to do', async () => {
    const { integrations } = await gqlOk<{
      integrations: { edges: Array<{ node: { id: string; type: string; fieldMapping: unknown; destinationUrl: string | null } }> };
    }>(server, adminKey, '{ integrations(first: 50) { edges { node { id type fieldMapping destinationUrl } } } }');
    const target = integrations.edges.map((e) => e.node).find((i) => i.type === 'OUTBOUND_WEBHOOK' && i.destinationUrl && i.fieldMapping);
    // A payload the mapping cannot resolve (given explicitly through the API): the worker stops with MAPPING.
    const sent = await gqlOk<{ sendTestEvent: { id: string } }>(
      server,
      adminKey,
      'mutation($id: ID!) { sendTestEvent(integrationId: $id, eventType: "order.created", payload: { unrelated: true }) { id } }',
      { id: target!.id },
    );
    const { page, context, errors } = await openConsole(browser, server.url, adminKey);
    try {
      await page.goto(`/events/${encodeURIComponent(sent.sendTestEvent.id)}`);
      await expect.poll(() => page.locator('h1').textContent(), { timeout: 20_000 }).toMatch(/Failed/);
      await page.reload();
      await page.getByText('Nothing was sent', { exact: true }).waitFor();
      expect((await page.getByTestId('attempts-sent').textContent())?.replace(/\s+/g, ' ').trim()).toBe(
        '0 · 1 attempt stopped before a request was made',
      );
      expect(await page.getByText('No delivery attempts yet').count()).toBe(0);
      await page.getByTestId('event-remediation').getByRole('heading', { name: 'What to do about MAPPING' }).waitFor();
      await screenshot(page, 'truth-event-page-mapping-error');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});

describe('failing now', () => {
  it('the overview shows retrying events beside failed ones, told apart, in tiles, by code and by integration', async () => {
    const { page, context, errors } = await openConsole(browser, server.url, failingKey);
    try {
      await page.getByTestId('total-retrying').waitFor();
      expect(await page.getByTestId('total-failed').textContent()).toBe('2');
      expect(await page.getByTestId('total-retrying').textContent()).toBe('3');
      // 2 delivered-or-not out of 5 attempted: nothing succeeded, and retries are not successes.
      expect(await page.getByTestId('success-rate').textContent()).toBe('0.0%');
      const codeRow = (code: string) => page.locator('table.codes tbody tr', { has: page.locator(`[data-error-code="${code}"]`) });
      await codeRow('504').waitFor();
      expect(await codeRow('504').locator('[data-metric="failed"]').textContent()).toBe('0');
      expect(await codeRow('504').locator('[data-metric="retrying"]').textContent()).toBe('3');
      expect(await codeRow('401').locator('[data-metric="retrying"]').textContent()).toBe('0');
      expect(await codeRow('401').locator('[data-metric="failed"]').textContent()).toBe('2');
      const groups = page
        .getByRole('region', { name: 'Failing in integrations' })
        .or(page.locator('section[aria-labelledby="failures-title"]'));
      await groups.getByText('504').first().waitFor();
      const outbound = page.locator('tr[data-type="OUTBOUND_WEBHOOK"] [data-metric="failing"]');
      expect((await outbound.textContent())?.trim()).toMatch(/^5/);
      expect(await page.getByText('Failed (final) and retrying (may still be delivered)', { exact: false }).count()).toBeGreaterThan(0);
      await screenshot(page, 'truth-overview-failing-now');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});

describe('event log search', () => {
  it('finds an event by the id receivers see and by a value inside its payload; a trend point opens its bucket', async () => {
    const { events } = await gqlOk<{ events: { edges: Array<{ node: { id: string } }> } }>(
      server,
      adminKey,
      '{ events(first: 5, filter: { statuses: [DELIVERED] }) { edges { node { id } } } }',
    );
    const [one, two] = events.edges.map((e) => e.node.id) as [string, string];
    await sqlQuery(server.testDb.url, `update event set payload = '{"customer":{"email":"grace@example.com"}}' where id = $1`, [
      decodeIdOf('Event', two),
    ]);
    const { page, context, errors } = await openConsole(browser, server.url, adminKey);
    try {
      await page.goto('/events');
      const search = page.getByRole('searchbox', { name: 'Search' });
      await search.fill(one.toUpperCase().replace('EVT_', 'evt_'));
      await search.press('Enter');
      await expect.poll(() => page.getByTestId('event-total').textContent()).toMatch(/^1 event matches/);
      expect(await page.locator('tbody tr[data-event-id]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-event-id')))).toEqual(
        [one],
      );
      // The last attempt's request and response status are columns of the log.
      expect(await page.locator(`tr[data-event-id="${one}"] [data-metric="http-status"]`).textContent()).toMatch(/2\d\d/);

      await search.fill('customer.email = grace@example.com');
      await search.press('Enter');
      await expect
        .poll(() => page.locator('tbody tr[data-event-id]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-event-id'))))
        .toEqual([two]);
      await screenshot(page, 'truth-event-log-search');

      await page.goto('/?bucket=DAY');
      const chart = page.locator('section[aria-labelledby="trends-title"] canvas');
      await chart.waitFor();
      await page.waitForFunction(() => new Promise((r) => requestAnimationFrame(() => r(true))));
      const box = (await chart.boundingBox())!;
      await chart.click({ position: { x: box.width * 0.6, y: box.height * 0.5 } });
      await page.waitForURL((u) => u.pathname === '/events' && u.searchParams.get('period') === 'custom');
      const url = new URL(page.url());
      const from = Date.parse(url.searchParams.get('from') as string);
      const to = Date.parse(url.searchParams.get('to') as string);
      // One day in Europe/Berlin: 23 to 25 hours.
      expect(to - from).toBeGreaterThanOrEqual(23 * 3600_000);
      expect(to - from).toBeLessThanOrEqual(25 * 3600_000);
      expect(url.searchParams.get('type')).toBeTruthy();
      expect(url.searchParams.get('status')).toBe('RETRYING,FAILED');
      await page.getByTestId('event-total').waitFor();
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});

describe('screenshots', () => {
  it('overview, event log and event page at desktop and phone width', async () => {
    const { events } = await gqlOk<{ events: { edges: Array<{ node: { id: string } }> } }>(
      server,
      adminKey,
      '{ events(first: 1, filter: { statuses: [FAILED] }) { edges { node { id } } } }',
    );
    const failedId = events.edges[0]?.node.id as string;
    for (const [label, viewport] of [
      ['desktop', { width: 1280, height: 900 }],
      ['phone', { width: 390, height: 844 }],
    ] as const) {
      const { page, context, errors } = await openConsole(browser, server.url, adminKey, viewport);
      try {
        await page.getByTestId('total-failed').waitFor();
        await page.locator('section[aria-labelledby="trends-title"] canvas').waitFor();
        await screenshot(page, `truth-overview-${label}`);
        await page.goto('/events');
        await page.locator('tbody tr[data-event-id]').first().waitFor();
        await screenshot(page, `truth-event-log-${label}`);
        await page.goto(`/events/${encodeURIComponent(failedId)}`);
        await page.getByTestId('event-remediation').waitFor();
        await screenshot(page, `truth-event-page-${label}`);
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        expect(overflow).toBeLessThanOrEqual(1);
        expect(errors).toEqual([]);
      } finally {
        await context.close();
      }
    }
  });
});
