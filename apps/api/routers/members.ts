import { z } from 'zod';
import { addMember, changeMemberRole, listMembers, removeMember, type MemberRow } from '../../../core/members';
import { requireTarget, targetNameOf, targetParams } from '../../../core/targets';
import { idOf, isoDate, role } from '../../../core/schemas';
import { pageQuery } from '../../../core/paging';
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

const toMemberWire = ({ member: m, name }: { member: MemberRow; name: string }) => ({
  target: targetNameOf(m.targetType) as 'orgs' | 'blobs',
  target_id: m.targetId,
  user_id: m.userId,
  name,
  role: m.role,
  created_at: m.createdAt.toISOString(),
  updated_at: m.updatedAt.toISOString(),
});

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
      return { member: toMemberWire(await addMember(ctx.app.db, ctx.actor, target, { userId: input.user_id, email: input.email }, input.role)) };
    }),

  list: publicProcedure
    .meta({ openapi: { method: 'GET', path: '/{target}/{target_id}/members', tags: ['members'], summary: 'Members and their roles' } })
    .input(z.object({ ...params, ...pageQuery }))
    .output(z.object({ members: z.array(memberWire), cursor: z.string().nullable() }))
    .query(async ({ ctx, input }) => {
      const target = await requireTarget(ctx.app.db, ctx.caller, input.target, input.target_id, 'read');
      const { items, cursor } = await listMembers(ctx.app.db, target, input);
      return { members: items.map(toMemberWire), cursor };
    }),

  update: authedProcedure
    .meta({ openapi: { method: 'PATCH', path: '/{target}/{target_id}/members/{user_id}', tags: ['members'], summary: 'Change a member’s role (admin)' } })
    .input(z.object({ ...memberParams, role }))
    .output(z.object({ member: memberWire }))
    .mutation(async ({ ctx, input }) => {
      const target = await requireTarget(ctx.app.db, ctx.caller, input.target, input.target_id, 'admin');
      return { member: toMemberWire(await changeMemberRole(ctx.app.db, ctx.actor, target, input.user_id, input.role)) };
    }),

  remove: authedProcedure
    .meta({ openapi: { method: 'DELETE', path: '/{target}/{target_id}/members/{user_id}', tags: ['members'], summary: 'Remove a member (admin)' } })
    .input(z.object(memberParams))
    .output(z.object({}))
    .mutation(async ({ ctx, input }) => {
      const target = await requireTarget(ctx.app.db, ctx.caller, input.target, input.target_id, 'admin');
      await removeMember(ctx.app.db, ctx.actor, target, input.user_id);
      return {};
    }),
});
