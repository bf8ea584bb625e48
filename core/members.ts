/** Members of an org or a blob and their roles; an org always keeps one admin. */
import { and, asc, eq, gt } from 'drizzle-orm';
import type { Db, Transaction } from '../db/client';
import { members, users } from '../db/schema';
import type { Actor } from './actor';
import { recordAudit } from './audit';
import { conflict, notFound } from './errors';
import { fetchPage } from './paging';
import type { ResolvedTarget } from './targets';

export type MemberRow = typeof members.$inferSelect;
/** A member with the user's name, as lists show them. */
export interface NamedMember {
  member: MemberRow;
  name: string;
}

const memberType = (target: ResolvedTarget) => target.type as MemberRow['targetType'];
/** A membership change as the audit log records it: its target is the member (a user id), `on` the org or blob. */
const auditMember = (tx: Transaction, actor: Actor, target: ResolvedTarget, verb: string, userId: string, changes: Record<string, unknown>) =>
  recordAudit(tx, actor, {
    orgId: target.orgId,
    action: `member.${verb}`,
    target: { type: 'member', id: userId },
    changes: { on: { type: target.type, id: target.id }, ...changes },
  });

const ofTarget = (target: ResolvedTarget) => and(eq(members.targetType, memberType(target)), eq(members.targetId, target.id));

/** The user to add, by id or (as people know each other) by email. */
async function findUser(tx: Transaction, by: { userId?: string; email?: string }) {
  const where = by.userId ? eq(users.id, by.userId) : eq(users.email, (by.email ?? '').toLowerCase());
  const [user] = await tx.select({ id: users.id, name: users.name }).from(users).where(where);
  if (!user) throw notFound(by.userId ? 'user' : `a user with the email ${by.email}`);
  return user;
}

/**
 * Refuses to leave an organization without an admin. The admin rows are locked first, so two
 * concurrent demotions of the last two admins cannot both pass the check.
 */
async function keepOneOrgAdmin(tx: Transaction, target: ResolvedTarget, userId: string, newRole: MemberRow['role'] | null) {
  if (target.type !== 'org' || newRole === 'admin') return;
  const admins = await tx
    .select({ userId: members.userId })
    .from(members)
    .where(and(ofTarget(target), eq(members.role, 'admin')))
    .for('update');
  if (admins.length === 1 && admins[0]?.userId === userId) {
    throw conflict('this is the last admin of the organization; make someone else admin first');
  }
}

export function addMember(
  db: Db,
  actor: Actor,
  target: ResolvedTarget,
  user: { userId?: string; email?: string },
  role: MemberRow['role'],
): Promise<NamedMember> {
  return db.transaction(async (tx) => {
    const { id, name } = await findUser(tx, user);
    const [member] = await tx
      .insert(members)
      .values({ targetType: memberType(target), targetId: target.id, userId: id, role })
      .onConflictDoNothing()
      .returning();
    if (!member) throw conflict('this user is already a member; change the role with PATCH');
    await auditMember(tx, actor, target, 'add', id, { role });
    return { member, name };
  });
}

/** One page of the target's members, by user id. */
export function listMembers(db: Db, target: ResolvedTarget, page: { limit: number; cursor?: string }) {
  return fetchPage(
    page.limit,
    (take) =>
      db
        .select({ member: members, name: users.name })
        .from(members)
        .innerJoin(users, eq(users.id, members.userId))
        .where(and(ofTarget(target), page.cursor ? gt(members.userId, page.cursor) : undefined))
        .orderBy(asc(members.userId))
        .limit(take),
    (r): string => r.member.userId,
  );
}

export function changeMemberRole(db: Db, actor: Actor, target: ResolvedTarget, userId: string, role: MemberRow['role']): Promise<NamedMember> {
  return db.transaction(async (tx) => {
    await keepOneOrgAdmin(tx, target, userId, role);
    const [before] = await tx
      .select({ role: members.role })
      .from(members)
      .where(and(ofTarget(target), eq(members.userId, userId)))
      .for('update');
    const [member] = await tx
      .update(members)
      .set({ role, updatedAt: new Date() })
      .where(and(ofTarget(target), eq(members.userId, userId)))
      .returning();
    if (!member) throw notFound('member');
    await auditMember(tx, actor, target, 'update', userId, { role: { from: before?.role ?? null, to: role } });
    return { member, name: (await findUser(tx, { userId: member.userId })).name };
  });
}

export async function removeMember(db: Db, actor: Actor, target: ResolvedTarget, userId: string): Promise<void> {
  await db.transaction(async (tx) => {
    await keepOneOrgAdmin(tx, target, userId, null);
    const removed = await tx
      .delete(members)
      .where(and(ofTarget(target), eq(members.userId, userId)))
      .returning();
    if (removed.length === 0) throw notFound('member');
    await auditMember(tx, actor, target, 'remove', userId, { role: removed[0]?.role });
  });
}
