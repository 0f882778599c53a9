// The console in Chromium against the real server on real PostgreSQL, over 3,000 generated events.
// The delivery worker is off in this file so the numbers on the page cannot move under the test.
import { decodeIdOf, generateDemoData } from '@switchboard/db';
import type { Browser, Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey, gqlOk, launchChromium, openConsole, screenshot, startConsoleServer } from '../helpers/browser.ts';
import { type Receiver, startReceiver } from '../helpers/pipeline.ts';
import type { TestServer } from '../helpers/server.ts';

let server: TestServer;
let receiver: Receiver;
let browser: Browser;
let adminKey: string;
let readKey: string;

beforeAll(async () => {
  receiver = await startReceiver();
  server = await startConsoleServer({ SWITCHBOARD_WORKER: '0', SWITCHBOARD_API_RATE_LIMIT: '0' });
  const ws = await server.createWorkspace('Acme Retail', 'Europe/Berlin');
  adminKey = ws.adminKey;
  await generateDemoData({
    url: server.testDb.url,
    workspaceId: decodeIdOf('Workspace', ws.workspaceId) as string,
    events: 3000,
    destinationBaseUrl: receiver.url,
    progress: false,
  });
  readKey = await createKey(server, adminKey, 'Support (read-only)', ['READ']);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await receiver?.close();
});

/** The variables of the next GraphQL operation `name` the page sends over HTTP. */
function nextOperation(page: Page, name: string): Promise<Record<string, unknown>> {
  return page
    .waitForRequest(
      (r: Request) =>
        r.url().endsWith('/graphql') &&
        r.method() === 'POST' &&
        (r.postDataJSON() as { query?: string })?.query?.includes(`query ${name}(`) === true,
    )
    .then((r) => (r.postDataJSON() as { variables: Record<string, unknown> }).variables);
}

const num = (text: string | null) => Number((text ?? '').replace(/[^\d]/g, ''));

describe('sign-in', () => {
  it('refuses a wrong key with the reason, accepts a real one, and keeps the key out of page scripts', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, baseURL: server.url, reducedMotion: 'reduce' });
    const page = await context.newPage();
    try {
      await page.goto('/');
      await page.waitForURL((u) => u.pathname === '/sign-in');
      await page.getByRole('heading', { name: 'Sign in to the console' }).waitFor();
      await screenshot(page, 'sign-in');

      await page.getByLabel('API key').fill('sb_not_a_real_key_0123456789');
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/\S/);
      expect(new URL(page.url()).pathname).toBe('/sign-in');

      await page.getByLabel('API key').fill(adminKey);
      await Promise.all([page.waitForURL((u) => u.pathname === '/'), page.getByRole('button', { name: 'Sign in', exact: true }).click()]);
      await page.getByRole('heading', { name: 'Overview' }).waitFor();
      await expect.poll(() => page.locator('.who').textContent()).toContain('Acme Retail');

      const cookie = (await context.cookies()).find((c) => c.name === 'sb_key');
      expect(cookie).toMatchObject({ value: adminKey, httpOnly: true, sameSite: 'Strict' });
      expect(await page.evaluate(() => document.cookie)).not.toContain(adminKey);
      expect(await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }))).not.toContain(
        adminKey,
      );
    } finally {
      await context.close();
    }
  });
});

describe('overview dashboard', () => {
  it("shows the API's numbers for the same range: totals, per type, and failures by error code", async () => {
    const { page, context, errors } = await openConsole(browser, server.url, readKey);
    try {
      // Reload so the overview request is observed from the start; its range is what the API is asked for below.
      const variables = nextOperation(page, 'DashboardOverview');
      await page.reload();
      const { range } = (await variables) as { range: { from: string; to: string } };
      await page.getByTestId('total-failed').waitFor();

      const api = await gqlOk<{
        overview: {
          succeeded: number;
          failed: number;
          retrying: number;
          inFlight: number;
          byType: { type: string; succeeded: number; failed: number; failing: number }[];
        };
        failuresByErrorCode: { code: string; count: number; retrying: number }[];
      }>(
        server,
        readKey,
        `query($range: TimeRange!) {
          overview(range: $range) { succeeded failed retrying inFlight byType { type succeeded failed failing } }
          failuresByErrorCode(range: $range, includeRetrying: true) { code count retrying }
        }`,
        { range },
      );
      expect(api.overview.failed).toBeGreaterThan(0);
      expect(api.overview.succeeded).toBeGreaterThan(1000);

      expect(num(await page.getByTestId('total-succeeded').textContent())).toBe(api.overview.succeeded);
      expect(num(await page.getByTestId('total-failed').textContent())).toBe(api.overview.failed);
      expect(num(await page.getByTestId('total-retrying').textContent())).toBe(api.overview.retrying);
      expect(num(await page.getByTestId('total-in-flight').textContent())).toBe(api.overview.inFlight);

      // Per type: the summary table's rows.
      for (const t of api.overview.byType) {
        const row = page.locator(`tr[data-type="${t.type}"]`);
        expect(num(await row.locator('[data-metric="succeeded"]').textContent()), `${t.type} succeeded`).toBe(t.succeeded);
        // Failing = failed or retrying: the like-with-like figure the console compares across periods.
        expect(num(await row.locator('[data-metric="failing"]').textContent()), `${t.type} failing`).toBe(t.failing);
      }

      // Failing by error code: every code, with its failed and retrying counts, in the chart's table.
      const shown = await page
        .locator('table.codes tbody tr')
        .evaluateAll((rows) =>
          rows.map((r) => [
            r.querySelector('[data-error-code]')?.getAttribute('data-error-code'),
            r.querySelector('[data-metric="failed"]')?.textContent,
            r.querySelector('[data-metric="retrying"]')?.textContent,
          ]),
        );
      expect(shown.map(([code, failed, retrying]) => [code, num(failed ?? ''), num(retrying ?? '')])).toEqual(
        api.failuresByErrorCode.map((c) => [c.code, c.count, c.retrying]),
      );

      await expect.poll(() => page.locator('canvas').count()).toBeGreaterThanOrEqual(3);
      await screenshot(page, 'overview');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('opens the event log filtered to an error code when its bar is clicked', async () => {
    const { page, context } = await openConsole(browser, server.url, readKey);
    try {
      const chart = page.locator('figure[aria-label^="Failing events by error code"] canvas');
      await chart.waitFor();
      const topCode = await page.locator('table.codes [data-error-code]').first().getAttribute('data-error-code');
      expect(topCode).toBeTruthy();

      // The top bar is the most frequent code; find its pixels (the bar colour) once the animation has settled.
      const point = await page.waitForFunction(
        (canvas) => {
          const c = canvas as HTMLCanvasElement;
          const ctx = c.getContext('2d');
          if (!ctx) return null;
          const { data, width, height } = ctx.getImageData(0, 0, c.width, c.height);
          for (let y = 0; y < height; y++) {
            for (let x = 0; x < width; x++) {
              const i = (y * width + x) * 4;
              if (
                Math.abs((data[i] ?? 0) - 0xb4) < 6 &&
                Math.abs((data[i + 1] ?? 0) - 0x23) < 6 &&
                Math.abs((data[i + 2] ?? 0) - 0x18) < 6
              ) {
                const scale = c.width / c.getBoundingClientRect().width;
                return { x: (x + 4) / scale, y: (y + 5) / scale };
              }
            }
          }
          return null;
        },
        await chart.elementHandle(),
        { polling: 200 },
      );
      const { x, y } = (await point.jsonValue()) as { x: number; y: number };

      const events = nextOperation(page, 'EventList');
      await chart.click({ position: { x, y } });
      await page.waitForURL((u) => u.pathname === '/events');
      const url = new URL(page.url());
      expect(url.searchParams.get('errorCode')).toBe(topCode);
      expect(url.searchParams.get('status')).toBe('RETRYING,FAILED');

      const { filter } = (await events) as { filter: Record<string, unknown> };
      expect(filter).toMatchObject({ errorCodes: [topCode], statuses: ['RETRYING', 'FAILED'] });
      await page.locator('tbody tr[data-event-id]').first().waitFor();

      // The rows are the API's first page for the same filter, and every one has the code.
      const api = await gqlOk<{ events: { edges: { node: { id: string; errorCode: string; status: string } }[] } }>(
        server,
        readKey,
        'query($filter: EventFilter, $first: Int) { events(filter: $filter, first: $first) { edges { node { id errorCode status } } } }',
        { filter, first: 50 },
      );
      const ids = await page.locator('tbody tr[data-event-id]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-event-id')));
      expect(ids).toEqual(api.events.edges.map((e) => e.node.id));
      expect(api.events.edges.every((e) => e.node.errorCode === topCode && ['FAILED', 'RETRYING'].includes(e.node.status))).toBe(true);
    } finally {
      await context.close();
    }
  });
});

describe('integrations and events', () => {
  it('lists integrations, opens one, and shows an event with request and response side by side', async () => {
    const { page, context, errors } = await openConsole(browser, server.url, adminKey);
    try {
      await page.getByRole('navigation', { name: 'Primary' }).getByRole('link', { name: 'Integrations' }).click();
      await page.waitForURL((u) => u.pathname === '/integrations');
      const rows = page.locator('tbody tr[data-integration-id]');
      await rows.first().waitFor();
      const api = await gqlOk<{ integrations: { totalCount: number } }>(server, readKey, '{ integrations(first: 100) { totalCount } }');
      expect(await rows.count()).toBe(Math.min(api.integrations.totalCount, 50));
      await screenshot(page, 'integrations');

      await rows.first().getByRole('link').click();
      await page.waitForURL((u) => u.pathname.startsWith('/integrations/int_'));
      await page.getByRole('group', { name: 'Lifecycle actions' }).waitFor();
      await page.getByRole('heading', { name: 'State history' }).waitFor();
      await screenshot(page, 'integration-detail');

      // A failed event with a response, from the generated data.
      const failed = await gqlOk<{
        events: { edges: { node: { id: string; attempts: { response: { statusCode: number } | null }[] } }[] };
      }>(
        server,
        readKey,
        `{ events(first: 50, filter: { statuses: [FAILED] }) { edges { node { id attempts { response { statusCode } } } } } }`,
      );
      const withResponse = failed.events.edges.find((e) => e.node.attempts.some((a) => a.response));
      expect(withResponse).toBeDefined();
      await page.goto(`/events?status=FAILED`);
      await page.locator('tbody tr[data-event-id]').first().waitFor();
      await screenshot(page, 'events');

      await page.goto(`/events/${withResponse?.node.id}`);
      await page.getByRole('heading', { name: 'Delivery attempts' }).waitFor();
      const request = page.getByRole('region', { name: 'Request' }).first();
      const response = page.getByRole('region', { name: 'Response' }).first();
      await request.waitFor();
      await response.waitFor();
      // Side by side at 1280 px: the response panel starts to the right of the request panel, on the same row.
      const [rq, rs] = [await request.boundingBox(), await response.boundingBox()];
      expect(rs?.x).toBeGreaterThan((rq?.x ?? 0) + (rq?.width ?? 0) - 1);
      expect(Math.abs((rs?.y ?? 0) - (rq?.y ?? 0))).toBeLessThan(4);
      await screenshot(page, 'event-detail');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('shows the overview, event log and integrations at phone width without horizontal overflow', async () => {
    const { page, context } = await openConsole(browser, server.url, readKey, { width: 390, height: 844 });
    try {
      await page.getByTestId('total-failed').waitFor();
      await expect.poll(() => page.locator('canvas').count()).toBeGreaterThanOrEqual(3);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow).toBeLessThanOrEqual(0);
      // Nor inside the tables: each row is a card, every cell named by its column.
      const tables = () =>
        page.evaluate(() =>
          [...document.querySelectorAll('.table-wrap')].map((wrap) => ({
            overflow: wrap.scrollWidth - wrap.clientWidth,
            header: wrap.querySelector('thead') ? getComputedStyle(wrap.querySelector('thead') as Element).position : null,
            labels: [...wrap.querySelectorAll('tbody tr:first-child td[data-label]')].map((td) => getComputedStyle(td, '::before').content),
          })),
        );
      const overview = await tables();
      expect(overview.length).toBeGreaterThanOrEqual(3);
      for (const t of overview) expect(t.overflow).toBeLessThanOrEqual(0);
      expect(overview.flatMap((t) => t.labels)).toEqual(expect.arrayContaining(['"Succeeded"', '"Integration"']));
      await screenshot(page, 'overview-phone');

      for (const [path, label] of [
        ['/events', '"Status"'],
        ['/integrations', '"Success (24 h)"'],
      ] as const) {
        await page.goto(path);
        await page.locator('tbody tr').first().waitFor();
        const [list] = await tables();
        expect(list?.overflow).toBeLessThanOrEqual(0);
        expect(list?.header).toBe('absolute');
        expect(list?.labels).toContain(label);
        expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(
          0,
        );
      }
      await screenshot(page, 'integrations-phone');
    } finally {
      await context.close();
    }
  });
});

describe('a READ key', () => {
  it('sees an integration read-only: no lifecycle, edit, secret or replay buttons', async () => {
    const { page, context } = await openConsole(browser, server.url, readKey);
    try {
      await expect.poll(() => page.locator('.who').textContent()).toContain('(READ)');
      const list = await gqlOk<{ integrations: { edges: { node: { id: string } }[] } }>(
        server,
        readKey,
        '{ integrations(first: 1) { edges { node { id } } } }',
      );
      const id = list.integrations.edges[0]?.node.id;
      await page.goto(`/integrations/${id}`);
      await page.getByRole('heading', { name: 'State history' }).waitFor();
      expect(await page.getByRole('group', { name: 'Lifecycle actions' }).count()).toBe(0);
      for (const name of ['Pause', 'Resume', 'Reconnect', 'Disconnect', 'Rotate signing secret', 'Send test event', 'Edit']) {
        expect(await page.getByRole('button', { name, exact: true }).count(), name).toBe(0);
      }
      expect(await page.locator('[data-action]').count()).toBe(0);

      const events = await gqlOk<{ events: { edges: { node: { id: string } }[] } }>(
        server,
        readKey,
        '{ events(first: 1, filter: { statuses: [FAILED] }) { edges { node { id } } } }',
      );
      await page.goto(`/events/${events.events.edges[0]?.node.id}`);
      await page.getByRole('heading', { name: 'Delivery attempts' }).waitFor();
      expect(await page.getByRole('button', { name: 'Replay' }).count()).toBe(0);

      // Nor the other write paths: new/edit integration, replay all, key management.
      expect(await page.getByRole('link', { name: 'Edit', exact: true }).count()).toBe(0);
      await page.goto('/integrations');
      await page.locator('tbody tr[data-integration-id]').first().waitFor();
      expect(await page.getByRole('link', { name: 'New integration' }).count()).toBe(0);
      await page.goto('/events');
      await page.locator('tbody tr[data-event-id]').first().waitFor();
      expect(await page.getByRole('button', { name: /Replay all/ }).count()).toBe(0);
      await page.goto('/keys');
      await page.locator('tr[data-key-id]').first().waitFor();
      expect(await page.getByRole('button', { name: 'Create key' }).count()).toBe(0);
      expect(await page.getByRole('button', { name: /^Revoke/ }).count()).toBe(0);
    } finally {
      await context.close();
    }
  });
});
