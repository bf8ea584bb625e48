import { z } from 'zod';
import { forbidden } from '../../../core/errors';
import { listOrgsOf, orgWire, toOrgWire } from '../../../core/orgs';
import { requireUser, signUpUser, toUserWire, userWire } from '../../../core/users';
import { emailAddress } from '../../../core/schemas';
import { pageQuery } from '../../../core/paging';
import { authedProcedure, publicProcedure, router } from '../trpc';

export const usersRouter = router({
  create: publicProcedure
    .meta({ openapi: { method: 'POST', path: '/users', tags: ['users'], summary: 'Create a user (instance admin, or anyone with open sign-up)' } })
    .input(z.object({ email: emailAddress, name: z.string().min(1).max(200), password: z.string().min(8).max(1024) }))
    .output(z.object({ user: userWire }))
    .mutation(async ({ ctx, input }) => {
      return { user: toUserWire(await signUpUser(ctx.app.db, ctx.app.config, ctx.caller, input)) };
    }),

  me: authedProcedure
    .meta({ openapi: { method: 'GET', path: '/users/me', tags: ['users'], summary: 'Who am I' } })
    .input(z.object({}))
    .output(
      z.object({
        user: z.object({ id: z.string(), name: z.string(), email: z.string() }),
        user_id: z.string(),
        name: z.string(),
        email: z.string(),
        is_instance_admin: z.boolean(),
      }),
    )
    .query(async ({ ctx }) => {
      const user = await requireUser(ctx.app.db, ctx.caller.userId);
      // `user` is what BlobHub's clients read; the flat fields are the SPEC's.
      return {
        user: { id: user.id, name: user.name, email: user.email },
        user_id: user.id,
        name: user.name,
        email: user.email,
        is_instance_admin: user.isInstanceAdmin,
      };
    }),

  myOrgs: authedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/users/me/orgs',
        tags: ['users'],
        summary: 'My organizations (BlobHub’s form of GET /orgs); a key scoped to an org or blob is refused',
      },
    })
    .input(z.object(pageQuery))
    .output(z.object({ organizations: z.array(orgWire), cursor: z.string().nullable() }))
    .query(async ({ ctx, input }) => {
      // BlobHub answers 403 to a scoped key here; its CLI reads that as "restricted scope".
      if (ctx.caller.kind === 'key' && ctx.caller.keyTarget.type !== 'user') throw forbidden('this key is scoped to one organization or blob');
      const { items, cursor } = await listOrgsOf(ctx.app.db, ctx.caller, input);
      return { organizations: items.map(toOrgWire), cursor };
    }),
});
