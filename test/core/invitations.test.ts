/** Invitations (docs/spec.md §3 "Invitations") through REST on the real platform, e-mailed through a real SMTP server. */
import type { AddressInfo } from 'node:net';
import { eq } from 'drizzle-orm';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../core/crypto';
import { invitations } from '../../db/schema';
import { expectError, newUser, signInAdmin, type TestUser } from '../support/people';
import { startTestPlatform, type TestPlatform } from '../support/platform';

let p: TestPlatform;
let admin: TestUser;
let owner: TestUser;
let orgId: string;
/** what the SMTP server received: recipients and raw message */
const mailbox: { to: string[]; raw: string }[] = [];
let smtp: SMTPServer;

beforeAll(async () => {
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, session, done) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        mailbox.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('utf8') });
        done();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  const { port } = smtp.server.address() as AddressInfo;
  p = await startTestPlatform({ worker: false, env: { BLOBHUB_SMTP_URL: `smtp://127.0.0.1:${port}`, BLOBHUB_SMTP_FROM: 'BlobHub <noreply@example.com>' } });
  admin = await signInAdmin(p);
  owner = await newUser(p, admin, 'owner');
  const created = await owner.client.post('/orgs', { name: 'team', display_name: 'The Team' });
  expect(created.status, JSON.stringify(created.body)).toBe(200);
  orgId = created.body.org.id;
});
afterAll(async () => {
  await p?.close();
  await new Promise<void>((resolve) => smtp.close(resolve));
});

const invite = async (body: Record<string, unknown>) => {
  const res = await owner.client.post(`/orgs/${orgId}/invitations`, body);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as { invitation: { id: string; token: string; url: string; status: string; email: string | null; expires_at: string }; emailed: boolean };
};
const pendingIds = async () => ((await owner.client.get(`/orgs/${orgId}/invitations`)).body.invitations as { id: string }[]).map((i) => i.id);

describe('invitations', () => {
  it('lets someone without an account join by link with the invitation’s role, once', async () => {
    const { invitation, emailed } = await invite({ role: 'write' });
    expect(emailed).toBe(false);
    expect(invitation).toMatchObject({ status: 'pending', email: null, role: 'write' });
    expect(invitation.url).toBe(`${p.url}/invite/${invitation.token}`);
    // 7 days by default
    expect(Date.parse(invitation.expires_at) - Date.now()).toBeGreaterThan(6.9 * 86_400_000);
    expect(await pendingIds()).toContain(invitation.id);
    // only the token's hash is stored
    const [row] = await p.app.db.select().from(invitations).where(eq(invitations.id, invitation.id));
    expect(row?.tokenHash).toBe(sha256Hex(invitation.token));
    expect(JSON.stringify(row)).not.toContain(invitation.token);

    const preview = await p.anonymous.post('/invitations/preview', { token: invitation.token });
    expect(preview.body.invitation).toMatchObject({ org: { id: orgId, name: 'team', display_name: 'The Team' }, role: 'write', invited_by: 'owner' });

    expectError(await p.anonymous.post('/invitations/accept', { token: invitation.token, name: 'Newcomer', password: 'password-123' }), 400, 'bad_request');
    expectError(await p.anonymous.post('/invitations/accept', { token: invitation.token, name: 'Newcomer', email: 'new@example.com' }), 400, 'bad_request');
    const accepted = await p.anonymous.post('/invitations/accept', {
      token: invitation.token,
      name: 'Newcomer',
      email: 'new@example.com',
      password: 'password-123',
    });
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
    expect(accepted.body).toMatchObject({ org: { id: orgId }, role: 'write', user: { email: 'new@example.com', name: 'Newcomer' } });

    // the new account is signed in and is a writer of the org
    const newcomer = p.client({ token: accepted.body.access_token });
    expect((await newcomer.get('/orgs')).body.orgs.map((o: { id: string }) => o.id)).toEqual([orgId]);
    const members = (await owner.client.get(`/orgs/${orgId}/members`)).body.members;
    expect(members).toContainEqual(expect.objectContaining({ user_id: accepted.body.user.id, role: 'write' }));
    // and can sign in with the password it chose
    expect((await p.anonymous.post('/auth/login', { email: 'new@example.com', password: 'password-123' })).status).toBe(200);

    expectError(
      await p.anonymous.post('/invitations/accept', { token: invitation.token, name: 'Again', email: 'again@example.com', password: 'password-123' }),
      409,
      'invitation_used',
    );
    expectError(await p.anonymous.post('/invitations/preview', { token: invitation.token }), 409, 'invitation_used');
    expect(await pendingIds()).not.toContain(invitation.id);
  });

  it('e-mails the link when SMTP is set up, and only the invited address may accept', async () => {
    const guest = await newUser(p, admin, 'guest');
    const stranger = await newUser(p, admin, 'stranger');
    const { invitation, emailed } = await invite({ role: 'read', email: guest.email.toUpperCase(), expires_in_days: 2 });
    expect(emailed).toBe(true);
    expect(invitation.email).toBe(guest.email);
    expect(Date.parse(invitation.expires_at) - Date.now()).toBeLessThan(2 * 86_400_000 + 60_000);
    const mail = mailbox.find((m) => m.to.includes(guest.email));
    expect(mail?.raw).toContain('The Team');
    expect(mail?.raw.replace(/=\r?\n/g, '')).toContain(invitation.token);

    expectError(await stranger.client.post('/invitations/accept', { token: invitation.token }), 403, 'forbidden');
    // an account for the invited address exists: a new one cannot be made with it
    expectError(await p.anonymous.post('/invitations/accept', { token: invitation.token, name: 'Guest', password: 'password-123' }), 409, 'conflict');
    const joined = await guest.client.post('/invitations/accept', { token: invitation.token });
    expect(joined.status, JSON.stringify(joined.body)).toBe(200);
    expect(joined.body).toMatchObject({ role: 'read', user: { id: guest.id } });
    expect(joined.body.access_token).toBeUndefined();
    expect((await guest.client.get(`/orgs/${orgId}`)).status).toBe(200);

    // a member cannot join twice: the second invitation stays pending
    const second = await invite({ role: 'admin' });
    expectError(await guest.client.post('/invitations/accept', { token: second.invitation.token }), 409, 'conflict');
    expect(await pendingIds()).toContain(second.invitation.id);
  });

  it('refuses revoked and expired links with their own codes', async () => {
    const revoked = await invite({ role: 'read' });
    const gone = await owner.client.delete(`/orgs/${orgId}/invitations/${revoked.invitation.id}`);
    expect(gone.status, JSON.stringify(gone.body)).toBe(200);
    expect(gone.body.invitation.status).toBe('revoked');
    expect(await pendingIds()).not.toContain(revoked.invitation.id);
    expectError(await p.anonymous.post('/invitations/preview', { token: revoked.invitation.token }), 409, 'invitation_revoked');
    expectError(
      await p.anonymous.post('/invitations/accept', { token: revoked.invitation.token, name: 'X', email: 'x@example.com', password: 'password-123' }),
      409,
      'invitation_revoked',
    );
    expectError(await owner.client.delete(`/orgs/${orgId}/invitations/${revoked.invitation.id}`), 409, 'invitation_revoked');

    const expired = await invite({ role: 'read' });
    await p.app.db
      .update(invitations)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(invitations.id, expired.invitation.id));
    expect(await pendingIds()).not.toContain(expired.invitation.id);
    expectError(
      await p.anonymous.post('/invitations/accept', { token: expired.invitation.token, name: 'X', email: 'x@example.com', password: 'password-123' }),
      409,
      'invitation_expired',
    );

    expectError(
      await p.anonymous.post('/invitations/accept', { token: `bhi_${'A'.repeat(43)}`, name: 'X', email: 'x@example.com', password: 'password-123' }),
      404,
      'not_found',
    );
    expectError(await p.anonymous.post('/invitations/preview', { token: 'not-a-token' }), 400, 'bad_request');
  });

  it('lets only the org’s admins invite, list and revoke', async () => {
    const reader = await newUser(p, admin, 'reader');
    expect((await owner.client.post(`/orgs/${orgId}/members`, { user_id: reader.id, role: 'read' })).status).toBe(200);
    const { invitation } = await invite({ role: 'read' });
    expectError(await reader.client.post(`/orgs/${orgId}/invitations`, { role: 'admin' }), 403, 'forbidden');
    expectError(await reader.client.get(`/orgs/${orgId}/invitations`), 403, 'forbidden');
    expectError(await reader.client.delete(`/orgs/${orgId}/invitations/${invitation.id}`), 403, 'forbidden');
    expectError(await p.anonymous.post(`/orgs/${orgId}/invitations`, { role: 'read' }), 401, 'unauthenticated');
    expectError(await owner.client.post(`/orgs/${orgId}/invitations`, { role: 'owner' }), 400, 'bad_request');
    expectError(await owner.client.post(`/orgs/${orgId}/invitations`, { role: 'read', expires_in_days: 0 }), 400, 'bad_request');
  });

  it('records each change in the audit log with who made it', async () => {
    const { invitation } = await invite({ role: 'write' });
    const accepted = await p.anonymous.post('/invitations/accept', {
      token: invitation.token,
      name: 'Audited',
      email: 'audited@example.com',
      password: 'password-123',
    });
    const userId = accepted.body.user.id as string;
    const entries = (await owner.client.get(`/orgs/${orgId}/audit_log?limit=100`)).body.audit_entries as {
      action: string;
      target: { id: string };
      actor: { user_id: string };
      changes: Record<string, unknown>;
    }[];
    const ofInvitation = entries.filter((e) => e.target.id === invitation.id || e.target.id === userId);
    expect(ofInvitation.map((e) => [e.action, e.actor.user_id])).toEqual([
      ['invitation.accept', userId],
      ['member.add', userId],
      ['invitation.create', owner.id],
    ]);
    expect(ofInvitation[1]?.changes).toMatchObject({ role: 'write', invitation_id: invitation.id });
    expect(JSON.stringify(entries)).not.toContain(invitation.token);
  });
});
