/**
 * TanStack Query options over the typed client, their keys derived from the procedure's path and
 * input in tRPC's own key shape (`[path, {input, type: 'query'}]`): what `@trpc/tanstack-react-query`
 * gives, which is published only in lockstep with the tRPC release it was built for, so this is
 * its thin equal. A key with part of the input (or none) matches every query it is a prefix of.
 */
import { getUntypedClient } from '@trpc/client';
import type { ApiClient } from './api-client';

export type ProcedureKey = [path: string[], query?: { input?: unknown; type: 'query' }];

export interface ProcedureQueryOptions<T> {
  queryKey: ProcedureKey;
  queryFn: () => Promise<T>;
}

/** For each query procedure of the client: its options for `useQuery` and its key for invalidation. */
export type QueryOptionsProxy<T> = {
  [K in keyof T]: T[K] extends { query: (input: infer I, ...rest: never[]) => Promise<infer O> }
    ? { queryOptions(input: I): ProcedureQueryOptions<O>; queryKey(input?: Partial<I>): ProcedureKey }
    : T[K] extends { mutate: unknown }
      ? never
      : QueryOptionsProxy<T[K]>;
};

const keyOf = (path: string[], input: unknown): ProcedureKey => (input === undefined ? [path] : [path, { input, type: 'query' }]);

export function createQueryOptions(client: ApiClient): QueryOptionsProxy<ApiClient> {
  const untyped = getUntypedClient(client);
  const at = (path: string[]): object =>
    new Proxy(
      {},
      {
        get: (_target, name) => {
          if (typeof name !== 'string') return undefined;
          if (name === 'queryKey') return (input?: unknown) => keyOf(path, input);
          if (name === 'queryOptions')
            return (input: unknown) => ({ queryKey: [path, { input, type: 'query' }], queryFn: () => untyped.query(path.join('.'), input) });
          return at([...path, name]);
        },
      },
    );
  // The proxy answers every path; the mapped type says which ones the router has.
  return at([]) as QueryOptionsProxy<ApiClient>;
}
