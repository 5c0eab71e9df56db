/**
 * What every browser test shares: finding Debian's Chromium (skip without it, fail when
 * PROVDATA_REQUIRE_BROWSER=1) and launching it with flags for a closed network, a fresh web build, the
 * server to test (in-process, or a running one), and the checks that no request leaves the provdata
 * server and no page error or 5xx happened.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { Platform } from '../../src/app.js';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const screenshotDir = join(repoRoot, '.tmp', 'screenshots');
export const chromiumPath = process.env.PROVDATA_CHROMIUM ?? '/usr/bin/chromium';
export const browserRequired = process.env.PROVDATA_REQUIRE_BROWSER === '1';
export const browserMissing = !existsSync(chromiumPath);

if (browserMissing) {
  const message = `Chromium not found at ${chromiumPath}: browser tests ${browserRequired ? 'FAIL (PROVDATA_REQUIRE_BROWSER=1)' : 'skipped'}. Install it with \`apt-get install -y chromium\` or set PROVDATA_CHROMIUM.`;
  console.warn(`\n*** ${message}\n`);
  if (browserRequired) {
    test('a browser is available (PROVDATA_REQUIRE_BROWSER=1)', () => assert.fail(message));
  }
}

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-quic',
  '--disable-sync',
  '--enable-unsafe-swiftshader',
];

/** Debian's Chromium, headless, with the flags above: one browser per test file, shared by its tests. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath, headless: true, args: CHROMIUM_ARGS });
}

/** Rebuilds web/dist when it is missing or older than the sources, so the test never runs a stale bundle. */
export async function ensureWebBuild(): Promise<void> {
  const dist = join(repoRoot, 'web', 'dist', 'index.html');
  const newest = (dir: string): number =>
    readdirSync(dir, { withFileTypes: true }).reduce((max, entry) => {
      const path = join(dir, entry.name);
      return Math.max(max, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
    }, 0);
  const sourcesChanged = Math.max(newest(join(repoRoot, 'web', 'src')), statSync(join(repoRoot, 'web', 'index.html')).mtimeMs);
  if (existsSync(dist) && statSync(dist).mtimeMs >= sourcesChanged) return;
  const { build } = await import('vite');
  await build({ configFile: join(repoRoot, 'web', 'vite.config.ts'), logLevel: 'warn' });
}

export function recordRequests(context: BrowserContext): string[] {
  const urls: string[] = [];
  context.on('request', (request) => urls.push(request.url()));
  return urls;
}

/**
 * Every request went to the server under test (no CDN, no web font, no tile server): 127.0.0.1 for
 * the in-process server, or the host of PROVDATA_BROWSER_BASE_URL — `localhost` when a person runs
 * the tests against their own `npm start`.
 */
export function assertAllLocal(urls: string[]): void {
  const external = process.env.PROVDATA_BROWSER_BASE_URL;
  const served = new Set(['127.0.0.1', ...(external ? [new URL(external).hostname] : [])]);
  const outside = urls.filter((url) => {
    const { protocol, hostname } = new URL(url);
    if (protocol === 'data:' || protocol === 'blob:') return false;
    return !served.has(hostname);
  });
  assert.deepEqual(outside, [], `requests left ${[...served].join(' / ')}`);
  assert.ok(urls.length > 0, 'no request was recorded at all');
}

/** Page errors, and API answers of 500 or more (a 4xx can be the point of a step). */
export function watchPage(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('response', (response) => {
    if (response.status() >= 500) problems.push(`${response.status()} ${response.request().method()} ${response.url()}`);
  });
  return problems;
}

export async function screenshot(page: Page, name: string, fullPage = true): Promise<void> {
  mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage });
}

/** An axe-core finding, reduced to what a failure message needs. */
export interface A11yViolation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/**
 * Runs axe-core (WCAG 2.1 A and AA rules) on the page as it is now and returns the violations.
 * axe is injected from node_modules, so nothing is fetched from outside.
 */
export async function accessibilityViolations(page: Page): Promise<A11yViolation[]> {
  await page.addScriptTag({ path: join(repoRoot, 'node_modules', 'axe-core', 'axe.min.js') });
  return page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(ctx: unknown, opts: unknown): Promise<{ violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] }[] }> } }).axe;
    const result = await axe.run((globalThis as unknown as { document: unknown }).document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 5).map((n) => n.target.map(String).join(' ')) }));
  });
}

/** The platform started in-process for a browser test, listening on a free port of 127.0.0.1. */
export interface TestServer {
  baseUrl: string;
  platform: Platform;
  close(): Promise<void>;
}

/**
 * Builds the web client if needed, then starts the real server in-process, as `npm start` does, on a
 * fresh data directory holding the Gia Lai seed and its demo datasets (a copy of the seeded template:
 * seeding anew costs ~10 s of CPU per test file). The admin gets `adminPassword`, as an operator's reset would.
 */
export async function startTestServer(opts: { adminPassword: string; env?: Record<string, string> }): Promise<TestServer> {
  await ensureWebBuild();
  const { buildApp } = await import('../../src/app.js');
  const { loadConfig } = await import('../../src/core/config/index.js');
  const { SYSTEM } = await import('../../src/core/auth/index.js');
  const { seededDataDir } = await import('../support/platform.js');
  const dataDir = mkdtempSync(join(tmpdir(), 'provdata-browser-'));
  await seededDataDir(dataDir);
  const platform = await buildApp({
    config: loadConfig({ PROVDATA_DATA_DIR: dataDir, PROVDATA_ADMIN_PASSWORD: opts.adminPassword, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...opts.env }),
  });
  await platform.migrate();
  await platform.seed();
  const admin = await platform.org.findUser(SYSTEM, platform.config.adminUser);
  await platform.org.setPassword(SYSTEM, admin.id, { password: opts.adminPassword });
  const address = await platform.app.listen({ port: 0, host: '127.0.0.1' });
  return {
    baseUrl: address.replace('localhost', '127.0.0.1'),
    platform,
    close: async () => {
      await platform.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The server a browser test talks to, in-process or already running elsewhere. */
export interface BrowserServer {
  baseUrl: string;
  adminUser: string;
  adminPassword: string;
  /** The in-process platform, for setting up what the pages cannot; null against a running server. */
  platform: Platform | null;
  close(): Promise<void>;
}

/**
 * Starts the in-process server (see startTestServer), unless PROVDATA_BROWSER_BASE_URL names a running
 * one — then the test checks that server instead (a deployment, say), signing in with
 * PROVDATA_ADMIN_USER and PROVDATA_ADMIN_PASSWORD, and leaves it running.
 */
export async function startBrowserServer(opts: { adminPassword: string; env?: Record<string, string> }): Promise<BrowserServer> {
  const external = process.env.PROVDATA_BROWSER_BASE_URL;
  if (external) {
    return {
      baseUrl: external.replace(/\/$/, ''),
      adminUser: process.env.PROVDATA_ADMIN_USER ?? 'admin',
      adminPassword: process.env.PROVDATA_ADMIN_PASSWORD ?? '',
      platform: null,
      close: async () => {},
    };
  }
  const server = await startTestServer(opts);
  return { ...server, adminUser: server.platform.config.adminUser, adminPassword: opts.adminPassword };
}

/** How many pixels the page is wider than the viewport (a phone page must not scroll sideways: ≤ 1). */
export async function sidewaysOverflow(page: Page): Promise<number> {
  return page.evaluate(() => {
    const root = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document.documentElement;
    return root.scrollWidth - root.clientWidth;
  });
}

/** Signs in through the login page, as a person would, and waits for the account name in the header. */
export async function login(page: Page, baseUrl: string, username: string, password: string): Promise<void> {
  await page.goto(`${baseUrl}/login`);
  await page.getByLabel('Tên đăng nhập').fill(username);
  await page.getByLabel('Mật khẩu').fill(password);
  await page.getByRole('button', { name: 'Đăng nhập' }).click();
  await page.getByTestId('user-name').waitFor();
}
