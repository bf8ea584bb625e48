/**
 * The typed tRPC client of the app router (apps/api/router.ts) at /trpc. Every call carries the
 * session's access token, refreshed shortly before it expires.
 */
import { createTRPCClient, httpBatchLink, httpLink } from '@trpc/client';
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '../../../api/router';
import { session } from './session';

export type ApiInputs = inferRouterInputs<AppRouter>;
export type ApiOutputs = inferRouterOutputs<AppRouter>;

/** Without credentials: for the refresh call itself. */
const unauthenticated = createTRPCClient<AppRouter>({ links: [httpLink({ url: '/trpc' })] });

const REFRESH_MARGIN_MS = 60_000;
let refreshing: Promise<string | undefined> | null = null;

/** The current access token, refreshed first when it is about to expire; undefined = anonymous. */
export async function accessToken(): Promise<string | undefined> {
  const current = session.get();
  if (!current) return undefined;
  if (Date.parse(current.expires_at) - Date.now() > REFRESH_MARGIN_MS) return current.access_token;
  refreshing ??= unauthenticated.auth.refresh
    .mutate({ refresh_token: current.refresh_token })
    .then(
      (tokens) => {
        session.update(tokens);
        return tokens.access_token;
      },
      () => {
        // The refresh token is gone too (expired or revoked): the user has to sign in again.
        session.signOut();
        return undefined;
      },
    )
    .finally(() => {
      refreshing = null;
    });
  return refreshing;
}

export const api = createTRPCClient<AppRouter>({
  links: [
    httpBatchLink({
      url: '/trpc',
      headers: async (): Promise<Record<string, string>> => {
        const token = await accessToken();
        return token ? { authorization: `Bearer ${token}` } : {};
      },
    }),
  ],
});
