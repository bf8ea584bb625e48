/** The SDK's query options: keys derived from procedure path and input, and prefixes of them matching as TanStack Query matches. */
import { partialMatchKey } from '@tanstack/query-core';
import { createTRPCClient, type TRPCLink } from '@trpc/client';
import { observable } from '@trpc/server/observable';
import { expect, it } from 'vitest';
import { createQueryOptions, type AppRouter } from '../../sdk/browser';

/** A link that answers every call with the path it was sent to, and remembers the calls. */
function recordingClient() {
  const calls: { path: string; input: unknown }[] = [];
  const recording: TRPCLink<AppRouter> =
    () =>
    ({ op }) =>
      observable((observer) => {
        calls.push({ path: op.path, input: op.input });
        observer.next({ result: { type: 'data', data: { path: op.path } } });
        observer.complete();
      });
  return { calls, client: createTRPCClient<AppRouter>({ links: [recording] }) };
}

it('derives the key from the procedure path and input, and its queryFn calls that procedure', async () => {
  const { calls, client } = recordingClient();
  const options = createQueryOptions(client).members.list.queryOptions({ target: 'orgs', target_id: 'acme', limit: 20 });
  expect(options.queryKey).toEqual([['members', 'list'], { input: { target: 'orgs', target_id: 'acme', limit: 20 }, type: 'query' }]);
  expect(await options.queryFn()).toEqual({ path: 'members.list' });
  expect(calls).toEqual([{ path: 'members.list', input: { target: 'orgs', target_id: 'acme', limit: 20 } }]);
});

it('matches every query of a procedure with no input, those with the same inputs with part of it, nothing of another procedure', () => {
  const queries = createQueryOptions(recordingClient().client);
  const page = queries.members.list.queryOptions({ target: 'orgs', target_id: 'acme', cursor: 'c2', limit: 20 }).queryKey;
  expect(partialMatchKey(page, queries.members.list.queryKey())).toBe(true);
  expect(partialMatchKey(page, queries.members.list.queryKey({ target: 'orgs', target_id: 'acme' }))).toBe(true);
  expect(partialMatchKey(page, queries.members.list.queryKey({ target: 'orgs', target_id: 'other' }))).toBe(false);
  expect(partialMatchKey(page, queries.apiKeys.list.queryKey())).toBe(false);
});

it("keys an engine command by engine, command and parameters, and its queryFn calls the engine's procedure", async () => {
  const { calls, client } = recordingClient();
  const queries = createQueryOptions(client);
  const input = { revision_id: 'rev_1', schedule_id: 'sch_1', start_execution_id: 'x' };
  const options = queries.scheduler_blobhub.list_executions.queryOptions(input);
  expect(options.queryKey).toEqual([['scheduler_blobhub', 'list_executions'], { input, type: 'query' }]);
  expect(await options.queryFn()).toEqual({ path: 'scheduler_blobhub.list_executions' });
  expect(calls).toEqual([{ path: 'scheduler_blobhub.list_executions', input }]);
  expect(partialMatchKey(options.queryKey, queries.scheduler_blobhub.list_executions.queryKey({ revision_id: 'rev_1', schedule_id: 'sch_1' }))).toBe(true);
  expect(partialMatchKey(options.queryKey, queries.scheduler_blobhub.list_schedules.queryKey({ revision_id: 'rev_1' }))).toBe(false);
});
