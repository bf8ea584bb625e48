/**
 * The SDK's typed client at /trpc, and TanStack Query options over it with derived keys. Every
 * call carries the session's access token, refreshed shortly before it expires.
 */
import { createApiClient, createQueryOptions } from '../../../../sdk/browser';
import { session } from './session';

export type { RouterInputs as ApiInputs, RouterOutputs as ApiOutputs } from '../../../../sdk/browser';

/** Without credentials: for the refresh call itself. */
const unauthenticated = createApiClient({ url: '/trpc' });

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

export const api = createApiClient({
  url: '/trpc',
  batch: true,
  headers: async (): Promise<Record<string, string>> => {
    const token = await accessToken();
    return token ? { authorization: `Bearer ${token}` } : {};
  },
});

/** `queries.orgs.list.queryOptions(input)` for `useQuery`, `queries.orgs.list.queryKey(input?)` to invalidate. */
export const queries = createQueryOptions(api);
