/**
 * Paths through the web app that used to dead-end, in a real Chromium against a real platform
 * (PostgreSQL, Temporal, worker, the local blob store): an ONNX upload from a page opened at
 * another address than the public URL, deleting a blob's only draft, the executions list after
 * schedule runs and a new draft, a run cancelled inside a delay, changing a schedule's workflow
 * revision, and the code stub's first run. Destructive actions ask first and say when done.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { addModel } from '../support/onnx-models';
import { openBrowser, signInAsAdmin, type TestBrowser } from '../support/browser';
import { startSchedulerFixture, type SchedulerFixture } from '../support/scheduler';
import { comp, data, definition, ENGINE, flow, start, upload, waitForStatus } from '../support/workflow';
import { longWaitDefinition } from './fixtures';

let fx: SchedulerFixture;
let browser: TestBrowser;
let page: Page;
let dir: string;
/** The same server under the other loopback name: the public URL says 127.0.0.1, this page says localhost. */
let otherOrigin: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'blobhub-web-paths-'));
  fx = await startSchedulerFixture();
  otherOrigin = fx.p.url.replace('127.0.0.1', 'localhost');
  browser = await openBrowser(fx.p.url);
  page = browser.page;
  await signIn();
});
afterAll(async () => {
  await browser?.close();
  await fx?.close();
  rmSync(dir, { recursive: true, force: true });
});

const api = () => fx.p.admin;
const field = (label: string) => page.getByLabel(label, { exact: true });
const button = (name: string) => page.getByRole('button', { name, exact: true });
const dialog = (name: string | RegExp) => page.getByRole('dialog', { name });
const toast = (text: string) => page.getByTestId('toast').getByText(text).first();

const signIn = (origin = fx.p.url) => signInAsAdmin(page, fx.p.env, origin);

async function newBlob(name: string, type: 'workflow' | 'onnx') {
  const res = await api().post('/orgs/acme/blobs', { name, type });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return { blobId: res.body.blob.id as string, revisionId: res.body.revision.id as string };
}

async function newDraft(blobId: string) {
  const res = await api().post(`/blobs/${blobId}/revisions`, {});
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.revision.id as string;
}

async function commit(revisionId: string) {
  expect((await api().post(`/revisions/${revisionId}/commit`)).status).toBe(200);
}

/** The execution ids the executions table shows, top to bottom. */
const listedExecutions = (table: Locator) => table.locator('tbody tr td:first-child').allTextContents();

describe('paths that used to dead-end', () => {
  it('uploads an ONNX model from a page opened at another address than the public URL, and says what failed when a part cannot be sent', async () => {
    await newBlob('adder', 'onnx');
    await newBlob('unreachable', 'onnx');
    const file = path.join(dir, 'add.onnx');
    writeFileSync(file, addModel());
    await signIn(otherOrigin);

    // a part the browser cannot send: the message names where it went and the likely cause
    await page.goto(`${otherOrigin}/orgs/acme/blobs/unreachable/model`);
    await page.getByText('No model on this revision yet.').waitFor();
    const isPart = (url: URL) => url.pathname.startsWith('/v1/blobstore/');
    await page.route(isPart, (route) => route.abort('connectionrefused'));
    await field('ONNX file').setInputFiles(file);
    await button('Upload').click();
    await page
      .getByRole('alert')
      .filter({ hasText: `part 1 could not be sent to ${fx.p.url}` })
      .filter({ hasText: `does not allow this page's origin, ${otherOrigin}, by CORS` })
      .waitFor();
    await page.unroute(isPart);

    const parts: string[] = [];
    page.on('request', (r) => r.method() === 'PUT' && parts.push(r.url()));
    await page.goto(`${otherOrigin}/orgs/acme/blobs/adder/model`);
    await page.getByText('No model on this revision yet.').waitFor();
    await field('ONNX file').setInputFiles(file);
    await button('Upload').click();
    await page
      .getByTestId('upload-progress')
      .getByText(/^100% of .* — uploaded$/)
      .waitFor({ timeout: 60_000 });
    // the part went across origins, to the public URL
    expect(parts.length).toBeGreaterThan(0);
    expect(parts.every((url) => url.startsWith(`${fx.p.url}/v1/blobstore/`))).toBe(true);
    await page.getByTestId('model-description').waitFor({ timeout: 60_000 });
    await browser.screenshot('paths-onnx-other-origin');
  });

  it("does not delete a blob's only revision, asks before deleting a draft, and recovers a blob left without revisions", async () => {
    const solo = await newBlob('solo', 'workflow');
    await page.goto('/orgs/acme/blobs/solo');
    const first = page.getByTestId('revision-1');
    await first.getByTestId('only-revision').getByText("The blob's only revision cannot be deleted").waitFor();
    expect(await first.getByRole('button', { name: 'Delete draft' }).count()).toBe(0);

    await commit(solo.revisionId);
    await page.reload();
    await first.getByRole('button', { name: 'New draft from here' }).click();
    await toast('New draft opened').waitFor();
    const second = page.getByTestId('revision-2');
    await second.getByRole('button', { name: 'Delete draft' }).click();
    await dialog('Delete draft revision 2?').getByText('This cannot be undone').waitFor();
    await browser.screenshot('paths-confirm-delete-draft');
    await page.keyboard.press('Escape');
    await dialog('Delete draft revision 2?').waitFor({ state: 'detached' });
    expect((await api().get(`/blobs/${solo.blobId}/revisions`)).body.revisions).toHaveLength(2);
    await second.getByRole('button', { name: 'Delete draft' }).click();
    await dialog('Delete draft revision 2?').getByRole('button', { name: 'Delete draft' }).click();
    await toast('Draft deleted').waitFor();
    await second.waitFor({ state: 'detached' });
    expect((await api().get(`/blobs/${solo.blobId}/revisions`)).body.revisions).toHaveLength(1);

    // a blob some other client left without revisions gets one again from its page
    const bare = await newBlob('bare', 'workflow');
    expect((await api().delete(`/revisions/${bare.revisionId}`)).status).toBe(200);
    await page.goto('/orgs/acme/blobs/bare');
    await page.getByText('This blob has no revision').waitFor();
    await button('Start a new draft').click();
    await page.getByTestId('revision-timeline').getByText('draft', { exact: true }).waitFor();
    expect((await api().get(`/blobs/${bare.blobId}/revisions`)).body.revisions).toMatchObject([{ phase: 'draft' }]);
  });

  it('lists executions newest first by creation, ids hashed by a schedule among them, and points at the runs of other revisions', async () => {
    const runs = await newBlob('runs', 'workflow');
    await upload(api(), runs.revisionId, 'quick', definition([comp('s', 'flow.start'), comp('e', 'flow.end')], [flow('s', 'e')]));
    const oldest = await start(api(), runs.revisionId, 'quick');
    // a schedule's execution id is a hash: it sorts above every ULID of today
    const hashed = `exe_${'f'.repeat(26)}`;
    await start(api(), runs.revisionId, 'quick', [], { execution_id: hashed });
    const newest = await start(api(), runs.revisionId, 'quick');
    await page.goto(`/orgs/acme/blobs/runs/executions`);
    const table = page.getByTestId('executions-table');
    await expect.poll(() => listedExecutions(table)).toEqual([newest.id, hashed, oldest.id]);
    // the same order a page at a time, each cursor the last id shown
    const paged: string[] = [];
    let cursor: string | undefined;
    do {
      const { body } = await api().data(runs.revisionId, ENGINE, 'list_executions', { limit: 1, ...(cursor && { cursor }) });
      paged.push(...body.executions.map((e: { id: string }) => e.id));
      cursor = body.cursor ?? undefined;
    } while (cursor);
    expect(paged).toEqual([newest.id, hashed, oldest.id]);

    await commit(runs.revisionId);
    await newDraft(runs.blobId);
    await page.reload();
    const others = page.getByTestId('other-revisions');
    await others.getByText('No executions on this revision.').waitFor();
    await others.getByRole('button', { name: 'Revision 1 (commit)' }).click();
    await expect.poll(() => listedExecutions(table)).toEqual([newest.id, hashed, oldest.id]);
    await browser.screenshot('paths-executions');
  });

  it('shows a component cancelled inside flow.delay as cancelled, after a reload too, and the duration of a running execution counts up', async () => {
    const revisionId = fx.target.revisionId;
    await upload(api(), revisionId, 'wait', longWaitDefinition());
    const execution = await start(api(), revisionId, 'wait');
    await page.goto(`/orgs/acme/blobs/flows/revisions/${revisionId}/executions/${execution.id}`);
    const delay = page.getByTestId('component-d');
    await expect.poll(() => delay.getAttribute('data-state'), { timeout: 30_000 }).toBe('running');
    const duration = page.getByTestId('duration');
    const before = await duration.textContent();
    await expect.poll(() => duration.textContent(), { timeout: 10_000 }).not.toBe(before);

    await button('Cancel execution').click();
    await dialog('Cancel this execution?').getByRole('button', { name: 'Cancel execution' }).click();
    await toast('Cancel requested').waitFor();
    await page.getByTestId('execution-status').getByText('cancelled').waitFor({ timeout: 30_000 });
    await expect.poll(() => delay.getAttribute('data-state')).toBe('cancelled');
    await delay.getByText('cancelled', { exact: true }).waitFor();
    await page.reload();
    await page.getByTestId('execution-status').getByText('cancelled').waitFor();
    await expect.poll(() => delay.getAttribute('data-state')).toBe('cancelled');
    const ended = await duration.textContent();
    await page.waitForTimeout(1500);
    expect(await duration.textContent()).toBe(ended);
    await browser.screenshot('paths-cancelled-in-delay');
  });

  it("keeps the schedule's definition when another workflow revision is chosen, and asks for one when that revision lacks it", async () => {
    const picks = await newBlob('picks', 'workflow');
    const quick = definition([comp('s', 'flow.start'), comp('e', 'flow.end')], [flow('s', 'e')]);
    await upload(api(), picks.revisionId, 'beta', quick);
    await upload(api(), picks.revisionId, 'alpha', quick);
    await commit(picks.revisionId);
    const second = await newDraft(picks.blobId);
    await upload(api(), second, 'zeta', quick);
    await commit(second);
    const third = await newDraft(picks.blobId);
    expect((await api().data(third, ENGINE, 'delete_definition', { alias: 'alpha' })).status).toBe(200);

    await page.goto('/orgs/acme/blobs/timers/schedules');
    await field('Workflow blob').selectOption({ label: 'picks' });
    // nothing chosen yet: the newest revision (3) and its first definition are shown, and stay on revision 2, which has it too
    await expect.poll(() => field('Definition').inputValue()).not.toBe('');
    const shown = await field('Definition').inputValue();
    await field('Workflow revision').selectOption({ label: 'Revision 2 (commit)' });
    await field('Definition').locator('option', { hasText: 'alpha' }).waitFor({ state: 'attached' });
    expect(await field('Definition').inputValue()).toBe(shown);
    await field('Definition').selectOption('zeta');

    // revision 1 has no zeta: asked, not switched to a definition it has
    await field('Workflow revision').selectOption({ label: 'Revision 1 (commit)' });
    await page.getByTestId('definition-missing').getByText('This revision has no definition “zeta”: choose which one the schedule starts.').waitFor();
    expect(await field('Definition').inputValue()).toBe('');
    await browser.screenshot('paths-schedule-definition');
    await button('Create schedule').click();
    // the browser holds the form back until a definition is chosen
    expect(await field('Definition').and(page.locator(':invalid')).count()).toBe(1);
    expect((await api().data(fx.scheduler.revisionId, 'scheduler_blobhub', 'list_schedules', {})).body.schedules).toEqual([]);
    await field('Definition').selectOption('beta');
    await page.getByTestId('definition-missing').waitFor({ state: 'detached' });

    // a chosen definition stays chosen on another revision that has it
    await field('Workflow revision').selectOption({ label: 'Revision 3 (draft)' });
    await field('Definition').locator('option', { hasText: 'zeta' }).waitFor({ state: 'attached' });
    expect(await field('Definition').inputValue()).toBe('beta');
  });

  it('runs the code stub as it comes on the first try', { timeout: 120_000 }, async () => {
    await newBlob('stub', 'workflow');
    await page.goto('/orgs/acme/blobs/stub/editor');
    await page.getByText('Drag a component from the catalog onto the canvas.').waitFor();
    await button('Catalog').click();
    const canvas = page.getByTestId('canvas');
    await page.getByTestId('catalog-flow.start').dragTo(canvas, { targetPosition: { x: 10, y: 30 } });
    await page.getByTestId('catalog-logic.code').dragTo(canvas, { targetPosition: { x: 240, y: 130 } });
    await page.getByTestId('catalog-flow.end').dragTo(canvas, { targetPosition: { x: 470, y: 300 } });
    const handle = (name: string, id: string) => page.locator(`[data-testid="component-node"][data-name="${name}"] [data-handleid="${id}"]`);
    await handle('Start', 'route:success').dragTo(handle('Code', 'flow_input'));
    await handle('Code', 'route:success').dragTo(handle('End', 'flow_input'));
    await expect.poll(() => page.locator('.react-flow__edge').count()).toBe(2);
    const code = page.locator('[data-testid="component-node"][data-name="Code"]');
    await code.locator('p').first().click();
    await page.getByTestId('inspector').getByText("create_value('text', 'Hello from BlobHub')").waitFor();
    await button('Run').click();
    const status = page.getByTestId('playground-status');
    await status
      .getByText(/succeeded|failed|cancelled|timed out/)
      .waitFor({ timeout: 40_000 })
      .catch(async (e: unknown) => {
        await browser.screenshot('paths-code-stub-stuck');
        throw new Error(`${String(e)}\n${(await page.getByRole('alert').allTextContents()).join('\n')}`);
      });
    await browser.screenshot('paths-code-stub-run');
    expect(await status.textContent()).toBe('succeeded');
    await code.getByTestId('node-run').getByText('done → success').waitFor();
    await code.locator('p').first().click();
    await page.getByTestId('run-outputs').getByText('Hello from BlobHub').waitFor();
  });

  it('adds a component from the keyboard, and undoes the deletion of a component', async () => {
    const node = (name: string) => page.locator(`[data-testid="component-node"][data-name="${name}"]`);
    await page.getByTestId('catalog-flow.delay').focus();
    await page.keyboard.press('Enter');
    await node('Delay').waitFor();
    expect(await page.getByTestId('component-node').count()).toBe(4);

    await node('Code').locator('p').first().click();
    await button('Delete component').click();
    await node('Code').waitFor({ state: 'detached' });
    expect(await page.locator('.react-flow__edge').count()).toBe(0);
    await page.getByTestId('deleted-notice').getByText('Deleted Code.').waitFor();
    await page.getByTestId('deleted-notice').getByRole('button', { name: 'Undo' }).click();
    await node('Code').waitFor();
    expect(await page.locator('.react-flow__edge').count()).toBe(2);
    await page.getByTestId('deleted-notice').waitFor({ state: 'detached' });
  });

  it("shows an execution's values, not references, and a timeline of its components", async () => {
    const { revisionId } = fx.target;
    const execution = await start(api(), revisionId, 'fib', [{ alias: 'n', value: { type: 'integer', integer: 10 } }]);
    await waitForStatus(api(), revisionId, execution.id);
    await page.goto(`/orgs/acme/blobs/flows/revisions/${revisionId}/executions/${execution.id}`);
    const output = page.getByTestId('entries-Output data');
    await output.getByText('result', { exact: true }).waitFor();
    await output.getByTestId('value-data').getByText('55', { exact: true }).waitFor();
    await page.getByTestId('entries-Input data').getByTestId('value-data').getByText('10', { exact: true }).waitFor();
    expect(await output.textContent()).not.toContain('data_id');
    const timeline = page.getByTestId('run-timeline');
    for (const id of ['s', 'c', 'e']) await timeline.getByTestId(`timeline-${id}`).waitFor();
    await browser.screenshot('paths-execution-values-timeline');

    // a large output is stored apart: fetched by reference when asked for
    const big = definition(
      [
        comp('s', 'flow.start'),
        comp('c', 'logic.code', { language: 'javascript', code: "set_data_output('big', create_value('text', 'x'.repeat(300000) + 'END'));" }),
        comp('e', 'flow.end'),
      ],
      [flow('s', 'c'), flow('c', 'e'), data('c', 'big', 'e')],
    );
    await upload(api(), revisionId, 'big', big);
    const large = await start(api(), revisionId, 'big');
    await waitForStatus(api(), revisionId, large.id);
    await page.goto(`/orgs/acme/blobs/flows/revisions/${revisionId}/executions/${large.id}`);
    await output.getByRole('button', { name: /^Load the value \(29\d\.\d KiB\)$/ }).click();
    await output.getByText(/x{1000}/).waitFor();
    expect(await output.getByTestId('value-data').textContent()).toMatch(/END$/);
  });

  it("wraps an execution's long error inside a 1440 px window", async () => {
    const stub = (await api().get('/blobs/acme/stub')).body.blob;
    const revisionId = stub.latest_revision_id as string;

    const long = 'a-very-long-word-'.repeat(200);
    const failing = definition(
      [comp('s', 'flow.start'), comp('c', 'logic.code', { language: 'javascript', code: `throw new Error('${long}');` }), comp('e', 'flow.end')],
      [flow('s', 'c'), flow('c', 'e')],
    );
    await upload(api(), revisionId, 'failing', failing);
    const execution = await start(api(), revisionId, 'failing');
    await waitForStatus(api(), revisionId, execution.id);
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.goto(`/orgs/acme/blobs/stub/revisions/${revisionId}/executions/${execution.id}`);
    await page.getByTestId('execution-status').getByText('failed').waitFor();
    await page.getByText(long.slice(0, 40)).first().waitFor();
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(1440);
    await browser.screenshot('paths-long-error');
    await page.setViewportSize({ width: 1280, height: 860 });
  });
});
