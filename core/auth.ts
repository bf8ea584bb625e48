import { and, eq, gt, isNull } from 'drizzle-orm';
import { anonymous, type Caller } from './access';
import type { App } from './app';
import { sha256Hex } from './crypto';
import { unauthenticated } from './errors';
import { apiKeys, authTokens, users } from '../db/schema';

/** Credentials as presented: header values, or a browser WebSocket subprotocol. */
export interface PresentedCredentials {
  bearer?: string;
  apiKey?: string;
  /** why an Authorization header that carries no Bearer credential is refused */
  malformed?: string;
}

/**
 * Resolves who is calling. No credential = anonymous; a credential that does not check out
 * (unknown, revoked, expired, malformed) is refused rather than downgraded to anonymous, in
 * whichever header it comes: a valid API key does not excuse a bogus bearer token. With both
 * valid, the API key speaks.
 */
export async function resolveCaller(app: App, presented: PresentedCredentials): Promise<Caller> {
  if (presented.malformed) throw unauthenticated(presented.malformed);
  const fromKey = presented.apiKey ? await callerFromApiKey(app, presented.apiKey) : undefined;
  const fromBearer = presented.bearer ? await callerFromBearer(app, presented.bearer) : undefined;
  return fromKey ?? fromBearer ?? anonymous;
}

/** BlobHub clients also send API keys as bearer tokens. */
const callerFromBearer = (app: App, bearer: string) => (bearer.startsWith('bhk_') ? callerFromApiKey(app, bearer) : callerFromAccessToken(app, bearer));

async function callerFromAccessToken(app: App, token: string): Promise<Caller> {
  const [row] = await app.db
    .select({ userId: authTokens.userId, isInstanceAdmin: users.isInstanceAdmin })
    .from(authTokens)
    .leftJoin(users, eq(users.id, authTokens.userId))
    .where(and(eq(authTokens.tokenHash, sha256Hex(token)), eq(authTokens.kind, 'access'), isNull(authTokens.revokedAt), gt(authTokens.expiresAt, new Date())));
  if (!row) throw unauthenticated('the access token is invalid or expired');
  if (!row.userId) return anonymous;
  return { kind: 'user', userId: row.userId, isInstanceAdmin: row.isInstanceAdmin ?? false };
}

async function callerFromApiKey(app: App, secret: string): Promise<Caller> {
  const [row] = await app.db
    .select({ key: apiKeys, isInstanceAdmin: users.isInstanceAdmin })
    .from(apiKeys)
    .innerJoin(users, eq(users.id, apiKeys.userId))
    .where(and(eq(apiKeys.secretHash, sha256Hex(secret)), isNull(apiKeys.revokedAt)));
  if (!row) throw unauthenticated('the API key is invalid or revoked');
  return {
    kind: 'key',
    userId: row.key.userId,
    isInstanceAdmin: row.isInstanceAdmin,
    keyId: row.key.id,
    keyRole: row.key.role,
    keyTarget: { type: row.key.targetType, id: row.key.targetId },
  };
}
