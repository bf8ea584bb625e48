/** The typed tRPC client of the app router at `/trpc`, the same for Node and browsers. */
import { createTRPCClient, httpBatchLink, httpLink, type HTTPHeaders, type TRPCClient } from '@trpc/client';
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '../apps/api/router';

export type { AppRouter };
export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;
export type ApiClient = TRPCClient<AppRouter>;

export interface ApiClientOptions {
  /** the tRPC endpoint: `https://host/trpc`, or `/trpc` in a page the API server serves */
  url: string;
  /** asked before every request, so a token can be refreshed in between */
  headers?: () => HTTPHeaders | Promise<HTTPHeaders>;
  /** send the calls made in one tick as one request (what a page does as it renders) */
  batch?: boolean;
}

export function createApiClient({ url, headers, batch }: ApiClientOptions): ApiClient {
  // queries as POST too (the server allows it): engine queries carry whole definitions and tensors, too big for a URL
  const link = { url, headers, methodOverride: 'POST' as const };
  return createTRPCClient<AppRouter>({ links: [batch ? httpBatchLink(link) : httpLink(link)] });
}
