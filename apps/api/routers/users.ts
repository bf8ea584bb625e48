import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { forbidden, notFound } from '../../../core/errors';
import { createUser } from '../../../core/users';
import { toUserWire, userWire } from '../../../core/wire';
import { users } from '../../../db/schema';
import { authedProcedure, publicProcedure, router } from '../trpc';

export const usersRouter = router({
  create: publicProcedure
    .meta({ openapi: { method: 'POST', path: '/users', tags: ['users'], summary: 'Create a user (instance admin, or anyone with open sign-up)' } })
    .input(z.object({ email: z.string().email().max(320), name: z.string().min(1).max(200), password: z.string().min(8).max(1024) }))
    .output(z.object({ user: userWire }))
    .mutation(async ({ ctx, input }) => {
      const isAdmin = ctx.caller.kind === 'user' && ctx.caller.isInstanceAdmin;
      if (!isAdmin && !ctx.app.config.BLOBHUB_OPEN_SIGNUP) throw forbidden('only an instance admin can create users');
      return { user: toUserWire(await createUser(ctx.app.db, input)) };
    }),

  me: authedProcedure
    .meta({ openapi: { method: 'GET', path: '/users/me', tags: ['users'], summary: 'Who am I' } })
    .input(z.object({}))
    .output(z.object({ user_id: z.string(), name: z.string(), email: z.string(), is_instance_admin: z.boolean() }))
    .query(async ({ ctx }) => {
      const [user] = await ctx.app.db.select().from(users).where(eq(users.id, ctx.caller.userId));
      if (!user) throw notFound('user');
      return { user_id: user.id, name: user.name, email: user.email, is_instance_admin: user.isInstanceAdmin };
    }),
});
