/**
 * The one-time set-up link of a first start without BLOBHUB_ADMIN_PASSWORD: a token (stored as
 * its hash, expiring, single use) that lets whoever holds the link set the admin's password.
 */
import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import { authTokens, users } from '../db/schema';
import type { Config } from './config';
import { hashPassword, randomSecret, sha256Hex } from './crypto';
import { conflict, theRow, unauthenticated } from './errors';
import { newId } from './ids';
import { issueTokenPair } from './tokens';

export const SETUP_TOKEN_TTL_SECONDS = 24 * 3600;

export async function createSetupToken(db: Db, userId: string): Promise<string> {
  const token = randomSecret('bhs');
  const expiresAt = new Date(Date.now() + SETUP_TOKEN_TTL_SECONDS * 1000);
  await db.insert(authTokens).values({ id: newId('token'), kind: 'setup', userId, tokenHash: sha256Hex(token), expiresAt });
  return token;
}

export const setupUrl = (publicUrl: string, token: string) => `${publicUrl}/setup?token=${encodeURIComponent(token)}`;

/** Spends the token: sets its user's password and signs them in, all or nothing. */
export async function redeemSetupToken(db: Db, config: Config, token: string, password: string) {
  const passwordHash = await hashPassword(password);
  return db.transaction(async (tx) => {
    const [row] = await tx
      .select()
      .from(authTokens)
      .where(and(eq(authTokens.tokenHash, sha256Hex(token)), eq(authTokens.kind, 'setup')))
      .for('update');
    if (!row?.userId) throw unauthenticated('this set-up link is not valid; check that you copied all of it');
    if (row.revokedAt) throw conflict('this set-up link was already used; sign in with the password that was set');
    if (row.expiresAt <= new Date())
      throw unauthenticated('this set-up link has expired; restart with BLOBHUB_ADMIN_PASSWORD set, or sign in with the admin API key');
    await tx.update(authTokens).set({ revokedAt: new Date() }).where(eq(authTokens.id, row.id));
    const user = await tx.update(users).set({ passwordHash }).where(eq(users.id, row.userId)).returning().then(theRow);
    return { ...(await issueTokenPair(tx, config, user.id)), user };
  });
}
