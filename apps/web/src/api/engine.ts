/** One engine's data commands, sent through the typed `data` procedures (POST /revisions/:id/data). */
import { api } from './trpc';

export function engineCommands(engine: string) {
  return async function command<T>(kind: 'query' | 'command', revisionId: string, name: string, params: Record<string, unknown>): Promise<T> {
    const body = { revision_id: revisionId, engine, command: name, ...params };
    return (await (kind === 'query' ? api.data.query.mutate(body) : api.data.command.mutate(body))) as T;
  };
}
