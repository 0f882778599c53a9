// Managing a workspace from the console in Chromium: creating and editing an integration (with the
// API's validation messages under the fields), API keys (shown once, revoked), and replaying every
// event that matches the event log's filters. Delivery worker off: replayed events stay queued.
import { decodeIdOf, generateDemoData } from '@switchboard/db';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gqlOk, launchChromium, openConsole, screenshot, startConsoleServer } from '../helpers/browser.ts';
import { type Receiver, startReceiver } from '../helpers/pipeline.ts';
import type { TestServer } from '../helpers/server.ts';

let server: TestServer;
let receiver: Receiver;
let browser: Browser;
let adminKey: string;

beforeAll(async () => {
  receiver = await startReceiver();
  server = await startConsoleServer({ SWITCHBOARD_WORKER: '0', SWITCHBOARD_API_RATE_LIMIT: '0' });
  const ws = await server.createWorkspace('Manage Co', 'America/New_York');
  adminKey = ws.adminKey;
  await generateDemoData({
    url: server.testDb.url,
    workspaceId: decodeIdOf('Workspace', ws.workspaceId) as string,
    events: 1500,
    destinationBaseUrl: receiver.url,
    progress: false,
  });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await receiver?.close();
});

interface IntegrationFields {
  id: string;
  name: string;
  type: string;
  provider: string;
  destinationUrl: string | null;
  subscribedEventTypes: string[];
  retrySchedule: number[];
  fieldMapping: unknown;
  service: string | null;
}

describe('integrations', () => {
  it('creates one through the form, showing the API’s validation message under the field, then edits it', async () => {
    const { page, context, errors } = await openConsole(browser, server.url, adminKey);
    try {
      await page.goto('/integrations');
      await page.getByRole('link', { name: 'New integration' }).click();
      await page.waitForURL((u) => u.pathname === '/integrations/new');

      await page.getByLabel('Name', { exact: true }).fill('Invoices to ERP');
      await page.getByLabel('Type', { exact: true }).selectOption('OUTBOUND_WEBHOOK');
      await page.getByLabel('Provider', { exact: true }).fill('netsuite');
      await page.getByLabel(/^Destination URL/).fill('ftp://erp.example/invoices');
      await page.getByLabel('Subscribed event types').fill('invoice.created, invoice.paid');
      await page.getByLabel('Retry schedule (seconds)').fill('0, 30, 120');
      await page.getByLabel('Field mapping (JSON object)').fill('{"invoice": "$.id"');
      await page.getByRole('button', { name: 'Create integration' }).click();

      // A JSON mistake is caught before anything is sent.
      const mappingError = page.locator('[data-field-error="fieldMapping"]');
      await expect.poll(() => mappingError.textContent()).toMatch(/not valid JSON/);
      await page.getByLabel('Field mapping (JSON object)').fill('{"invoice": "$.id"}');

      // The URL scheme is the API's to refuse: its BAD_USER_INPUT message lands under the field.
      await page.getByRole('button', { name: 'Create integration' }).click();
      const urlError = page.locator('[data-field-error="destinationUrl"]');
      await expect.poll(() => urlError.textContent()).toMatch(/http or https/);
      expect(await page.getByLabel(/^Destination URL/).getAttribute('aria-invalid')).toBe('true');
      expect(await mappingError.count()).toBe(0);
      await screenshot(page, 'integration-form-errors');
      const before = await gqlOk<{ integrations: { totalCount: number } }>(server, adminKey, '{ integrations { totalCount } }');

      await page.getByLabel(/^Destination URL/).fill(`${receiver.url}/erp/invoices`);
      await page.getByRole('button', { name: 'Create integration' }).click();
      const secret = page.getByTestId('secret-value');
      await expect.poll(() => secret.textContent(), { timeout: 15_000 }).toMatch(/^whsec_/);
      await screenshot(page, 'integration-created');

      const after = await gqlOk<{ integrations: { totalCount: number; edges: { node: IntegrationFields }[] } }>(
        server,
        adminKey,
        `{ integrations(first: 100, filter: { search: "Invoices to ERP" }) { totalCount edges { node {
            id name type provider destinationUrl subscribedEventTypes retrySchedule fieldMapping service } } } }`,
      );
      expect(after.integrations.totalCount).toBe(1);
      const created = after.integrations.edges[0]?.node as IntegrationFields;
      expect(created).toMatchObject({
        type: 'OUTBOUND_WEBHOOK',
        provider: 'netsuite',
        destinationUrl: `${receiver.url}/erp/invoices`,
        subscribedEventTypes: ['invoice.created', 'invoice.paid'],
        retrySchedule: [0, 30, 120],
        fieldMapping: { invoice: '$.id' },
        service: null,
      });
      const total = await gqlOk<{ integrations: { totalCount: number } }>(server, adminKey, '{ integrations { totalCount } }');
      expect(total.integrations.totalCount).toBe(before.integrations.totalCount + 1);

      await page.getByRole('link', { name: 'Open the integration' }).click();
      await page.waitForURL((u) => u.pathname === `/integrations/${created.id}`);
      await page.getByRole('link', { name: 'Edit', exact: true }).click();
      await page.waitForURL((u) => u.pathname === `/integrations/${created.id}/edit`);
      const name = page.getByLabel('Name', { exact: true });
      await expect.poll(() => name.inputValue()).toBe('Invoices to ERP');
      expect(await page.getByLabel('Subscribed event types').inputValue()).toBe('invoice.created, invoice.paid');
      await name.fill('Invoices to ERP (v2)');
      await page.getByLabel('Service', { exact: true }).fill('finance');
      await page.getByLabel('Subscribed event types').fill('invoice.paid');
      await screenshot(page, 'integration-edit');
      await page.getByRole('button', { name: 'Save changes' }).click();
      await page.waitForURL((u) => u.pathname === `/integrations/${created.id}`);
      await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toContain('Invoices to ERP (v2)');

      const edited = await gqlOk<{ integration: IntegrationFields }>(
        server,
        adminKey,
        'query($id: ID!) { integration(id: $id) { name service subscribedEventTypes retrySchedule destinationUrl } }',
        { id: created.id },
      );
      expect(edited.integration).toMatchObject({
        name: 'Invoices to ERP (v2)',
        service: 'finance',
        subscribedEventTypes: ['invoice.paid'],
        retrySchedule: [0, 30, 120],
        destinationUrl: `${receiver.url}/erp/invoices`,
      });
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});

describe('API keys', () => {
  it('creates a key with chosen scopes (shown once, it works), lists it without the secret, and revokes it', async () => {
    const { page, context, errors } = await openConsole(browser, server.url, adminKey);
    try {
      await page.getByRole('navigation', { name: 'Primary' }).getByRole('link', { name: 'API keys' }).click();
      await page.waitForURL((u) => u.pathname === '/keys');
      await page.locator('tr[data-key-id]').first().waitFor();

      await page.getByLabel('Name').fill('Billing publisher');
      await page.getByRole('checkbox', { name: /^READ/ }).uncheck();
      await page.getByRole('checkbox', { name: /^INGEST/ }).check();
      await page.getByRole('button', { name: 'Create key' }).click();
      const secret = page.getByTestId('secret-value');
      await expect.poll(() => secret.textContent(), { timeout: 15_000 }).toMatch(/\S{20,}/);
      const key = ((await secret.textContent()) ?? '').trim();
      await screenshot(page, 'api-keys');

      // The key is real and has exactly the scopes picked.
      const me = await gqlOk<{ currentApiKey: { id: string; name: string; scopes: string[]; prefix: string } }>(
        server,
        key,
        '{ currentApiKey { id name scopes prefix } }',
      );
      expect(me.currentApiKey).toMatchObject({ name: 'Billing publisher', scopes: ['INGEST'] });
      const row = page.locator(`tr[data-key-id="${me.currentApiKey.id}"]`);
      await expect.poll(() => row.textContent()).toContain(me.currentApiKey.prefix);

      // Shown once: gone after a reload, and the list never carries it.
      await page.reload();
      await row.waitFor();
      expect(await page.content()).not.toContain(key);

      // The key the console is signed in with cannot be revoked from here.
      const own = await gqlOk<{ currentApiKey: { id: string } }>(server, adminKey, '{ currentApiKey { id } }');
      expect(await page.locator(`tr[data-key-id="${own.currentApiKey.id}"] button`).isDisabled()).toBe(true);

      await row.getByRole('button', { name: /^Revoke/ }).click();
      const dialog = page.getByRole('dialog');
      await expect.poll(() => dialog.getByRole('heading').textContent()).toBe('Revoke Billing publisher?');
      await dialog.getByRole('button', { name: 'Revoke' }).click();
      await expect.poll(() => row.textContent(), { timeout: 15_000 }).toContain('Revoked');
      const refused = await server.gql(key, '{ currentApiKey { id } }');
      expect(refused.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});

describe('event log', () => {
  it('replays every matching event after a confirmation that lists the filters, and shows the count', async () => {
    const { page, context, errors } = await openConsole(browser, server.url, adminKey);
    try {
      const codes = await gqlOk<{ failuresByErrorCode: { code: string; count: number }[] }>(
        server,
        adminKey,
        'query($r: TimeRange!) { failuresByErrorCode(range: $r) { code count } }',
        { r: { from: new Date(Date.now() - 40 * 86_400_000).toISOString(), to: new Date(Date.now() + 60_000).toISOString() } },
      );
      const code = codes.failuresByErrorCode[0]?.code as string;
      // How many FAILED events with this code the API holds (all retained), counted page by page; those whose
      // payload has expired (older than 7 days) are not replayable and are named apart.
      let expected = 0;
      let skipped = 0;
      let after: string | null = null;
      for (;;) {
        const page: {
          events: {
            edges: { node: { id: string; payloadExpired: boolean } }[];
            pageInfo: { hasNextPage: boolean; endCursor: string | null };
          };
        } = await gqlOk(
          server,
          adminKey,
          'query($f: EventFilter, $a: String) { events(filter: $f, first: 100, after: $a) { edges { node { id payloadExpired } } pageInfo { hasNextPage endCursor } } }',
          { f: { statuses: ['FAILED'], errorCodes: [code] }, a: after },
        );
        expected += page.events.edges.filter((e) => !e.node.payloadExpired).length;
        skipped += page.events.edges.filter((e) => e.node.payloadExpired).length;
        if (!page.events.pageInfo.hasNextPage) break;
        after = page.events.pageInfo.endCursor;
      }
      expect(expected).toBeGreaterThan(0);

      // Nothing replayable matches (RECEIVED events wait for their first attempt): the dialog says so and cannot confirm.
      await page.goto('/events?status=RECEIVED');
      await page.getByRole('button', { name: 'Replay all matching…' }).click();
      const empty = page.getByRole('dialog');
      await expect
        .poll(async () => (await empty.getByTestId('replay-preview').textContent())?.replace(/\s+/g, ' ').trim(), { timeout: 10_000 })
        .toBe('No delivered or failed event with its payload still kept matches these filters: there is nothing to replay.');
      expect(await empty.getByRole('button', { name: 'Replay them' }).isDisabled()).toBe(true);
      await empty.getByRole('button', { name: 'Cancel' }).click();

      await page.goto(`/events?status=FAILED&errorCode=${encodeURIComponent(code)}`);
      await page.locator('tbody tr[data-event-id]').first().waitFor();
      await page.getByRole('button', { name: 'Replay all matching…' }).click();
      const dialog = page.getByRole('dialog');
      await dialog.getByRole('heading', { name: 'Replay every matching event?' }).waitFor();
      const criteria = await dialog.locator('li').allTextContents();
      expect(criteria).toEqual(['All retained events (30 days)', 'Status: Failed', `Error code: ${code}`]);
      // The dialog counts first (the same filter through replayPreview) and names the number on its button.
      const label = `${expected} ${expected === 1 ? 'event' : 'events'}`;
      const previewText = async () => (await dialog.getByTestId('replay-preview').textContent())?.replace(/\s+/g, ' ').trim();
      await expect.poll(previewText, { timeout: 10_000 }).toMatch(new RegExp(`^${label} will be replayed\\.`));
      if (skipped > 0) {
        expect(await dialog.getByTestId('replay-skipped-expired').textContent()).toMatch(new RegExp(`^${skipped} events? also match`));
      }
      await screenshot(page, 'events-replay-confirm');
      await dialog.getByRole('button', { name: `Replay ${label}` }).click();

      const result = page.getByTestId('replay-result');
      await expect
        .poll(() => result.textContent(), { timeout: 20_000 })
        .toBe(`${expected} ${expected === 1 ? 'event' : 'events'} queued for replay`);
      // The API agrees: the replayed ones wait for a new attempt; those whose payload expired keep their real outcome.
      const left = await gqlOk<{ events: { edges: { node: { payloadExpired: boolean } }[] } }>(
        server,
        adminKey,
        'query($f: EventFilter) { events(filter: $f, first: 100) { edges { node { payloadExpired } } } }',
        {
          f: { statuses: ['FAILED'], errorCodes: [code] },
        },
      );
      expect(left.events.edges).toHaveLength(skipped);
      expect(left.events.edges.every((e) => e.node.payloadExpired)).toBe(true);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
