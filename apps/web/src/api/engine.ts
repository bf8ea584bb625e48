/**
 * One engine's data commands through the SDK's client (POST /revisions/:id/data/{query,command}),
 * and the reading ones as `useQuery` options keyed by engine, command and parameters.
 */
import { commandQueryKey, type CommandName, type EngineName } from '../../../../sdk/browser';
import { api } from './trpc';

export function engineCommands<E extends EngineName>(engine: E) {
  const command = async <T>(kind: 'query' | 'command', revisionId: string, name: CommandName<E>, params: Record<string, unknown>): Promise<T> => {
    const body = { revision_id: revisionId, engine, command: name, ...params };
    return (await (kind === 'query' ? api.data.query.mutate(body) : api.data.command.mutate(body))) as T;
  };
  /** The key of every query of `name` on the revision whose parameters include `params`. */
  const key = (revisionId: string, name: CommandName<E>, params: Record<string, unknown> = {}) =>
    commandQueryKey(engine, name, { revision_id: revisionId, ...params });
  return {
    command,
    key,
    /** A reading command as `useQuery` options; `queryFn()` runs it outside a query. */
    query: <T>(revisionId: string, name: CommandName<E>, params: Record<string, unknown>) => ({
      queryKey: key(revisionId, name, params),
      queryFn: () => command<T>('query', revisionId, name, params),
    }),
  };
}
