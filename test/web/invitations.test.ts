/**
 * Invitations in a real Chromium against a real platform without SMTP: an admin invites from the
 * Members page and copies the link; a second browser context (no account, nothing shared) opens
 * it, creates its account and lands in the org with the role; a revoked link says so.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { openBrowser, signInAsAdmin, type TestBrowser } from '../support/browser';
import { startTestPlatform, type TestPlatform } from '../support/platform';

let p: TestPlatform;
let adminBrowser: TestBrowser;
let guestBrowser: TestBrowser;
let page: Page;

beforeAll(async () => {
  p = await startTestPlatform({ worker: false });
  expect((await p.admin.post('/orgs', { name: 'crew', display_name: 'The Crew' })).status).toBe(200);
  adminBrowser = await openBrowser(p.url);
  guestBrowser = await openBrowser(p.url);
  page = adminBrowser.page;
  await signInAsAdmin(page, p.env);
});
afterAll(async () => {
  await adminBrowser?.close();
  await guestBrowser?.close();
  await p?.close();
});

const invitationsTable = () => page.getByTestId('invitations-table');

/** Creates an invitation with `role` on the Members page and returns the link it shows. */
async function inviteFromMembersPage(role: string): Promise<string> {
  await page.goto('/orgs/crew/members');
  await page.getByLabel('Invitee’s role', { exact: true }).selectOption(role);
  await page.getByRole('button', { name: 'Create invitation', exact: true }).click();
  const url = (await page.getByTestId('invitation-url').textContent())!;
  expect(url).toMatch(new RegExp(`^${p.url}/invite/bhi_`));
  await page.getByRole('button', { name: 'Done, hide it' }).click();
  return url;
}

describe('invitations in the web app', () => {
  it('a second browser opens the copied link, creates its account and sees the org', async () => {
    const url = await inviteFromMembersPage('write');
    await invitationsTable().getByRole('row').filter({ hasText: 'anyone with the link' }).waitFor();
    await adminBrowser.screenshot('invitations-members');

    const guest = guestBrowser.page;
    await guest.goto(url);
    await guest.getByTestId('invitation-summary').filter({ hasText: 'invites you to join The Crew as write' }).waitFor();
    await guestBrowser.screenshot('invitations-accept');
    await guest.getByLabel('Your name', { exact: true }).fill('Grace Guest');
    await guest.getByLabel('Email', { exact: true }).fill('grace@example.com');
    await guest.getByLabel('Password', { exact: true }).fill('grace-password');
    await guest.getByLabel('Repeat the password', { exact: true }).fill('grace-password');
    await guest.getByRole('button', { name: 'Create account and join' }).click();
    // landed in the org, signed in as the new account
    await guest.waitForURL(/\/orgs\/crew$/);
    await guest.getByRole('heading', { name: 'The Crew' }).waitFor();
    expect(await guest.getByTestId('signed-in-as').textContent()).toBe('grace@example.com');
    await guest.goto('/');
    await guest.getByRole('link', { name: 'The Crew' }).waitFor();

    // the admin sees the new member with the role, and the invitation no longer pending
    await page.goto('/orgs/crew/members');
    await page.getByLabel('Role of Grace Guest').waitFor();
    expect(await page.getByLabel('Role of Grace Guest').inputValue()).toBe('write');
    await page.getByText('No pending invitations.').waitFor();

    // the link worked once
    await guest.goto(url);
    await guest.getByRole('alert').filter({ hasText: 'already used' }).waitFor();
  });

  it('revokes a pending invitation after asking, and its link then says it was revoked', async () => {
    const url = await inviteFromMembersPage('read');
    const row = invitationsTable().getByRole('row').filter({ hasText: 'anyone with the link' });
    await row.getByRole('button', { name: 'Revoke' }).click();
    const dialog = page.getByRole('dialog', { name: 'Revoke the invitation?' });
    await dialog.getByRole('button', { name: 'Revoke', exact: true }).click();
    await page.getByText('No pending invitations.').waitFor();

    const guest = guestBrowser.page;
    await guest.goto(url);
    await guest.getByRole('alert').filter({ hasText: 'revoked' }).waitFor();
    await guestBrowser.screenshot('invitations-revoked');
  });

  it('lets an existing user sign in from the link and join with one click', async () => {
    expect((await p.admin.post('/users', { email: 'sam@example.com', name: 'Sam Signed', password: 'sam-password' })).status).toBe(200);
    const url = await inviteFromMembersPage('admin');
    await page.goto(url);
    // the instance admin created the org: the server says it is a member already
    await page.getByRole('button', { name: 'Join The Crew' }).click();
    await page.getByRole('alert').filter({ hasText: 'already a member' }).waitFor();

    const guest = guestBrowser.page;
    await guest.getByRole('button', { name: 'Sign out' }).click();
    await guest.goto(url);
    await guest.locator('form').getByRole('link', { name: 'Sign in' }).click();
    await guest.getByLabel('Email', { exact: true }).fill('sam@example.com');
    await guest.getByLabel('Password', { exact: true }).fill('sam-password');
    await guest.getByRole('button', { name: 'Sign in', exact: true }).click();
    // back on the invitation, signed in
    await guest.getByText('You are signed in as sam@example.com.').waitFor();
    await guest.getByRole('button', { name: 'Join The Crew' }).click();
    await guest.waitForURL(/\/orgs\/crew$/);
    await page.goto('/orgs/crew/members');
    await page.getByLabel('Role of Sam Signed').waitFor();
    expect(await page.getByLabel('Role of Sam Signed').inputValue()).toBe('admin');
  });
});
