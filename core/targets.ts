/**
 * The `/{target}/{target_id}/…` routes (members, API keys, credentials, metadata, operations)
 * address an org, a blob, a revision or a user. This resolves such a pair and authorizes it.
 */
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../db/client';
import { users } from '../db/schema';
import { authorize, type Action, type Caller, type Role } from './access';
import { notFound, unauthenticated } from './errors';
import { requireBlob, requireOrg, requireRevision } from './resources';
import { idOf, idOrName } from './schemas';

export const targetTypes = { orgs: 'org', blobs: 'blob', revisions: 'revision', users: 'user' } as const;
export type TargetName = keyof typeof targetTypes;
export type TargetType = (typeof targetTypes)[TargetName];

export const targetNameOf = (type: TargetType) => (Object.keys(targetTypes) as TargetName[]).find((name) => targetTypes[name] === type)!;

/** The path parameters of a target route; `target_id`'s form depends on the target. */
export const targetParams = <const T extends readonly [TargetName, ...TargetName[]]>(...names: T) => ({
  target: z.enum(names),
  target_id: z
    .string()
    .regex(/^([a-z]{2,5}_[0-9a-z]{26}|[a-z0-9][a-z0-9-]{0,62})$/, 'must be an id or a name')
    .describe('id (orgs: id or name; users: id or `me`)'),
});

const targetIdSchemas: Record<TargetName, z.ZodType<string>> = {
  orgs: idOrName('org'),
  blobs: idOf('blob'),
  revisions: idOf('revision'),
  users: z.union([idOf('user'), z.literal('me')]),
};

export interface ResolvedTarget {
  type: TargetType;
  /** the canonical id (org names and `me` resolved) */
  id: string;
  role: Role;
  /** where the target lives, for event routing */
  orgId: string | null;
  blobId: string | null;
  revisionId: string | null;
}

/** An id or name of another kind (a blob id under /orgs/…, a name under /blobs/…) names no such target. */
function checkTargetId(target: TargetName, targetId: string) {
  if (!targetIdSchemas[target].safeParse(targetId).success) throw notFound(targetTypes[target]);
}

/** Loads the target and checks the caller may perform `action` on it (404 when it cannot even read it). */
export async function requireTarget(db: Db, caller: Caller, target: TargetName, targetId: string, action: Action): Promise<ResolvedTarget> {
  checkTargetId(target, targetId);
  switch (target) {
    case 'orgs': {
      const { org, role } = await requireOrg(db, caller, targetId, action);
      return { type: 'org', id: org.id, role, orgId: org.id, blobId: null, revisionId: null };
    }
    case 'blobs': {
      const { blob, role } = await requireBlob(db, caller, targetId, action);
      return { type: 'blob', id: blob.id, role, orgId: blob.orgId, blobId: blob.id, revisionId: null };
    }
    case 'revisions': {
      const { revision, blob, role } = await requireRevision(db, caller, targetId, action);
      return { type: 'revision', id: revision.id, role, orgId: blob.orgId, blobId: blob.id, revisionId: revision.id };
    }
    case 'users':
      return requireUserTarget(db, caller, targetId, action);
  }
}

async function requireUserTarget(db: Db, caller: Caller, targetId: string, action: Action): Promise<ResolvedTarget> {
  if (caller.kind === 'anonymous') throw unauthenticated();
  const userId = targetId === 'me' ? caller.userId : targetId;
  const role = await authorize(db, caller, { type: 'user', userId }, action);
  const [user] = await db.select({ id: users.id }).from(users).where(eq(users.id, userId));
  if (!user) throw notFound('user');
  return { type: 'user', id: userId, role, orgId: null, blobId: null, revisionId: null };
}
