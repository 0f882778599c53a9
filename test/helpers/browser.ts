// Browser tests: Debian's Chromium driven by playwright-core against the real server (console mounted
// from web/build) on a fresh PostgreSQL clone, plus small helpers to wait on what the page shows.
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { startTestServer, TEST_ROOT_KEY, type TestServer } from './server.ts';

export const WEB_DIR = path.resolve(import.meta.dirname, '..', '..', 'web');
export const SCREENSHOT_DIR = path.resolve(import.meta.dirname, '..', 'browser', 'screenshots');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** The real server with the built console mounted on its port. */
export async function startConsoleServer(env: Record<string, string> = {}): Promise<TestServer> {
  if (!existsSync(path.join(WEB_DIR, 'build', 'handler.js'))) {
    throw new Error('The console is not built: run `pnpm --filter @switchboard/web build` before the browser tests');
  }
  const server = await startTestServer({ SWITCHBOARD_WEB_DIR: WEB_DIR, ...env });
  // The console's server side reads this per request; one server per test file (and worker).
  process.env.SWITCHBOARD_API_URL = server.url;
  return server;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

export interface ConsolePage {
  context: BrowserContext;
  page: Page;
  /** Uncaught page errors and console errors, to assert a page stayed clean. */
  errors: string[];
}

/** A fresh browser context (own cookie jar) at desktop width, signed in with `key` through the form. */
export async function openConsole(
  browser: Browser,
  baseUrl: string,
  key: string,
  viewport = { width: 1280, height: 900 },
): Promise<ConsolePage> {
  // Reduced motion: the console then draws charts without animating, so screenshots show them complete.
  const context = await browser.newContext({ viewport, baseURL: baseUrl, timezoneId: 'UTC', locale: 'en-US', reducedMotion: 'reduce' });
  context.setDefaultTimeout(30_000);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  await signIn(page, key);
  return { context, page, errors };
}

export async function signIn(page: Page, key: string): Promise<void> {
  await page.goto('/sign-in');
  await page.getByLabel('API key').fill(key);
  await Promise.all([page.waitForURL((u) => u.pathname === '/'), page.getByRole('button', { name: 'Sign in', exact: true }).click()]);
  await page.getByRole('heading', { name: 'Overview' }).waitFor();
}

/** Waits until the console's graphql-ws connection is up (the top bar says "Live"). */
export async function waitForLive(page: Page): Promise<void> {
  await page.locator('.live.live').waitFor({ state: 'visible', timeout: 30_000 });
}

/** Full-page PNG under test/browser/screenshots/ (git-ignored; a CI artifact). */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  // Contexts ask for reduced motion (charts draw at once); still let fonts load and a pending layout settle.
  await page.evaluate(() => document.fonts.ready);
  await page.waitForFunction(() => new Promise((r) => setTimeout(() => requestAnimationFrame(() => r(true)), 400)));
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** A key of the workspace with the given scopes, made through the API with an ADMIN key. */
export async function createKey(server: TestServer, adminKey: string, name: string, scopes: string[]): Promise<string> {
  const r = await server.gql<{ createApiKey: { key: string } }>(
    adminKey,
    'mutation($n: String!, $s: [ApiScope!]!) { createApiKey(name: $n, scopes: $s) { key } }',
    { n: name, s: scopes },
  );
  if (!r.data) throw new Error(`createApiKey failed: ${JSON.stringify(r.errors)}`);
  return r.data.createApiKey.key;
}

/** GraphQL over HTTP with a key, failing the test on any error. */
export async function gqlOk<T>(server: TestServer, key: string, query: string, variables?: Record<string, unknown>): Promise<T> {
  const r = await server.gql<T>(key, query, variables);
  if (!r.data || r.errors?.length) throw new Error(`GraphQL failed: ${JSON.stringify(r.errors)}`);
  return r.data;
}

export { TEST_ROOT_KEY };
