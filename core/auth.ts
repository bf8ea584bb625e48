import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import { anonymous, type Caller } from './access';
import type { App } from './app';
import { CredentialCache, type CheckedCredential } from './credential-cache';
import { sha256Hex } from './crypto';
import { unauthenticated } from './errors';
import { preparedPerDb } from '../db/prepared';
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
 * valid, the API key speaks. Checked credentials come from the process's cache, which a revocation
 * empties before any later request is answered (core/credential-cache.ts).
 */
export function resolveCaller(app: App, presented: PresentedCredentials): Promise<Caller> {
  const cache = cacheOf(app);
  return callerOf(presented, (kind, secret) => cache.resolve(`${kind}:${secret}`, () => checkSecret(app, kind, secret)));
}

/** The same answer as resolveCaller, always read from the database. */
export function lookupCaller(app: App, presented: PresentedCredentials): Promise<Caller> {
  return callerOf(presented, async (kind, secret) => (await checkSecret(app, kind, secret)).caller);
}

type SecretKind = 'key' | 'token';

async function callerOf(presented: PresentedCredentials, check: (kind: SecretKind, secret: string) => Promise<Caller>): Promise<Caller> {
  if (presented.malformed) throw unauthenticated(presented.malformed);
  const fromKey = presented.apiKey ? await check('key', presented.apiKey) : undefined;
  // BlobHub clients also send API keys as bearer tokens
  const fromBearer = presented.bearer ? await check(presented.bearer.startsWith('bhk_') ? 'key' : 'token', presented.bearer) : undefined;
  return fromKey ?? fromBearer ?? anonymous;
}

const caches = new WeakMap<App, CredentialCache>();

/** The process's credential cache for this App, listening from its first use until the App closes. */
function cacheOf(app: App): CredentialCache {
  let cache = caches.get(app);
  if (!cache) {
    const created = new CredentialCache(app);
    app.onClose(() => created.close());
    caches.set(app, created);
    cache = created;
  }
  return cache;
}

const checkSecret = (app: App, kind: SecretKind, secret: string) => (kind === 'key' ? callerFromApiKey(app, secret) : callerFromAccessToken(app, secret));

const accessTokenByHash = preparedPerDb((db) =>
  db
    .select({ userId: authTokens.userId, isInstanceAdmin: users.isInstanceAdmin, expiresAt: authTokens.expiresAt })
    .from(authTokens)
    .leftJoin(users, eq(users.id, authTokens.userId))
    .where(
      and(
        eq(authTokens.tokenHash, sql.placeholder('hash')),
        eq(authTokens.kind, 'access'),
        isNull(authTokens.revokedAt),
        gt(authTokens.expiresAt, sql.placeholder('now')),
      ),
    )
    .prepare('access_token_by_hash'),
);

async function callerFromAccessToken(app: App, token: string): Promise<CheckedCredential> {
  const [row] = await accessTokenByHash(app.db).execute({ hash: sha256Hex(token), now: new Date().toISOString() });
  if (!row) throw unauthenticated('the access token is invalid or expired');
  if (!row.userId) return { caller: anonymous, expiresAt: row.expiresAt };
  return { caller: { kind: 'user', userId: row.userId, isInstanceAdmin: row.isInstanceAdmin ?? false }, expiresAt: row.expiresAt };
}

const apiKeyByHash = preparedPerDb((db) =>
  db
    .select({ key: apiKeys, isInstanceAdmin: users.isInstanceAdmin })
    .from(apiKeys)
    .innerJoin(users, eq(users.id, apiKeys.userId))
    .where(and(eq(apiKeys.secretHash, sql.placeholder('hash')), isNull(apiKeys.revokedAt)))
    .prepare('api_key_by_hash'),
);

async function callerFromApiKey(app: App, secret: string): Promise<CheckedCredential> {
  const [row] = await apiKeyByHash(app.db).execute({ hash: sha256Hex(secret) });
  if (!row) throw unauthenticated('the API key is invalid or revoked');
  return {
    caller: {
      kind: 'key',
      userId: row.key.userId,
      isInstanceAdmin: row.isInstanceAdmin,
      keyId: row.key.id,
      keyRole: row.key.role,
      keyTarget: { type: row.key.targetType, id: row.key.targetId },
    },
  };
}
