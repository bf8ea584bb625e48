import { z } from 'zod';
import { createOrg, deleteOrg, listOrgsOf, updateOrg, orgWire, toOrgWire } from '../../../core/orgs';
import { requireOrg } from '../../../core/resources';
import { idOrName, slug } from '../../../core/schemas';
import { pageQuery } from '../../../core/paging';
import { authedProcedure, router } from '../trpc';

const orgParam = { org_id: idOrName('org') };
const orgFields = {
  display_name: z.string().min(1).max(200).optional(),
  description: z.string().max(4000).optional(),
};

export const orgsRouter = router({
  create: authedProcedure
    .meta({ openapi: { method: 'POST', path: '/orgs', tags: ['orgs'], summary: 'Create an organization; the creator becomes admin' } })
    .input(z.object({ name: slug, ...orgFields }))
    .output(z.object({ org: orgWire }))
    .mutation(async ({ ctx, input }) => {
      const org = await createOrg(ctx.app.db, ctx.caller, ctx.actor, input.name, { displayName: input.display_name, description: input.description });
      return { org: toOrgWire(org) };
    }),

  list: authedProcedure
    .meta({ openapi: { method: 'GET', path: '/orgs', tags: ['orgs'], summary: 'Organizations I am a member of' } })
    .input(z.object(pageQuery))
    .output(z.object({ orgs: z.array(orgWire), cursor: z.string().nullable() }))
    .query(async ({ ctx, input }) => {
      const { items, cursor } = await listOrgsOf(ctx.app.db, ctx.caller, input);
      return { orgs: items.map(toOrgWire), cursor };
    }),

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
      return { org: toOrgWire(await updateOrg(ctx.app.db, ctx.actor, org, { displayName: input.display_name, description: input.description })) };
    }),

  delete: authedProcedure
    .meta({ openapi: { method: 'DELETE', path: '/orgs/{org_id}', tags: ['orgs'], summary: 'Delete an organization and everything in it (admin)' } })
    .input(z.object(orgParam))
    .output(z.object({}))
    .mutation(async ({ ctx, input }) => {
      const { org } = await requireOrg(ctx.app.db, ctx.caller, input.org_id, 'admin');
      await deleteOrg(ctx.app.db, ctx.actor, org);
      return {};
    }),
});
