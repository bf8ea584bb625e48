/** First start without BLOBHUB_ADMIN_PASSWORD: the one-time set-up link sets the admin's password. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { authTokens, users } from '../../db/schema';
import { sha256Hex } from '../../core/crypto';
import { createSetupToken } from '../../core/setup';
import type { CreatedAdmin } from '../../apps/platform';
import { errorCode } from '../support/client';
import { startTestPlatform, type TestPlatform } from '../support/platform';
import { theRow } from '../../core/errors';

let p: TestPlatform;
const created: CreatedAdmin[] = [];

beforeAll(async () => {
  p = await startTestPlatform({ worker: false, env: { BLOBHUB_ADMIN_PASSWORD: '' }, onAdminCreated: (admin) => created.push(admin) });
});
afterAll(() => p?.close());

const tokenOf = (url: string) => new URL(url).searchParams.get('token')!;

/** The admin the first start made, with its set-up link. */
function createdAdmin() {
  const [admin] = created;
  if (!admin?.setupUrl) throw new Error('the first start made no admin with a set-up link');
  return { email: admin.email, setupUrl: admin.setupUrl };
}

describe('set-up link', () => {
  it('is made once at first start, points at the web app, and is stored only as a hash', async () => {
    expect(created).toHaveLength(1);
    const url = new URL(createdAdmin().setupUrl);
    expect(`${url.origin}${url.pathname}`).toBe(`${p.url}/setup`);
    const rows = await p.app.db.select().from(authTokens).where(eq(authTokens.kind, 'setup'));
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(tokenOf(createdAdmin().setupUrl));
  });

  it('refuses a bad token and a short password, with readable errors, and changes nothing', async () => {
    const bad = await p.anonymous.post('/auth/setup', { token: 'bhs_nope', password: 'long-enough-1' });
    expect([bad.status, errorCode(bad)]).toEqual([401, 'unauthenticated']);
    expect(JSON.stringify(bad.body)).toContain('not valid');
    const short = await p.anonymous.post('/auth/setup', { token: tokenOf(createdAdmin().setupUrl), password: 'short' });
    expect([short.status, errorCode(short)]).toEqual([400, 'bad_request']);
    const row = await p.app.db.select().from(authTokens).where(eq(authTokens.kind, 'setup')).then(theRow);
    expect(row.revokedAt).toBeNull();
  });

  it('sets the password and signs in once; the link cannot be used again', async () => {
    const token = tokenOf(createdAdmin().setupUrl);
    const done = await p.anonymous.post('/auth/setup', { token, password: 'first-password' });
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(done.body.user).toMatchObject({ email: 'admin@example.com', is_instance_admin: true });
    const me = await p.client({ token: done.body.access_token }).get('/users/me');
    expect(me.body.email).toBe('admin@example.com');
    expect((await p.anonymous.post('/auth/login', { email: 'admin@example.com', password: 'first-password' })).status).toBe(200);

    const again = await p.anonymous.post('/auth/setup', { token, password: 'second-password' });
    expect([again.status, errorCode(again)]).toEqual([409, 'conflict']);
    expect(JSON.stringify(again.body)).toContain('already used');
    expect((await p.anonymous.post('/auth/login', { email: 'admin@example.com', password: 'second-password' })).status).toBe(401);
  });

  it('says so when the link has expired', async () => {
    // A second link for the same admin, moved past its expiry (a day is too long to wait in a test).
    const admin = await p.app.db.select().from(users).where(eq(users.email, createdAdmin().email)).then(theRow);
    const token = await createSetupToken(p.app.db, admin.id);
    await p.app.db
      .update(authTokens)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(authTokens.tokenHash, sha256Hex(token)));
    const expired = await p.anonymous.post('/auth/setup', { token, password: 'third-password' });
    expect([expired.status, errorCode(expired)]).toEqual([401, 'unauthenticated']);
    expect(JSON.stringify(expired.body)).toContain('expired');
  });
});
