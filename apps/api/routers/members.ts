import { and, asc, eq, gt } from 'drizzle-orm';
import { z } from 'zod';
import type { Transaction } from '../../../db/client';
import { members, users } from '../../../db/schema';
import { conflict, notFound } from '../../../core/errors';
import { requireTarget, targetNameOf, targetParams, type ResolvedTarget } from '../../../core/targets';
import { fetchPage } from '../../../core/paging';
import { idOf, isoDate, pageQuery, role } from '../../../core/wire';
import { authedProcedure, publicProcedure, router } from '../trpc';

const params = targetParams('orgs', 'blobs');
const memberParams = { ...params, user_id: idOf('user') };

const memberWire = z.object({
  target: z.enum(['orgs', 'blobs']),
  target_id: z.string(),
  user_id: z.string(),
  name: z.string(),
  role,
  created_at: isoDate,
  updated_at: isoDate,
});

type MemberRow = typeof members.$inferSelect;
const toMemberWire = (m: MemberRow, name: string) => ({
  target: targetNameOf(m.targetType) as 'orgs' | 'blobs',
  target_id: m.targetId,
  user_id: m.userId,
  name,
  role: m.role,
  created_at: m.createdAt.toISOString(),
  updated_at: m.updatedAt.toISOString(),
});

const memberType = (target: ResolvedTarget) => target.type as 'org' | 'blob';
const ofTarget = (target: ResolvedTarget) => and(eq(members.targetType, memberType(target)), eq(members.targetId, target.id));

/** The user to add, by id or (as people know each other) by email. */
async function findUser(tx: Transaction, by: { user_id?: string; email?: string }) {
  const where = by.user_id ? eq(users.id, by.user_id) : eq(users.email, by.email!.toLowerCase());
  const [user] = await tx.select({ id: users.id, name: users.name }).from(users).where(where);
  if (!user) throw notFound(by.user_id ? 'user' : `a user with the email ${by.email}`);
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

export const membersRouter = router({
  add: authedProcedure
    .meta({
      openapi: { method: 'POST', path: '/{target}/{target_id}/members', tags: ['members'], summary: 'Add a member, by user id or email, with a role (admin)' },
    })
    .input(
      z
        .object({ ...params, user_id: idOf('user').optional(), email: z.string().email().max(320).optional(), role })
        .refine((body) => Boolean(body.user_id) !== Boolean(body.email), { message: 'give either user_id or email', path: ['user_id'] }),
    )
    .output(z.object({ member: memberWire }))
    .mutation(async ({ ctx, input }) => {
      const target = await requireTarget(ctx.app.db, ctx.caller, input.target, input.target_id, 'admin');
      return ctx.app.db.transaction(async (tx) => {
        const user = await findUser(tx, input);
        const [row] = await tx
          .insert(members)
          .values({ targetType: memberType(target), targetId: target.id, userId: user.id, role: input.role })
          .onConflictDoNothing()
          .returning();
        if (!row) throw conflict('this user is already a member; change the role with PATCH');
        return { member: toMemberWire(row, user.name) };
      });
    }),

  list: publicProcedure
    .meta({ openapi: { method: 'GET', path: '/{target}/{target_id}/members', tags: ['members'], summary: 'Members and their roles' } })
    .input(z.object({ ...params, ...pageQuery }))
    .output(z.object({ members: z.array(memberWire), cursor: z.string().nullable() }))
    .query(async ({ ctx, input }) => {
      const target = await requireTarget(ctx.app.db, ctx.caller, input.target, input.target_id, 'read');
      const { items, cursor } = await fetchPage(
        input.limit,
        (take) =>
          ctx.app.db
            .select({ member: members, name: users.name })
            .from(members)
            .innerJoin(users, eq(users.id, members.userId))
            .where(and(ofTarget(target), input.cursor ? gt(members.userId, input.cursor) : undefined))
            .orderBy(asc(members.userId))
            .limit(take),
        (r) => r.member.userId,
      );
      return { members: items.map((r) => toMemberWire(r.member, r.name)), cursor };
    }),

  update: authedProcedure
    .meta({ openapi: { method: 'PATCH', path: '/{target}/{target_id}/members/{user_id}', tags: ['members'], summary: 'Change a member’s role (admin)' } })
    .input(z.object({ ...memberParams, role }))
    .output(z.object({ member: memberWire }))
    .mutation(async ({ ctx, input }) => {
      const target = await requireTarget(ctx.app.db, ctx.caller, input.target, input.target_id, 'admin');
      return ctx.app.db.transaction(async (tx) => {
        await keepOneOrgAdmin(tx, target, input.user_id, input.role);
        const [row] = await tx
          .update(members)
          .set({ role: input.role, updatedAt: new Date() })
          .where(and(ofTarget(target), eq(members.userId, input.user_id)))
          .returning();
        if (!row) throw notFound('member');
        return { member: toMemberWire(row, (await findUser(tx, { user_id: row.userId })).name) };
      });
    }),

  remove: authedProcedure
    .meta({ openapi: { method: 'DELETE', path: '/{target}/{target_id}/members/{user_id}', tags: ['members'], summary: 'Remove a member (admin)' } })
    .input(z.object(memberParams))
    .output(z.object({}))
    .mutation(async ({ ctx, input }) => {
      const target = await requireTarget(ctx.app.db, ctx.caller, input.target, input.target_id, 'admin');
      await ctx.app.db.transaction(async (tx) => {
        await keepOneOrgAdmin(tx, target, input.user_id, null);
        const removed = await tx
          .delete(members)
          .where(and(ofTarget(target), eq(members.userId, input.user_id)))
          .returning();
        if (removed.length === 0) throw notFound('member');
      });
      return {};
    }),
});
