/**
 * The workflow blob's Triggers tab in a real Chromium against a real platform: create a sync
 * webhook trigger with an input mapping, read its URL and its secret (shown once), call it from
 * outside and get the outputs, then revoke it and see the URL answer 404.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { openBrowser, signInAsAdmin, type TestBrowser } from '../support/browser';
import { startTestPlatform, type TestPlatform } from '../support/platform';
import { newWorkflowBlob, upload } from '../support/workflow';
import { fibonacciDefinition } from './fixtures';

let p: TestPlatform;
let browser: TestBrowser;
let page: Page;

beforeAll(async () => {
  p = await startTestPlatform();
  const { revisionId } = await newWorkflowBlob(p.admin, 'acme');
  await upload(p.admin, revisionId, 'fib', fibonacciDefinition());
  browser = await openBrowser(p.url);
  page = browser.page;
});
afterAll(async () => {
  await browser?.close();
  await p?.close();
});

const field = (label: string) => page.getByLabel(label, { exact: true });
const button = (name: string) => page.getByRole('button', { name, exact: true });

describe('the triggers tab', () => {
  it('creates a webhook trigger, shows its secret once, and revokes it', async () => {
    await signInAsAdmin(page, p.env);
    await page.goto('/orgs/acme/blobs/flows');
    await page.getByRole('link', { name: 'Triggers' }).click();
    await page.getByText('No webhook triggers on this blob.').waitFor();

    await field('Definition').selectOption('fib');
    await field('Mode').selectOption('sync');
    await field('Authentication').selectOption('secret');
    await field('Input mapping (JSON)').fill('[{"alias": "n", "source": "body", "path": "/n", "type": "integer"}]');
    await button('Create trigger').click();
    const secret = (await page.getByTestId('secret').textContent())!;
    const url = (await page.getByTestId('trigger-url').textContent())!.replace(/^POST /, '');
    expect(secret).toMatch(/^bhw_/);
    const rows = page.getByTestId('triggers-table').getByRole('row');
    await rows.filter({ hasText: url }).waitFor();
    await browser.screenshot('workflow-triggers');

    const call = () => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` }, body: '{"n": 10}' });
    const answer = await call();
    expect(answer.status).toBe(200);
    expect(((await answer.json()) as { execution: { output_data: unknown } }).execution.output_data).toEqual([
      { alias: 'result', value: { type: 'integer', integer: 55 } },
    ]);

    await rows.filter({ hasText: url }).getByRole('button', { name: 'Revoke' }).click();
    // asked first, as every destructive action
    const dialog = page.getByRole('dialog', { name: /Revoke the webhook trigger of fib\?/ });
    await dialog.getByRole('button', { name: 'Revoke', exact: true }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByText('No webhook triggers on this blob.').waitFor();
    expect((await call()).status).toBe(404);
  });
});
