/**
 * The web app in a real Chromium against a real platform (PostgreSQL, Temporal, worker): what a
 * person does from the first start to watching an execution live. One platform and one browser
 * for the file; each step builds on the one before, as a person's session would.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page, WebSocketRoute } from 'playwright-core';
import type { CreatedAdmin } from '../../apps/platform';
import type { ApiClient } from '../support/client';
import { openBrowser, type TestBrowser } from '../support/browser';
import { startTestPlatform, type TestPlatform } from '../support/platform';
import { fibonacciDefinition, longWaitDefinition, stepsDefinition } from './fixtures';

const ENGINE = 'workflow_blobhub';
const ADMIN_EMAIL = 'admin@example.com';
const PASSWORD = 'first-start-password';

let p: TestPlatform;
let browser: TestBrowser;
let page: Page;
let setupUrl: string;
/** the admin, signed in over REST, for what the web app of part 1 has no page for (definitions) */
let adminApi: ApiClient;
const trpcCalls: string[] = [];

beforeAll(async () => {
  let created: CreatedAdmin | undefined;
  p = await startTestPlatform({ env: { BLOBHUB_ADMIN_PASSWORD: '' }, onAdminCreated: (admin) => (created = admin) });
  setupUrl = created!.setupUrl!;
  browser = await openBrowser(p.url);
  page = browser.page;
  page.on('request', (request) => {
    if (request.url().includes('/trpc/')) trpcCalls.push(`${new URL(request.url()).pathname} ${request.postData() ?? ''}`);
  });
});
afterAll(async () => {
  await browser?.close();
  await p?.close();
});

/** Waits for an error message on the page that says `text`. */
const seeAlert = (text: string) => page.getByRole('alert').filter({ hasText: text }).first().waitFor();
const field = (label: string) => page.getByLabel(label, { exact: true });
const button = (name: string | RegExp) => page.getByRole('button', { name });
/** Answers the confirmation dialog a destructive action opens with its confirm button. */
const confirmIn = async (dialogName: string | RegExp, confirm: string) => {
  const dialog = page.getByRole('dialog', { name: dialogName });
  await dialog.getByRole('button', { name: confirm, exact: true }).click();
  await dialog.waitFor({ state: 'detached' });
};

describe('the web app', () => {
  it('is served at / with an SPA fallback, without shadowing the API, docs or health paths', async () => {
    const root = await fetch(`${p.url}/`);
    expect(root.headers.get('content-type')).toMatch(/text\/html/);
    expect(root.headers.get('cache-control')).toBe('no-cache');
    const html = await root.text();
    const deep = await fetch(`${p.url}/orgs/acme/blobs/flows`);
    expect([deep.status, await deep.text()]).toEqual([200, html]);
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)![1];
    expect((await fetch(`${p.url}${asset}`)).headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await fetch(`${p.url}/assets/missing.js`)).status).toBe(404);
    expect((await fetch(`${p.url}/v1/nope`)).status).toBe(404);
    expect((await fetch(`${p.url}/trpc`)).status).toBe(404);
    expect(await (await fetch(`${p.url}/healthz`)).json()).toEqual({ status: 'ok' });
    expect((await fetch(`${p.url}/docs`)).headers.get('content-type')).toMatch(/text\/html/);
    expect(await (await fetch(`${p.url}/docs`)).text()).toContain('swagger-ui');
  });

  it('finishes the first-start set-up through the printed link and signs the admin in', async () => {
    expect(setupUrl.startsWith(`${p.url}/setup?token=`)).toBe(true);
    await page.goto(setupUrl);
    await field('New password').fill(PASSWORD);
    await field('Repeat the password').fill('something-else');
    await button('Set password and sign in').click();
    await seeAlert('differ');
    await field('Repeat the password').fill(PASSWORD);
    await browser.screenshot('setup');
    await button('Set password and sign in').click();
    await page.getByTestId('signed-in-as').getByText(ADMIN_EMAIL).waitFor();
    await page.getByRole('heading', { name: 'Organizations', exact: true }).waitFor();

    // The link is spent: a second use says so, and keeps what was typed.
    await page.goto(setupUrl);
    await field('New password').fill('another-password');
    await field('Repeat the password').fill('another-password');
    await button('Set password and sign in').click();
    await seeAlert('already used');
    expect(await field('New password').inputValue()).toBe('another-password');

    const login = await p.anonymous.post('/auth/login', { email: ADMIN_EMAIL, password: PASSWORD });
    adminApi = p.client({ token: login.body.access_token });
  });

  it('signs out (the session cannot be renewed) and in again; a wrong password is a readable error that keeps the email', async () => {
    await page.goto('/');
    const { refresh_token } = JSON.parse(await page.evaluate<string>("localStorage.getItem('blobhub.session')"));
    expect((await p.anonymous.post('/auth/core/refresh', { refresh_token })).status).toBe(200);
    await button('Sign out').click();
    await page.getByRole('heading', { name: 'Sign in to BlobHub' }).waitFor();
    expect(await page.evaluate("localStorage.getItem('blobhub.session')")).toBeNull();
    await expect.poll(async () => (await p.anonymous.post('/auth/core/refresh', { refresh_token })).status).toBe(401);
    await field('Email').fill(ADMIN_EMAIL);
    await field('Password').fill('wrong-password');
    await button('Sign in').click();
    await seeAlert('wrong email or password');
    expect(await field('Email').inputValue()).toBe(ADMIN_EMAIL);
    await browser.screenshot('sign-in');
    await field('Password').fill(PASSWORD);
    await button('Sign in').click();
    await page.getByTestId('signed-in-as').getByText(ADMIN_EMAIL).waitFor();
  });

  it('creates an organization; a bad name is explained and the form keeps its input', async () => {
    await field('Name').fill('Not A Slug');
    await field('Display name').fill('Acme Inc.');
    await button('Create organization').click();
    await seeAlert('must be a slug');
    expect(await field('Display name').inputValue()).toBe('Acme Inc.');
    await field('Name').fill('acme');
    await button('Create organization').click();
    await page.waitForURL('**/orgs/acme');
    await page.getByRole('heading', { name: 'Acme Inc.' }).waitFor();
    await page.goto('/');
    await page.getByRole('link', { name: 'Acme Inc.' }).waitFor();
    await browser.screenshot('organizations');
  });

  it('refreshes the access token shortly before it expires', async () => {
    const read = async () => JSON.parse(await page.evaluate<string>("localStorage.getItem('blobhub.session')"));
    const stored = await read();
    const expiring = { ...stored, expires_at: new Date(Date.now() + 10_000).toISOString() };
    await page.evaluate(`localStorage.setItem('blobhub.session', ${JSON.stringify(JSON.stringify(expiring))})`);
    trpcCalls.length = 0;
    await page.reload();
    await page.getByRole('link', { name: 'Acme Inc.' }).waitFor();
    const renewed = await read();
    expect(renewed.access_token).not.toBe(stored.access_token);
    expect(Date.parse(renewed.expires_at)).toBeGreaterThan(Date.now() + 60_000);
    expect(trpcCalls.filter((call) => call.startsWith('/trpc/auth.refresh'))).toHaveLength(1);
    expect((await p.client({ token: renewed.access_token }).get('/users/me')).body.email).toBe(ADMIN_EMAIL);
  });

  it('adds a member by email, and shows the last-admin rule as a clear message', async () => {
    await adminApi.post('/users', { email: 'bob@example.com', name: 'Bob', password: 'bob-password' });
    await page.goto('/orgs/acme/members');
    await field('Email').fill('nobody@example.com');
    await button('Add member').click();
    await seeAlert('nobody@example.com not found');
    await field('Email').fill('bob@example.com');
    await field('Role').selectOption('write');
    await button('Add member').click();
    const table = page.getByTestId('members-table');
    await table.getByText('Bob').waitFor();
    expect(await field('Role of Bob').inputValue()).toBe('write');

    await table
      .getByRole('row', { name: /Instance admin/ })
      .getByRole('button', { name: 'Remove' })
      .click();
    await confirmIn(/Remove Instance admin/, 'Remove');
    await seeAlert('last admin of the organization');
    await browser.screenshot('members');
    expect((await adminApi.get('/orgs/acme/members')).body.members).toHaveLength(2);
  });

  it('creates an API key whose secret is shown once, with a copy button, and revokes it', async () => {
    await page.goto('/orgs/acme/keys');
    await field('Description').fill('ci');
    await field('Role').selectOption('write');
    await button('Create key').click();
    const secret = (await page.getByTestId('secret').textContent())!;
    expect(secret).toMatch(/^bhk_/);
    await button('Copy').click();
    await page.getByRole('button', { name: 'Copied' }).waitFor();
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(secret);
    expect((await p.client({ key: secret }).get('/orgs/acme')).status).toBe(200);
    await browser.screenshot('api-keys');

    await page.getByText('Done, hide it').click();
    await page.reload();
    const row = page.getByTestId('keys-table').getByRole('row', { name: /ci/ });
    await row.waitFor();
    expect(await page.content()).not.toContain(secret);
    await row.getByRole('button', { name: 'Revoke' }).click();
    // asked first: "Keep it" leaves the key working
    const dialog = page.getByRole('dialog', { name: /Revoke the key bhk_.*\(ci\)\?/ });
    await dialog.getByText('Every client using it is refused').waitFor();
    await dialog.getByRole('button', { name: 'Keep it' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect((await p.client({ key: secret }).get('/orgs/acme')).status).toBe(200);
    await row.getByRole('button', { name: 'Revoke' }).click();
    await confirmIn(/Revoke the key/, 'Revoke');
    await page.getByTestId('toast').getByText('Key revoked').waitFor();
    await page.getByText('No active keys.').waitFor();
    expect((await p.client({ key: secret }).get('/orgs/acme')).status).toBe(401);
  });

  it('stores a credential whose body is never shown, and deletes it', async () => {
    await page.goto('/orgs/acme/credentials');
    await field('Alias').fill('api-token');
    await field('Body (JSON object)').fill('{"token": "s3cret-value"');
    await button('Store credential').click();
    await seeAlert('not valid JSON');
    expect(await field('Alias').inputValue()).toBe('api-token');
    await field('Body (JSON object)').fill('{"token": "s3cret-value"}');
    await button('Store credential').click();
    const row = page.getByTestId('credentials-table').getByRole('row', { name: /api-token/ });
    await row.waitFor();
    expect(await page.content()).not.toContain('s3cret-value');
    await browser.screenshot('credentials');
    await row.getByRole('button', { name: 'Delete' }).click();
    await confirmIn('Delete the credential api-token?', 'Delete');
    await page.getByText('No credentials.').waitFor();
  });

  it('creates a blob, lists blobs with search, type filter and paging', async () => {
    await page.goto('/orgs/acme');
    await field('Name').fill('flows');
    await field('Description').fill('the team’s workflows');
    await button('Create blob').click();
    await page.waitForURL('**/orgs/acme/blobs/flows');
    await page.getByTestId('revision-1').getByText('draft', { exact: true }).waitFor();

    for (let i = 0; i < 21; i++) await adminApi.post('/orgs/acme/blobs', { name: `model-${String(i).padStart(2, '0')}`, type: 'onnx' });
    await page.goto('/orgs/acme');
    const table = page.getByTestId('blobs-table');
    await table.getByText('model-20').waitFor();
    const flows = table.getByRole('link', { name: 'flows', exact: true });
    expect(await flows.count()).toBe(0); // newest first: it is on page 2
    await button('Next').click();
    await flows.waitFor();
    await browser.screenshot('blobs');
    await field('Search blobs').fill('flo');
    await flows.waitFor();
    expect(await table.locator('tbody tr').count()).toBe(1);
    await field('Filter by type').selectOption('onnx');
    await page.getByText('No blobs match.').waitFor();
  });

  it('commits and snapshots a revision, opens a new draft and diffs the two revisions', async () => {
    const blob = (await adminApi.get('/blobs/acme/flows')).body.blob;
    const first = blob.latest_revision_id;
    await adminApi.data(first, ENGINE, 'upload_definition', { alias: 'fib', definition: fibonacciDefinition() });
    await adminApi.data(first, ENGINE, 'upload_definition', { alias: 'steps', definition: stepsDefinition() });
    await adminApi.data(first, ENGINE, 'upload_definition', { alias: 'wait', definition: longWaitDefinition() });

    await page.goto('/orgs/acme/blobs/flows');
    const revision1 = page.getByTestId('revision-1');
    await revision1.getByRole('button', { name: 'Commit' }).click();
    await confirmIn('Commit revision 1?', 'Commit');
    await revision1.getByText('commit', { exact: true }).waitFor();
    await revision1.getByRole('button', { name: 'Snapshot' }).click();
    await revision1.getByText('snapshot', { exact: true }).waitFor();
    await revision1.getByRole('button', { name: 'New draft from here' }).click();
    const revision2 = page.getByTestId('revision-2');
    await revision2.getByText('draft', { exact: true }).waitFor();
    expect(await revision1.textContent()).toMatch(/created by Instance admin/);

    const second = (await adminApi.get(`/blobs/${blob.id}/revisions`)).body.revisions[0].id;
    const changed = fibonacciDefinition();
    (changed.components[1] as { name: string }).name = 'Fibonacci';
    await adminApi.data(second, ENGINE, 'upload_definition', { alias: 'fib', definition: changed });
    await page.reload();
    const diff = page.getByTestId('revision-diff');
    await diff.locator('[data-change="added"]').filter({ hasText: '"name": "Fibonacci"' }).waitFor();
    expect(await diff.locator('[data-change="removed"]').filter({ hasText: '"name": "c"' }).count()).toBe(1);
    await browser.screenshot('blob-revisions');

    // One open draft per blob: no second "new draft" while this one is open.
    await revision1.getByRole('button', { name: 'New draft from here' }).waitFor({ state: 'detached' });
  });

  it('edits metadata; a value that is not JSON is explained and kept', async () => {
    await page.goto('/orgs/acme/blobs/flows/metadata');
    await field('Key').fill('owner');
    await field('Value (JSON)').fill('team-a');
    await button('Set').click();
    await seeAlert('not valid JSON');
    expect(await field('Value (JSON)').inputValue()).toBe('team-a');
    await field('Value (JSON)').fill('"team-a"');
    await button('Set').click();
    await page.getByTestId('metadata-table').getByText('"team-a"').waitFor();
    await browser.screenshot('metadata');
    const blob = (await adminApi.get('/blobs/acme/flows')).body.blob;
    expect((await adminApi.get(`/blobs/${blob.id}/metadata`)).body.metadata).toEqual({ owner: 'team-a' });
  });

  it('runs an execution and its events arrive live over the WebSocket, resuming with since after a reconnect', async () => {
    const sockets: WebSocketRoute[] = [];
    const subscribes: { since?: number }[] = [];
    await page.routeWebSocket('**/v1/realtime', (ws) => {
      const server = ws.connectToServer();
      ws.onMessage((message) => {
        const frame = JSON.parse(String(message));
        if (frame.method === 'subscription/add') subscribes.push(frame.params);
        server.send(message);
      });
      sockets.push(ws);
    });
    const revision = (await adminApi.get('/blobs/acme/flows')).body.blob.latest_snapshot_id;
    await page.goto(`/orgs/acme/blobs/flows/executions?revision=${revision}`);
    await field('Definition').selectOption('steps');
    trpcCalls.length = 0;
    await button('Run').click();
    await page.waitForURL('**/executions/exe_*');
    const timeline = page.getByTestId('event-timeline');
    await page.locator('[data-testid=live-state][data-state=live]').waitFor();

    // The first step's events show while the execution still runs: they came live.
    await timeline.locator('[data-type="processor.exited"]').first().waitFor();
    expect(await page.getByTestId('execution-status').textContent()).toBe('running');
    const seenBeforeDrop = await timeline.locator('li').count();
    await sockets[0]!.close(); // the page is live, so its socket is open
    await page.locator('[data-testid=live-state][data-state=live]').waitFor();
    await timeline.locator('[data-type="execution_ended"]').waitFor();
    await page.getByTestId('execution-status').getByText('succeeded').waitFor();

    expect(sockets.length).toBeGreaterThanOrEqual(2);
    expect(subscribes[0]?.since).toBe(0);
    expect(subscribes[1]?.since).toBeGreaterThanOrEqual(seenBeforeDrop);
    const seqs = await timeline.locator('li').evaluateAll((items) => items.map((li) => Number(li.getAttribute('data-seq'))));
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    const executionId = page.url().split('/').pop()!;
    const stored = (await adminApi.data(revision, ENGINE, 'list_execution_events', { execution_id: executionId, limit: 1000 })).body.events;
    expect(seqs).toEqual(stored.map((e: { seq: number }) => e.seq));
    // No polling: the page never listed events itself.
    expect(trpcCalls.filter((call) => call.includes('list_execution_events'))).toEqual([]);

    await page.getByTestId('component-c').getByText('c done').waitFor();
    await page.getByTestId('component-a').getByText('step a').waitFor();
    await browser.screenshot('execution');
    await page.unrouteAll();
  });

  it('links the execution to its run in the Temporal UI', async () => {
    const executionId = page.url().split('/').pop()!;
    const revision = /\/revisions\/([^/]+)/.exec(page.url())?.[1];
    expect(revision, page.url()).toBeDefined();
    const execution = (await adminApi.data(revision!, ENGINE, 'get_execution', { execution_id: executionId })).body.execution;
    const link = page.getByRole('link', { name: /Open in Temporal UI/ });
    expect(await link.getAttribute('href')).toBe(execution.temporal.ui_url);
    expect(execution.temporal.ui_url).toContain(executionId);
    expect(await link.getAttribute('target')).toBe('_blank');
  });

  it('cancels a running execution', async () => {
    const revision = (await adminApi.get('/blobs/acme/flows')).body.blob.latest_snapshot_id;
    await page.goto(`/orgs/acme/blobs/flows/executions?revision=${revision}`);
    await field('Definition').selectOption('wait');
    await button('Run').click();
    await page.waitForURL('**/executions/exe_*');
    await page.getByTestId('execution-status').getByText('running').waitFor();
    await button('Cancel execution').click();
    await confirmIn('Cancel this execution?', 'Cancel execution');
    await page.getByTestId('execution-status').getByText('cancelled').waitFor();

    await page.goto(`/orgs/acme/blobs/flows/executions?revision=${revision}`);
    const table = page.getByTestId('executions-table');
    await table.getByText('succeeded').waitFor();
    await field('Status').selectOption('cancelled');
    await table.getByText('wait').waitFor();
    expect(await table.locator('tbody tr').count()).toBe(1);
    await browser.screenshot('executions');
  });

  it('shows an anonymous visitor the public blobs only', async () => {
    await adminApi.post('/orgs/acme/blobs', { name: 'open-flows', type: 'workflow', visibility: 'public' });
    await button('Sign out').click();
    await page.goto('/');
    await field('Organization').fill('acme');
    await button('Open').click();
    const table = page.getByTestId('blobs-table');
    await table.getByText('open-flows').waitFor();
    expect(await table.locator('tbody tr').count()).toBe(1);
    await browser.screenshot('public-blobs');
  });
});
