/**
 * The audit log page in a real Chromium against a real platform: an org admin changes a member's
 * role on the members page and finds the change, with who made it and what changed, on the org's
 * "Audit log" tab, filtered by action; a credential's body never shows there.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { openBrowser, signInAsAdmin, type TestBrowser } from '../support/browser';
import { newUser, signInAdmin, type TestUser } from '../support/people';
import { startTestPlatform, type TestPlatform } from '../support/platform';

const SECRET = 'audit-page-secret-42';

let p: TestPlatform;
let admin: TestUser;
let member: TestUser;
let browser: TestBrowser;
let page: Page;

beforeAll(async () => {
  p = await startTestPlatform({ worker: false });
  admin = await signInAdmin(p);
  member = await newUser(p, admin, 'member');
  expect((await admin.client.post('/orgs', { name: 'acme' })).status).toBe(200);
  expect((await admin.client.post('/orgs/acme/members', { user_id: member.id, role: 'read' })).status).toBe(200);
  expect((await admin.client.post('/orgs/acme/credentials', { alias: 'token', type: 'bearer', body: { token: SECRET } })).status).toBe(200);
  browser = await openBrowser(p.url);
  page = browser.page;
});
afterAll(async () => {
  await browser?.close();
  await p?.close();
});

const field = (label: string) => page.getByLabel(label, { exact: true });

describe('the audit log page', () => {
  it('shows a role change made in the web app with its actor and diff, filters by action, and never a secret', async () => {
    await signInAsAdmin(page, p.env);

    // the change, made on the members page
    await page.goto('/orgs/acme/members');
    await field('Role of member').selectOption('write');
    await expect
      .poll(async () => (await admin.client.get('/orgs/acme/members')).body.members.find((m: { user_id: string }) => m.user_id === member.id)?.role)
      .toBe('write');

    await page.goto('/orgs/acme');
    await page.getByRole('link', { name: 'Audit log' }).click();
    const table = page.getByTestId('audit-table');
    const update = table.getByRole('row', { name: /member\.update/ });
    await update.waitFor();
    const text = (await update.textContent()) ?? '';
    // who (the admin), through which surface (the web app calls tRPC) and the role's diff
    for (const part of [admin.id, 'trpc', '"from":"read"', '"to":"write"']) expect(text).toContain(part);
    expect(await table.getByRole('row', { name: /credential\.create/ }).count()).toBe(1);
    expect(await page.content()).not.toContain(SECRET);

    await field('Action').selectOption('member.');
    await expect.poll(async () => (await table.getByRole('row').allTextContents()).slice(1).every((row) => row.includes('member.'))).toBe(true);
    expect(await table.getByRole('row', { name: /credential\./ }).count()).toBe(0);
    await browser.screenshot('audit-log');
  });
});
