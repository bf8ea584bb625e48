/** API keys of an org, a blob or a user: the secret is shown once, only its hash is kept. */
import { and, desc, eq, isNull } from 'drizzle-orm';
import type { Db } from '../db/client';
import { apiKeys } from '../db/schema';
import { roleAtLeast } from './access';
import type { Actor } from './actor';
import { recordAudit } from './audit';
import { randomSecret, sha256Hex } from './crypto';
import { notFound, theRow } from './errors';
import { newId } from './ids';
import { afterCursor, fetchPage } from './paging';
import type { ResolvedTarget } from './targets';

export type ApiKeyRow = typeof apiKeys.$inferSelect;
export type NewApiKey = Pick<ApiKeyRow, 'targetType' | 'targetId' | 'userId' | 'role' | 'description'>;

/** Stores a key under the given secret (a generated one unless the operator chose it). */
export async function insertApiKey(db: Db, key: NewApiKey, secret: string): Promise<ApiKeyRow> {
  return db
    .insert(apiKeys)
    .values({ id: newId('apiKey'), ...key, prefix: secret.slice(0, 12), secretHash: sha256Hex(secret) })
    .returning()
    .then(theRow);
}

const keyType = (target: ResolvedTarget) => target.type as ApiKeyRow['targetType'];

/** A key's audit entry: its target and role, never its secret or hash. */
const auditKey = (tx: Db, actor: Actor, target: ResolvedTarget, verb: string, key: ApiKeyRow) =>
  recordAudit(tx, actor, {
    orgId: target.orgId,
    action: `api_key.${verb}`,
    target: { type: 'api_key', id: key.id },
    changes: { on: { type: target.type, id: target.id }, role: key.role, description: key.description, acts_as: key.userId },
  });

/** Creates a key on the target; the secret is returned only this once. */
export async function createApiKey(db: Db, actor: Actor, creatorId: string, target: ResolvedTarget, role: ApiKeyRow['role'], description?: string) {
  const secret = randomSecret('bhk');
  const key = await db.transaction(async (tx) => {
    const inserted = await insertApiKey(
      tx,
      // A personal key acts as its user, even when an instance admin issued it.
      { targetType: keyType(target), targetId: target.id, userId: target.type === 'user' ? target.id : creatorId, role, description: description ?? null },
      secret,
    );
    await auditKey(tx, actor, target, 'create', inserted);
    return inserted;
  });
  return { key, secret };
}

/** Active keys of the target: all of them for its admins, only their own for everyone else. */
const visibleKeys = (target: ResolvedTarget, userId: string) =>
  and(
    eq(apiKeys.targetType, keyType(target)),
    eq(apiKeys.targetId, target.id),
    isNull(apiKeys.revokedAt),
    roleAtLeast(target.role, 'admin') ? undefined : eq(apiKeys.userId, userId),
  );

/** One page of the keys `userId` may see on the target, newest first. */
export function listApiKeys(db: Db, target: ResolvedTarget, userId: string, page: { limit: number; cursor?: string }) {
  return fetchPage(page.limit, (take) =>
    db
      .select()
      .from(apiKeys)
      .where(and(visibleKeys(target, userId), afterCursor(apiKeys.id, page.cursor)))
      .orderBy(desc(apiKeys.id))
      .limit(take),
  );
}

/** Revokes a key at once, if `userId` may see it. */
export async function revokeApiKey(db: Db, actor: Actor, target: ResolvedTarget, userId: string, keyId: string): Promise<void> {
  await db.transaction(async (tx) => {
    const [revoked] = await tx
      .update(apiKeys)
      .set({ revokedAt: new Date() })
      .where(and(visibleKeys(target, userId), eq(apiKeys.id, keyId)))
      .returning();
    if (!revoked) throw notFound('API key');
    await auditKey(tx, actor, target, 'revoke', revoked);
  });
}
