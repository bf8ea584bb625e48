/** graph.mutate / graph.query: a flow's access to graph session objects, through the same store as the commands. */
import { z } from 'zod';
import { applyGraphMutations, graphOperations } from '../graph/mutations';
import { graphQuery, queryGraph, toQueryResults } from '../graph/query';
import { requireEnvelope } from '../envelopes';
import { primitiveOf } from '../values';
import { ComponentError, type ComponentType } from './registry';
import { asComponentError } from './session';

const mutateConfig = z.object({ alias: z.string().min(1).max(128), operations: graphOperations.optional() }).strict();
const queryConfig = z.object({ alias: z.string().min(1).max(128), query: graphQuery.optional() }).strict();

/** The `input` port's JSON when connected, else the config's; checked with the command's own schema. */
function fromInputOrConfig<T>(schema: z.ZodType<T>, input: Parameters<typeof primitiveOf>[0] | undefined, configured: T | undefined, what: string): T {
  if (!input) {
    if (configured === undefined) throw new ComponentError(`give the ${what} in the config or on the ${what} input`, 'missing_input');
    return configured;
  }
  const parsed = schema.safeParse(primitiveOf(input));
  if (!parsed.success)
    throw new ComponentError(`the ${what} input is invalid: ${parsed.error.issues[0]?.path.join('.')} ${parsed.error.issues[0]?.message}`, 'invalid_input');
  return parsed.data;
}

export const graphMutate: ComponentType<z.infer<typeof mutateConfig>> = {
  type: 'graph.mutate',
  description: 'Applies graph mutations (from the config or its operations input) to a graph session object.',
  category: 'session',
  config: mutateConfig,
  runsIn: 'local_activity',
  emitsEvents: true,
  routes: () => ['success'],
  inputs: () => ['operations'],
  outputs: () => ['changes'],
  async run({ app, request, config, inputs }) {
    const { execution, visit } = request;
    const operations = fromInputOrConfig(graphOperations, inputs.operations, config.operations, 'operations');
    const changes = await asComponentError(() =>
      applyGraphMutations(app, execution, config.alias, operations, { userId: execution.createdBy, dedupeKey: `${execution.executionId}:${visit}:graph` }),
    );
    return { route: 'success', outputs: { changes: { value: { type: 'json', json: changes } } } };
  },
};

export const graphQueryComponent: ComponentType<z.infer<typeof queryConfig>> = {
  type: 'graph.query',
  description: 'Runs a graph query (from the config or its query input) on a graph session object.',
  category: 'session',
  config: queryConfig,
  runsIn: 'local_activity',
  routes: () => ['success'],
  inputs: () => ['query'],
  outputs: () => ['results'],
  async run({ app, request, config, inputs }) {
    const query = fromInputOrConfig(graphQuery, inputs.query, config.query, 'query');
    const g = { sessionId: request.execution.sessionId, alias: config.alias };
    const answer = await asComponentError(async () => {
      await requireEnvelope(app.db, g.sessionId, g.alias, 'graph');
      return queryGraph(app.db, g, query);
    });
    return { route: 'success', outputs: { results: { value: { type: 'json', json: toQueryResults(answer).results } } } };
  },
};
