/** Graph commands (docs/spec.md §4 "Graphs", BlobHub's *_session_graph_* commands). */
import { z } from 'zod';
import { userIdOf } from '../../../core/access';
import { defineCommand, type CommandContext } from '../../../core/engines';
import { idOf } from '../../../core/schemas';
import { cappedLimit } from '../cursors';
import { requireEnvelope } from '../envelopes';
import { elementId, toElementWire } from '../graph/model';
import { applyGraphMutations, graphOperations } from '../graph/mutations';
import { graphQuery, queryGraph, toQueryResults } from '../graph/query';
import { getElement, getElements, listElements, listNeighbors, type GraphRef } from '../graph/reads';
import { objectAlias, sessionScope } from './sessions';

const graph = { session_id: idOf('session'), alias: objectAlias };
const cursor = z.string().max(500).optional();

/** The session is in this revision and the alias is a graph envelope. */
async function graphOf(ctx: CommandContext, input: { session_id: string; alias: string }): Promise<GraphRef> {
  await sessionScope(ctx, input.session_id);
  await requireEnvelope(ctx.app.db, input.session_id, input.alias, 'graph');
  return { sessionId: input.session_id, alias: input.alias };
}

export const graphCommands = {
  apply_session_graph_mutations: defineCommand({
    kind: 'command',
    input: z.object({ ...graph, operations: graphOperations }),
    async run(ctx, { session_id, alias, operations }) {
      const changes = await applyGraphMutations(ctx.app, await sessionScope(ctx, session_id), alias, operations, { userId: userIdOf(ctx.caller) });
      return { changes };
    },
  }),
  get_session_graph_element: defineCommand({
    kind: 'query',
    input: z.object({ ...graph, element_id: elementId }),
    async run(ctx, input) {
      return { element: toElementWire(await getElement(ctx.app.db, await graphOf(ctx, input), input.element_id)) };
    },
  }),
  get_session_graph_elements: defineCommand({
    kind: 'query',
    input: z.object({ ...graph, element_ids: z.array(elementId).max(1000) }),
    async run(ctx, input) {
      const g = await graphOf(ctx, input);
      return { elements: input.element_ids.length ? (await getElements(ctx.app.db, g, input.element_ids)).map(toElementWire) : [] };
    },
  }),
  list_session_graph_elements: defineCommand({
    kind: 'query',
    input: z.object({
      ...graph,
      type: z.enum(['vertex', 'edge']).optional(),
      ascending: z.boolean().default(false),
      cursor,
      updated_since: z.iso
        .datetime({ offset: true })
        .transform((s) => new Date(s))
        .optional(),
      ids_only: z.boolean().default(false),
      limit: cappedLimit(1000, 100),
    }),
    async run(ctx, input) {
      const page = await listElements(ctx.app.db, await graphOf(ctx, input), {
        type: input.type,
        ascending: input.ascending,
        updatedSince: input.updated_since,
        cursor: input.cursor,
        limit: input.limit,
      });
      return input.ids_only
        ? { element_ids: page.items.map((e) => ({ element_id: e.elementId, type: e.type, rev: e.rev })), cursor: page.cursor }
        : { elements: page.items.map(toElementWire), cursor: page.cursor };
    },
  }),
  list_session_graph_neighbors: defineCommand({
    kind: 'query',
    input: z.object({
      ...graph,
      from: z.array(elementId).min(1).max(1000),
      direction: z.enum(['out', 'in', 'both']).default('both'),
      label: z.string().min(1).max(256).optional(),
      neighbor_label: z.string().min(1).max(256).optional(),
      cursor,
      limit: cappedLimit(1000, 100),
    }),
    async run(ctx, input) {
      const page = await listNeighbors(ctx.app.db, await graphOf(ctx, input), {
        from: input.from,
        direction: input.direction,
        label: input.label,
        neighborLabel: input.neighbor_label,
        cursor: input.cursor,
        limit: input.limit,
      });
      return { edges: page.edges.map(toElementWire), vertices: page.vertices.map(toElementWire), cursor: page.cursor };
    },
  }),
  query_session_graph: defineCommand({
    kind: 'query',
    input: z.object({ ...graph, query: graphQuery }),
    async run(ctx, input) {
      return toQueryResults(await queryGraph(ctx.app.db, await graphOf(ctx, input), input.query));
    },
  }),
};
