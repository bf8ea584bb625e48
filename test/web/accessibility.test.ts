/**
 * Every page of the web app in a real Chromium against a real platform, checked by axe-core in
 * light and dark mode (the system preference, which the app follows) at 1440 px and 390 px: no
 * critical or serious violation, no sideways scroll at 390 px, no request answered 404 (the
 * favicon included). Each page's screenshot goes to test-artifacts/web/a11y-*.png.
 */
import axe from 'axe-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { openBrowser, signInAsAdmin, type TestBrowser } from '../support/browser';
import { startSchedulerFixture, targetOf, SCHEDULER, type SchedulerFixture } from '../support/scheduler';
import { run } from '../support/workflow';

let fx: SchedulerFixture;
let browser: TestBrowser;
let page: Page;
let executionPath: string;
let invitePath: string;
/** pages, assets and the favicon answered 404 (the API's own 404s, e.g. "no model yet", are answers, not missing files) */
const notFound: string[] = [];

beforeAll(async () => {
  fx = await startSchedulerFixture();
  const { revisionId } = fx.target;
  const execution = await run(fx.p.admin, revisionId, 'fib', [{ alias: 'n', value: { type: 'integer', integer: 10 } }]);
  executionPath = `/orgs/acme/blobs/flows/revisions/${revisionId}/executions/${execution.id}`;
  const schedule = await fx.p.admin.data(fx.scheduler.revisionId, SCHEDULER, 'create_schedule', {
    repeat: 'recurring_cron',
    cron_expression: '0 9 * * ? *',
    timezone: 'UTC',
    description: 'every morning',
    invocation_target_type: 'workflow',
    invocation_target: targetOf(fx.orgId, fx.target),
  });
  expect(schedule.status, JSON.stringify(schedule.body)).toBe(200);
  expect((await fx.p.admin.post('/orgs/acme/blobs', { name: 'model', type: 'onnx' })).status).toBe(200);
  const invitation = await fx.p.admin.post('/orgs/acme/invitations', { role: 'write' });
  expect(invitation.status, JSON.stringify(invitation.body)).toBe(200);
  invitePath = new URL(invitation.body.invitation.url).pathname;
  browser = await openBrowser(fx.p.url);
  page = browser.page;
  page.on('response', (r) => r.status() === 404 && !/^\/(trpc|v1)\//.test(new URL(r.url()).pathname) && notFound.push(r.url()));
});
afterAll(async () => {
  await browser?.close();
  await fx?.close();
});

interface Walked {
  name: string;
  path: () => string;
  /** text on the page once it has loaded */
  ready: string;
}

const signedOutPages: Walked[] = [
  { name: 'sign-in', path: () => '/signin', ready: 'Sign in to BlobHub' },
  { name: 'welcome', path: () => '/', ready: 'Welcome to BlobHub' },
  { name: 'setup', path: () => '/setup', ready: 'Set up BlobHub' },
  { name: 'invite', path: () => invitePath, ready: 'Create account and join' },
];
const signedInPages: Walked[] = [
  { name: 'organizations', path: () => '/', ready: 'New organization' },
  { name: 'blobs', path: () => '/orgs/acme', ready: 'timers' },
  { name: 'members', path: () => '/orgs/acme/members', ready: 'anyone with the link' },
  { name: 'api-keys', path: () => '/orgs/acme/keys', ready: 'New API key' },
  { name: 'credentials', path: () => '/orgs/acme/credentials', ready: 'No credentials.' },
  { name: 'settings', path: () => '/orgs/acme/settings', ready: 'Delete this organization' },
  { name: 'revisions', path: () => '/orgs/acme/blobs/flows', ready: 'Revision 1' },
  { name: 'metadata', path: () => '/orgs/acme/blobs/flows/metadata', ready: 'No metadata yet.' },
  { name: 'editor', path: () => '/orgs/acme/blobs/flows/editor', ready: 'flow.start' },
  { name: 'executions', path: () => '/orgs/acme/blobs/flows/executions', ready: 'Run a definition' },
  { name: 'execution', path: () => executionPath, ready: 'processor.exited' },
  { name: 'schedules', path: () => '/orgs/acme/blobs/timers/schedules', ready: 'every morning' },
  { name: 'model', path: () => '/orgs/acme/blobs/model/model', ready: 'No model on this revision yet.' },
  { name: 'not-found', path: () => '/nowhere', ready: 'There is no page at this address.' },
];

const sizes = [
  { width: 1440, height: 900 },
  { width: 390, height: 844 },
];
const schemes = ['light', 'dark'] as const;

/** axe-core's critical and serious violations on the page as it is, one line each. */
async function axeProblems(): Promise<string[]> {
  // evaluated through the DevTools protocol: the page's CSP (script-src 'self') refuses an injected inline script
  if (!(await page.evaluate<boolean>("typeof window.axe !== 'undefined'"))) await page.evaluate(axe.source);
  const results = await page.evaluate<axe.AxeResults>('axe.run(document, { resultTypes: ["violations"] })');
  return results.violations
    .filter((v) => v.impact === 'critical' || v.impact === 'serious')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => `${n.target.join(' ')} — ${n.failureSummary?.split('\n')[1]?.trim() ?? ''}`).join('; ')}`);
}

/** Opens every page in each scheme and size; returns what is wrong, by page. */
async function walk(pages: Walked[]) {
  const problems: string[] = [];
  for (const walked of pages) {
    for (const scheme of schemes) {
      await page.emulateMedia({ colorScheme: scheme });
      for (const size of sizes) {
        await page.setViewportSize(size);
        await page.goto(walked.path());
        await page.getByText(walked.ready).first().waitFor();
        // the theme follows the system preference
        expect(await page.evaluate<boolean>("document.documentElement.classList.contains('dark')")).toBe(scheme === 'dark');
        const where = `${walked.name} ${scheme} ${size.width}px`;
        for (const problem of await axeProblems()) problems.push(`${where}: ${problem}`);
        const width = await page.evaluate<number>('document.documentElement.scrollWidth');
        if (width > size.width) problems.push(`${where}: the page is ${width}px wide`);
        await browser.screenshot(`a11y-${walked.name}-${scheme}-${size.width}`);
      }
    }
  }
  return problems;
}

describe('every page', () => {
  // four visits a page, each checked by axe: minutes on a loaded machine
  it('signed out: no critical or serious axe violation, light and dark, at 1440 and 390 px', { timeout: 300_000 }, async () => {
    expect(await walk(signedOutPages)).toEqual([]);
  });

  it('signed in: no critical or serious axe violation, light and dark, at 1440 and 390 px', { timeout: 900_000 }, async () => {
    await signInAsAdmin(page, fx.p.env);
    expect(await walk(signedInPages)).toEqual([]);
  });

  it('has a favicon, and no page or file of the walk was answered 404', async () => {
    expect((await fetch(`${fx.p.url}/favicon.ico`)).status).toBe(200);
    expect((await fetch(`${fx.p.url}/favicon.svg`)).headers.get('content-type')).toMatch(/image\/svg/);
    expect(notFound).toEqual([]);
  });

  it('switches to dark and back with the theme switch, over the system preference, and keeps the choice', async () => {
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize(sizes[0]!);
    await page.goto('/orgs/acme');
    const isDark = () => page.evaluate<boolean>("document.documentElement.classList.contains('dark')");
    expect(await isDark()).toBe(false);
    await page.getByLabel('Theme', { exact: true }).selectOption('dark');
    expect(await isDark()).toBe(true);
    await page.reload();
    await page.getByText('timers').first().waitFor();
    expect(await isDark()).toBe(true);
    await page.getByLabel('Theme', { exact: true }).selectOption('light');
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await isDark()).toBe(false);
    await page.getByLabel('Theme', { exact: true }).selectOption('system');
    expect(await isDark()).toBe(true);
  });
});
