/**
 * The web app under its own content security policy in a real Chromium: signing in, an org, the
 * blob browser, the graph editor with its code editor, a live execution page and Swagger UI at
 * /docs run without one CSP violation (Chromium reports each as a `securitypolicyviolation`
 * event and a console error).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { openBrowser, type TestBrowser } from '../support/browser';
import { startTestPlatform, type TestPlatform } from '../support/platform';
import { newWorkflowBlob, upload } from '../support/workflow';
import { fibonacciDefinition, stepsDefinition } from './fixtures';

let p: TestPlatform;
let browser: TestBrowser;
let page: Page;
const violations: string[] = [];

beforeAll(async () => {
  p = await startTestPlatform();
  const { revisionId } = await newWorkflowBlob(p.admin, 'acme', 'flows');
  await upload(p.admin, revisionId, 'fib', fibonacciDefinition());
  await upload(p.admin, revisionId, 'steps', stepsDefinition());
  browser = await openBrowser(p.url);
  page = browser.page;
  // runs in the page (a string: this project's types have no DOM)
  await page.addInitScript(
    `document.addEventListener('securitypolicyviolation', (e) => console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI))`,
  );
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy|CSP violation/i.test(message.text())) violations.push(`${page.url()}: ${message.text()}`);
  });
});
afterAll(async () => {
  await browser?.close();
  await p?.close();
});

it('runs the main pages with no content security policy violation', async () => {
  const response = await page.goto('/signin');
  expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
  await page.getByLabel('Email', { exact: true }).fill(p.env.BLOBHUB_ADMIN_EMAIL);
  await page.getByLabel('Password', { exact: true }).fill(p.env.BLOBHUB_ADMIN_PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByTestId('signed-in-as').waitFor();

  await page.goto('/orgs/acme');
  await page.getByRole('link', { name: 'flows', exact: true }).first().waitFor();
  await page.goto('/orgs/acme/blobs/flows');
  await page.getByRole('link', { name: 'Editor' }).click();
  await expect.poll(() => page.getByTestId('component-node').count()).toBe(3);
  // the code component's inspector holds the CodeMirror editor, which adds its styles at run time
  await page.locator('[data-testid="component-node"][data-type="logic.code"] p').first().click();
  await page.getByTestId('inspector').locator('.cm-content').waitFor();

  const revision = (await p.admin.get('/blobs/acme/flows')).body.blob.latest_revision_id as string;
  await page.goto(`/orgs/acme/blobs/flows/executions?revision=${revision}`);
  await page.getByLabel('Definition', { exact: true }).selectOption('steps');
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await page.waitForURL('**/executions/exe_*');
  // live: the events arrive over the realtime WebSocket, which connect-src must allow
  await page.locator('[data-testid=live-state][data-state=live]').waitFor();
  await page.getByTestId('execution-status').getByText('succeeded').waitFor();

  await page.goto('/docs');
  await page.getByText('BlobHub', { exact: false }).first().waitFor();
  await page.locator('.opblock').first().waitFor();
  await browser.screenshot('csp-docs');

  expect(violations).toEqual([]);
});
