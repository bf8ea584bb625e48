import type { IncomingMessage } from 'node:http';
import { and, eq, gt, isNull } from 'drizzle-orm';
import { anonymous, type Caller } from '../../core/access';
import type { App } from '../../core/app';
import { sha256Hex } from '../../core/crypto';
import { unauthenticated } from '../../core/errors';
import { apiKeys, authTokens, users } from '../../db/schema';

/** Credentials as presented: header values, or a browser WebSocket subprotocol. */
export interface PresentedCredentials {
  bearer?: string;
  apiKey?: string;
}

/** Accepts node's header record or a Fetch Headers object (the REST adapter hands us a Request). */
export function credentialsFromHeaders(headers: IncomingMessage['headers'] | Headers): PresentedCredentials {
  const read = (name: string) => {
    const value = headers instanceof Headers ? headers.get(name) : headers[name];
    return typeof value === 'string' ? value.trim() : undefined;
  };
  const auth = read('authorization');
  const bearer = auth && /^bearer\s+/i.test(auth) ? auth.replace(/^bearer\s+/i, '').trim() : undefined;
  return { bearer, apiKey: read('x-api-key') };
}

/**
 * Resolves who is calling. No credential = anonymous; a credential that does not check out
 * (unknown, revoked, expired) is refused rather than downgraded to anonymous.
 */
export async function resolveCaller(app: App, presented: PresentedCredentials): Promise<Caller> {
  if (presented.apiKey) return callerFromApiKey(app, presented.apiKey);
  if (presented.bearer) {
    // BlobHub clients also send API keys as bearer tokens.
    if (presented.bearer.startsWith('bhk_')) return callerFromApiKey(app, presented.bearer);
    return callerFromAccessToken(app, presented.bearer);
  }
  return anonymous;
}

async function callerFromAccessToken(app: App, token: string): Promise<Caller> {
  const [row] = await app.db
    .select({ userId: authTokens.userId, isInstanceAdmin: users.isInstanceAdmin })
    .from(authTokens)
    .leftJoin(users, eq(users.id, authTokens.userId))
    .where(
      and(
        eq(authTokens.tokenHash, sha256Hex(token)),
        eq(authTokens.kind, 'access'),
        isNull(authTokens.revokedAt),
        gt(authTokens.expiresAt, new Date()),
      ),
    );
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
