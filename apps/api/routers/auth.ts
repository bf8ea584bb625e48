import { z } from 'zod';
import { redeemSetupToken } from '../../../core/setup';
import { userWithPassword, toUserWire, userWire } from '../../../core/users';
import { issueTokenPair, refreshAccessToken, revokeRefreshToken } from '../../../core/tokens';
import { emailAddress } from '../../../core/schemas';
import { publicProcedure, router } from '../trpc';

const tokenPair = z.object({ access_token: z.string(), refresh_token: z.string(), expires_at: z.string() });

export const authRouter = router({
  login: publicProcedure
    .meta({ openapi: { method: 'POST', path: '/auth/login', tags: ['auth'], summary: 'Sign in with email and password' } })
    .input(z.object({ email: emailAddress, password: z.string().min(1).max(1024) }))
    .output(tokenPair.extend({ user: userWire }))
    .mutation(async ({ ctx, input }) => {
      const user = await userWithPassword(ctx.app.db, input.email, input.password);
      return { ...(await issueTokenPair(ctx.app.db, ctx.app.config, user.id)), user: toUserWire(user) };
    }),

  setup: publicProcedure
    .meta({
      openapi: { method: 'POST', path: '/auth/setup', tags: ['auth'], summary: 'Set the first admin’s password with the one-time set-up link, and sign in' },
    })
    .input(z.object({ token: z.string().min(1).max(200), password: z.string().min(8, 'must be at least 8 characters').max(1024) }))
    .output(tokenPair.extend({ user: userWire }))
    .mutation(async ({ ctx, input }) => {
      const { user, ...tokens } = await redeemSetupToken(ctx.app.db, ctx.app.config, input.token, input.password);
      return { ...tokens, user: toUserWire(user) };
    }),

  refresh: publicProcedure
    .meta({ openapi: { method: 'POST', path: '/auth/core/refresh', tags: ['auth'], summary: 'Exchange a refresh token for a new access token' } })
    .input(z.object({ refresh_token: z.string().min(1).max(200) }))
    .output(z.object({ access_token: z.string(), expires_at: z.string() }))
    .mutation(({ ctx, input }) => refreshAccessToken(ctx.app.db, ctx.app.config, input.refresh_token)),

  logout: publicProcedure
    .meta({ openapi: { method: 'POST', path: '/auth/logout', tags: ['auth'], summary: 'Sign out: revoke a refresh token so the session cannot be renewed' } })
    .input(z.object({ refresh_token: z.string().min(1).max(200) }))
    .output(z.object({}))
    .mutation(async ({ ctx, input }) => {
      await revokeRefreshToken(ctx.app.db, input.refresh_token);
      return {};
    }),

  anonymous: publicProcedure
    .meta({ openapi: { method: 'GET', path: '/auth/core/anonymous', tags: ['auth'], summary: 'Tokens for anonymous, public-read-only access' } })
    .input(z.object({}))
    .output(z.object({ access_token: z.string(), refresh_token: z.string() }))
    .query(async ({ ctx }) => {
      const { access_token, refresh_token } = await issueTokenPair(ctx.app.db, ctx.app.config, null);
      return { access_token, refresh_token };
    }),
});
