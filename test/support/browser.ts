/**
 * The machine's Chromium (/usr/bin/chromium, installed by scripts/install-services.sh) driven by
 * playwright-core: headless, sandbox-less (root in CI), no network of its own, a fresh profile.
 * Screenshots go to test-artifacts/web (git-ignored) for a person to look at.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { webDistDir } from '../../apps/api/web';

export const CHROMIUM = '/usr/bin/chromium';
export const screenshotDir = path.resolve('test-artifacts/web');

const chromiumFlags = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

export interface TestBrowser {
  context: BrowserContext;
  page: Page;
  /** a full-page screenshot as test-artifacts/web/<name>.png */
  screenshot(name: string): Promise<void>;
  close(): Promise<void>;
}

/** Signs in through the web app's form as the platform's instance admin (`env`: the test platform's), at `origin` or the page's base URL. */
export async function signInAsAdmin(page: Page, env: { BLOBHUB_ADMIN_EMAIL: string; BLOBHUB_ADMIN_PASSWORD: string }, origin = '') {
  await page.goto(`${origin}/signin`);
  await page.getByLabel('Email', { exact: true }).fill(env.BLOBHUB_ADMIN_EMAIL);
  await page.getByLabel('Password', { exact: true }).fill(env.BLOBHUB_ADMIN_PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByTestId('signed-in-as').waitFor();
}

/** A fresh Chromium whose pages open at `baseURL`; the built web app must be there to serve (npm test builds it first). */
export async function openBrowser(baseURL: string): Promise<TestBrowser> {
  if (!existsSync(path.join(webDistDir, 'index.html'))) throw new Error('the web app is not built: run `npm run build` first (npm test does)');
  const profile = mkdtempSync(path.join(os.tmpdir(), 'blobhub-chromium-'));
  // headless: true makes playwright pass --headless; the persistent context is the fresh profile dir.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: chromiumFlags,
    baseURL,
    viewport: { width: 1280, height: 860 },
    permissions: ['clipboard-read', 'clipboard-write'],
  });
  context.setDefaultTimeout(20_000);
  const page = context.pages()[0] ?? (await context.newPage());
  mkdirSync(screenshotDir, { recursive: true });
  return {
    context,
    page,
    screenshot: async (name) => void (await page.screenshot({ path: path.join(screenshotDir, `${name}.png`), fullPage: true })),
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
