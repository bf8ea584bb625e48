import { and, desc, eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import { actsAsInstanceAdmin } from '../../../core/access';
import { deleteAttachments } from '../../../core/attachments';
import { newId } from '../../../core/ids';
import { conflict, firstOr, forbidden, notFound } from '../../../core/errors';
import { requireOrg } from '../../../core/resources';
import { afterCursor, fetchPage } from '../../../core/paging';
import { idOrName, orgWire, pageQuery, slug, toOrgWire } from '../../../core/wire';
import { members, orgs } from '../../../db/schema';
import type { Db } from '../../../db/client';
import { authedProcedure, router, type AuthedCaller } from '../trpc';

const orgParam = { org_id: idOrName('org') };
const orgFields = {
  display_name: z.string().min(1).max(200).optional(),
  description: z.string().max(4000).optional(),
};

/** The organizations the caller is a member of, as the caller's key may see them. */
export async function listMyOrgs(db: Db, caller: AuthedCaller, input: { limit: number; cursor?: string }) {
  // A blob key reaches no organization as a whole; it has no org list to show.
  if (caller.kind === 'key' && caller.keyTarget.type === 'blob') return { orgs: [], cursor: null };
  const memberOrgIds = db
    .select({ id: members.targetId })
    .from(members)
    .where(and(eq(members.userId, caller.userId), eq(members.targetType, 'org')));
  const conditions = [afterCursor(orgs.id, input.cursor)];
  if (caller.kind === 'key' && caller.keyTarget.type === 'org') conditions.push(eq(orgs.id, caller.keyTarget.id));
  if (!actsAsInstanceAdmin(caller)) conditions.push(inArray(orgs.id, memberOrgIds));
  const { items, cursor } = await fetchPage(input.limit, (take) =>
    db
      .select()
      .from(orgs)
      .where(and(...conditions))
      .orderBy(desc(orgs.id))
      .limit(take),
  );
  return { orgs: items.map(toOrgWire), cursor };
}

/** A key scoped to an org or a blob, or a personal key below admin, acts within what it was made for: no new orgs. */
const mayCreateOrgs = (caller: AuthedCaller) => caller.kind === 'user' || (caller.keyTarget.type === 'user' && caller.keyRole === 'admin');

export const orgsRouter = router({
  create: authedProcedure
    .meta({ openapi: { method: 'POST', path: '/orgs', tags: ['orgs'], summary: 'Create an organization; the creator becomes admin' } })
    .input(z.object({ name: slug, ...orgFields }))
    .output(z.object({ org: orgWire }))
    .mutation(async ({ ctx, input }) => {
      if (!mayCreateOrgs(ctx.caller)) throw forbidden('only a signed-in user or a personal admin API key can create organizations');
      const org = await ctx.app.db.transaction(async (tx) => {
        const [row] = await tx
          .insert(orgs)
          .values({ id: newId('org'), name: input.name, displayName: input.display_name, description: input.description })
          .onConflictDoNothing({ target: orgs.name })
          .returning();
        if (!row) throw conflict(`an organization named ${input.name} already exists`);
        await tx.insert(members).values({ targetType: 'org', targetId: row.id, userId: ctx.caller.userId, role: 'admin' });
        return row;
      });
      return { org: toOrgWire(org) };
    }),

  list: authedProcedure
    .meta({ openapi: { method: 'GET', path: '/orgs', tags: ['orgs'], summary: 'Organizations I am a member of' } })
    .input(z.object(pageQuery))
    .output(z.object({ orgs: z.array(orgWire), cursor: z.string().nullable() }))
    .query(({ ctx, input }) => listMyOrgs(ctx.app.db, ctx.caller, input)),

  get: authedProcedure
    .meta({ openapi: { method: 'GET', path: '/orgs/{org_id}', tags: ['orgs'], summary: 'Get an organization' } })
    .input(z.object(orgParam))
    .output(z.object({ org: orgWire }))
    .query(async ({ ctx, input }) => ({ org: toOrgWire((await requireOrg(ctx.app.db, ctx.caller, input.org_id, 'read')).org) })),

  update: authedProcedure
    .meta({ openapi: { method: 'PATCH', path: '/orgs/{org_id}', tags: ['orgs'], summary: 'Update an organization (admin)' } })
    .input(z.object({ ...orgParam, ...orgFields }))
    .output(z.object({ org: orgWire }))
    .mutation(async ({ ctx, input }) => {
      const { org } = await requireOrg(ctx.app.db, ctx.caller, input.org_id, 'admin');
      const row = await ctx.app.db
        .update(orgs)
        .set({ displayName: input.display_name ?? org.displayName, description: input.description ?? org.description, updatedAt: new Date() })
        .where(eq(orgs.id, org.id))
        .returning()
        .then((rows) => firstOr(rows, () => notFound('organization')));
      return { org: toOrgWire(row) };
    }),

  delete: authedProcedure
    .meta({ openapi: { method: 'DELETE', path: '/orgs/{org_id}', tags: ['orgs'], summary: 'Delete an organization and everything in it (admin)' } })
    .input(z.object(orgParam))
    .output(z.object({}))
    .mutation(async ({ ctx, input }) => {
      const { org } = await requireOrg(ctx.app.db, ctx.caller, input.org_id, 'admin');
      await ctx.app.db.transaction(async (tx) => {
        await deleteAttachments(tx, { type: 'org', id: org.id });
        await tx.delete(orgs).where(eq(orgs.id, org.id));
      });
      return {};
    }),
});
