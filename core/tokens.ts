import { and, eq, gt, isNull } from 'drizzle-orm';
import type { Db } from '../db/client';
import { authTokens } from '../db/schema';
import type { Config } from './config';
import { randomSecret, sha256Hex } from './crypto';
import { unauthenticated } from './errors';
import { newId } from './ids';

async function issue(db: Db, kind: 'access' | 'refresh', userId: string | null, ttlSeconds: number) {
  const token = randomSecret(kind === 'access' ? 'bha' : 'bhr');
  const expiresAt = new Date(Date.now() + ttlSeconds * 1000);
  await db.insert(authTokens).values({ id: newId('token'), kind, userId, tokenHash: sha256Hex(token), expiresAt });
  return { token, expiresAt };
}

/** A fresh access + refresh pair; userId null makes an anonymous (public-read) session. */
export async function issueTokenPair(db: Db, config: Config, userId: string | null) {
  const access = await issue(db, 'access', userId, config.BLOBHUB_ACCESS_TOKEN_TTL_SECONDS);
  const refresh = await issue(db, 'refresh', userId, config.BLOBHUB_REFRESH_TOKEN_TTL_SECONDS);
  return { access_token: access.token, refresh_token: refresh.token, expires_at: access.expiresAt.toISOString() };
}

export async function refreshAccessToken(db: Db, config: Config, refreshToken: string) {
  const [row] = await db
    .select()
    .from(authTokens)
    .where(
      and(
        eq(authTokens.tokenHash, sha256Hex(refreshToken)),
        eq(authTokens.kind, 'refresh'),
        isNull(authTokens.revokedAt),
        gt(authTokens.expiresAt, new Date()),
      ),
    );
  if (!row) throw unauthenticated('the refresh token is invalid or expired');
  const access = await issue(db, 'access', row.userId, config.BLOBHUB_ACCESS_TOKEN_TTL_SECONDS);
  return { access_token: access.token, expires_at: access.expiresAt.toISOString() };
}

/** Signing out: the refresh token stops working at once (its access tokens run out on their own). */
export async function revokeRefreshToken(db: Db, refreshToken: string) {
  await db
    .update(authTokens)
    .set({ revokedAt: new Date() })
    .where(and(eq(authTokens.tokenHash, sha256Hex(refreshToken)), eq(authTokens.kind, 'refresh'), isNull(authTokens.revokedAt)));
}
