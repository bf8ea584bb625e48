/**
 * Who work started on someone's behalf acts as (a schedule fire, a webhook request): the user who
 * set it up, through the API key they used when a key did, so it never has more rights than its
 * creator (the key's role and target cap them). Checked at each use, never cached.
 */
import { eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import { apiKeys, users } from '../db/schema';
import type { Caller } from './access';

/** The caller, or a sentence saying why there is none any more (`what`: "schedule", "trigger"). */
export async function delegatedCaller(db: Db, setUp: { ownerId: string; createdByKeyId: string | null }, what: string): Promise<Caller | string> {
  const [user] = await db.select().from(users).where(eq(users.id, setUp.ownerId));
  if (!user) return `the ${what} owner ${setUp.ownerId} no longer exists`;
  if (!setUp.createdByKeyId) return { kind: 'user', userId: user.id, isInstanceAdmin: user.isInstanceAdmin };
  const [key] = await db.select().from(apiKeys).where(eq(apiKeys.id, setUp.createdByKeyId));
  if (!key || key.revokedAt) return `the API key ${setUp.createdByKeyId} that created the ${what} was revoked`;
  return {
    kind: 'key',
    userId: user.id,
    isInstanceAdmin: user.isInstanceAdmin,
    keyId: key.id,
    keyRole: key.role,
    keyTarget: { type: key.targetType, id: key.targetId },
  };
}
