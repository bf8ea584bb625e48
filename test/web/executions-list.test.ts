/**
 * The executions list in a real Chromium against a real platform: the total, search by id or
 * definition, and the status, failed component, trigger, starter and date filters, each kept in
 * the URL so that a link opened elsewhere shows the same view.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { openBrowser, signInAsAdmin, type TestBrowser } from '../support/browser';
import { newUser, signInAdmin } from '../support/people';
import { startTestPlatform, type TestPlatform } from '../support/platform';
import { comp, definition, ENGINE, flow, integer, newWorkflowBlob, run, upload, waitForStatus } from '../support/workflow';
import { fibonacciDefinition } from './fixtures';

let p: TestPlatform;
let browser: TestBrowser;
let page: Page;
const ids = { fib: '', failed: '', byColleague: '', byWebhook: '' };
let colleagueId: string;

const failing = definition(
  [
    comp('s', 'flow.start'),
    comp('explode', 'logic.code', { language: 'javascript', code: "throw new Error('boom')" }, { name: 'Explode' }),
    comp('e', 'flow.end'),
  ],
  [flow('s', 'explode'), flow('explode', 'e')],
);

beforeAll(async () => {
  p = await startTestPlatform();
  const admin = await signInAdmin(p);
  const { revisionId } = await newWorkflowBlob(admin.client, 'acme');
  await upload(admin.client, revisionId, 'fib', fibonacciDefinition());
  await upload(admin.client, revisionId, 'failing', failing);
  const colleague = await newUser(p, admin, 'colleague');
  colleagueId = colleague.id;
  expect((await admin.client.post('/orgs/acme/members', { user_id: colleague.id, role: 'write' })).status).toBe(200);

  ids.fib = (await run(admin.client, revisionId, 'fib', [{ alias: 'n', value: integer(5) }])).id;
  ids.failed = (await run(admin.client, revisionId, 'failing')).id;
  ids.byColleague = (await run(colleague.client, revisionId, 'fib', [{ alias: 'n', value: integer(6) }])).id;
  const trigger = await admin.client.data(revisionId, ENGINE, 'create_trigger', {
    alias: 'fib',
    auth: 'secret',
    input_mapping: [{ alias: 'n', source: 'body', path: '/n', type: 'integer' }],
  });
  expect(trigger.status, JSON.stringify(trigger.body)).toBe(200);
  const delivered = await fetch(trigger.body.trigger.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${trigger.body.trigger.secret}` },
    body: '{"n": 7}',
  });
  expect(delivered.status).toBe(202);
  ids.byWebhook = ((await delivered.json()) as { execution: { id: string } }).execution.id;
  await waitForStatus(admin.client, revisionId, ids.byWebhook);

  browser = await openBrowser(p.url);
  page = browser.page;
  await signInAsAdmin(page, p.env);
});
afterAll(async () => {
  await browser?.close();
  await p?.close();
});

/** What the list shows: its total line and the execution ids of its rows, top to bottom. */
const listing = async (on: Page) => ({
  total: (await on.getByTestId('executions-total').allTextContents())[0],
  ids: await on.getByTestId('executions-table').locator('tbody tr td:first-child').allTextContents(),
});
/** Waits for the list to show exactly this total and these executions. */
const expectShown = (total: string, ids: string[], on = page) => expect.poll(() => listing(on)).toEqual({ total, ids });
const filter = (label: string) => page.getByRole('search', { name: 'Filter executions' }).getByLabel(label, { exact: true });
const param = (name: string) => new URL(page.url()).searchParams.get(name);
const today = () => new Date().toLocaleDateString('en-CA');

describe('the executions list', () => {
  it('shows the total, and narrows by search, status, failed component, trigger, starter and dates', async () => {
    const all = [ids.byWebhook, ids.byColleague, ids.failed, ids.fib];
    await page.goto('/orgs/acme/blobs/flows/executions');
    await expectShown('4 executions', all);

    await filter('Search').fill('FAIL');
    await filter('Search').press('Enter');
    await expectShown('1 execution match', [ids.failed]);
    expect(param('search')).toBe('FAIL');
    // an execution id finds that execution
    await filter('Search').fill(ids.fib);
    await filter('Search').press('Enter');
    await expectShown('1 execution match', [ids.fib]);
    await filter('Search').fill('');
    await filter('Search').press('Enter');
    await expectShown('4 executions', all);

    await filter('Status').selectOption('failed');
    await expectShown('1 execution match', [ids.failed]);
    await filter('Status').selectOption('');
    await expectShown('4 executions', all);
    await filter('Failed component').fill('Explode');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await expectShown('1 execution match', [ids.failed]);
    expect(param('component_failed')).toBe('Explode');
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await expectShown('4 executions', all);
    expect(param('component_failed')).toBeNull();

    await filter('Trigger').selectOption('webhook');
    await expectShown('1 execution match', [ids.byWebhook]);
    await filter('Trigger').selectOption('manual');
    await filter('Started by').selectOption({ label: 'colleague' });
    await expectShown('1 execution match', [ids.byColleague]);
    expect(param('started_by')).toBe(colleagueId);
    await page.getByRole('button', { name: 'Clear filters' }).click();

    await filter('From').fill(today());
    await filter('To').fill(today());
    await expectShown('4 executions match', all);
    await filter('To').fill('2020-01-01');
    await expectShown('0 executions match', []);
    await page.getByText('No executions of this revision match these filters.').waitFor();
    await browser.screenshot('executions-list-filtered');
  });

  it('reproduces the view from a link, in another browser', async () => {
    const link = `/orgs/acme/blobs/flows/executions?search=fib&trigger=manual&status=succeeded&from=${today()}`;
    const other = await openBrowser(p.url);
    try {
      await signInAsAdmin(other.page, p.env);
      await other.page.goto(link);
      await expectShown('2 executions match', [ids.byColleague, ids.fib], other.page);
      const bar = other.page.getByRole('search', { name: 'Filter executions' });
      expect(await bar.getByLabel('Search', { exact: true }).inputValue()).toBe('fib');
      expect(await bar.getByLabel('Trigger', { exact: true }).inputValue()).toBe('manual');
      expect(await bar.getByLabel('Status', { exact: true }).inputValue()).toBe('succeeded');
      expect(await bar.getByLabel('From', { exact: true }).inputValue()).toBe(today());
      await other.screenshot('executions-list-from-link');
    } finally {
      await other.close();
    }
  });
});
