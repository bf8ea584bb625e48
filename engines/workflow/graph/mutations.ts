/**
 * apply_session_graph_mutations: the eight ops of BlobHub's graph, applied in order in one
 * transaction with the session_graph_changed event, so a batch lands whole or not at all.
 * Writers of one graph queue on its envelope row, which makes each `if_rev` check exact.
 */
import { eq, inArray, sql } from 'drizzle-orm';
import { ulid } from 'ulid';
import { z } from 'zod';
import type { App } from '../../../core/app';
import { ApiError, badRequest, conflict } from '../../../core/errors';
import { recordEvent } from '../../../core/events';
import type { Transaction } from '../../../db/client';
import { events, graphElements } from '../../../db/schema';
import { requireEnvelope } from '../envelopes';
import type { SessionScope } from '../session-objects';
import { elementId, label, props, type ElementRow, type GraphChange } from './model';
import { inGraph, textArray } from './reads';

const ifRev = z.number().int().min(0).optional();
const keys = z.array(z.string().min(1).max(256)).min(1).max(1000);

export const graphOperation = z.discriminatedUnion('op', [
  z
    .object({ op: z.literal('add_vertex'), labels: z.array(label).min(1).max(64), element_id: elementId.optional(), props: props.optional(), if_rev: ifRev })
    .strict(),
  z
    .object({
      op: z.literal('add_edge'),
      label,
      from_id: elementId,
      to_id: elementId,
      element_id: elementId.optional(),
      props: props.optional(),
      if_rev: ifRev,
    })
    .strict(),
  z.object({ op: z.literal('set_vertex_props'), element_id: elementId, props, if_rev: ifRev }).strict(),
  z.object({ op: z.literal('set_edge_props'), element_id: elementId, props, if_rev: ifRev }).strict(),
  z.object({ op: z.literal('remove_vertex_props'), element_id: elementId, keys, if_rev: ifRev }).strict(),
  z.object({ op: z.literal('remove_edge_props'), element_id: elementId, keys, if_rev: ifRev }).strict(),
  z.object({ op: z.literal('delete_vertex'), element_id: elementId, if_rev: ifRev }).strict(),
  z.object({ op: z.literal('delete_edge'), element_id: elementId, if_rev: ifRev }).strict(),
]);
export type GraphOperation = z.infer<typeof graphOperation>;
export const graphOperations = z.array(graphOperation).min(1).max(5000);

/** A batch in progress; it is also the GraphRef of its graph. */
interface Batch {
  tx: Transaction;
  sessionId: string;
  alias: string;
  userId: string | null;
  now: Date;
}

/** Describes the op for error messages: `operations[3] (add_edge)`. */
type AddOp = Extract<GraphOperation, { op: 'add_vertex' | 'add_edge' }>;

const where = (index: number, op: GraphOperation) => `operations[${index}] (${op.op})`;

function staleRev(index: number, op: GraphOperation, current: Pick<ElementRow, 'elementId' | 'rev'>) {
  return conflict(`${where(index, op)}: element ${current.elementId} is at rev ${current.rev}, not if_rev ${op.if_rev}`, {
    operation_index: index,
    element_id: current.elementId,
    rev: current.rev,
    if_rev: op.if_rev,
  });
}

type TargetedOp = Exclude<GraphOperation, AddOp>;

/** The element an op names, of the type it expects and (with if_rev) at that rev: the guard of the op's statement. */
const targeted = (b: Batch, op: TargetedOp, type: 'vertex' | 'edge') =>
  inGraph(b, eq(graphElements.elementId, op.element_id), eq(graphElements.type, type), op.if_rev === undefined ? undefined : eq(graphElements.rev, op.if_rev));

/** Why a guarded statement touched nothing: there is no such element, or its rev is not if_rev. */
async function refusal(b: Batch, index: number, op: TargetedOp, type: 'vertex' | 'edge'): Promise<ApiError> {
  const [row] = await b.tx
    .select()
    .from(graphElements)
    .where(inGraph(b, eq(graphElements.elementId, op.element_id)));
  if (!row || row.type !== type) {
    return new ApiError('not_found', `${where(index, op)}: there is no ${type} ${op.element_id} in graph ${b.alias}`, {
      details: { operation_index: index, element_id: op.element_id },
    });
  }
  return staleRev(index, op, row);
}

/** Rows per INSERT: well under PostgreSQL's 65535 parameters at 12 columns a row. */
const INSERT_CHUNK = 1000;

/**
 * A run of consecutive adds of one kind, as multi-row INSERTs. Adds never depend on each other
 * within a run (edges only name vertices, and a vertex run precedes the edges that use it), so
 * the run gives the same result as one op after another, with one round trip per chunk.
 */
async function addElements(b: Batch, first: number, ops: AddOp[]): Promise<GraphChange[]> {
  // every op of a run has the same kind, and a run has at least one
  const [kind] = ops;
  if (!kind) return [];
  const edges = kind.op === 'add_edge';
  const rows = ops.map((op, i) => {
    if (op.if_rev !== undefined && op.if_rev !== 0) throw badRequest(`${where(first + i, op)}: a new element has no rev yet; use if_rev 0 or leave it out`);
    const edge = op.op === 'add_edge' ? op : undefined;
    return {
      sessionId: b.sessionId,
      alias: b.alias,
      elementId: op.element_id ?? ulid().toLowerCase(),
      type: edge ? ('edge' as const) : ('vertex' as const),
      labels: op.op === 'add_vertex' ? op.labels : null,
      label: edge?.label ?? null,
      fromId: edge?.from_id ?? null,
      toId: edge?.to_id ?? null,
      props: op.props ?? {},
      userId: b.userId,
      createdAt: b.now,
      updatedAt: b.now,
    };
  });
  if (edges) await requireEnds(b, first, ops as Extract<GraphOperation, { op: 'add_edge' }>[]);
  const inserted = new Set<string>();
  for (let at = 0; at < rows.length; at += INSERT_CHUNK) {
    const done = await b.tx
      .insert(graphElements)
      .values(rows.slice(at, at + INSERT_CHUNK))
      .onConflictDoNothing()
      .returning({ id: graphElements.elementId });
    for (const { id } of done) inserted.add(id);
  }
  // an id that did not insert existed already (or came twice in the run): the first such op fails the batch
  const seen = new Set<string>();
  rows.forEach((row, i) => {
    if (!inserted.has(row.elementId) || seen.has(row.elementId)) {
      throw conflict(`${where(first + i, kind)}: element ${row.elementId} already exists in graph ${b.alias}`, {
        operation_index: first + i,
        element_id: row.elementId,
      });
    }
    seen.add(row.elementId);
  });
  return rows.map((row) => ({ op: kind.op, element_id: row.elementId, type: row.type, rev: 1 }));
}

/** Every edge's ends are vertices of the graph (one query for the run); else the first bad edge fails the batch. */
async function requireEnds(b: Batch, first: number, ops: Extract<GraphOperation, { op: 'add_edge' }>[]) {
  const ends = [...new Set(ops.flatMap((op) => [op.from_id, op.to_id]))];
  const vertices = new Set<string>();
  for (let at = 0; at < ends.length; at += INSERT_CHUNK) {
    const found = await b.tx
      .select({ id: graphElements.elementId })
      .from(graphElements)
      .where(inGraph(b, eq(graphElements.type, 'vertex'), inArray(graphElements.elementId, ends.slice(at, at + INSERT_CHUNK))));
    for (const { id } of found) vertices.add(id);
  }
  ops.forEach((op, i) => {
    const missing = (
      [
        ['from_id', op.from_id],
        ['to_id', op.to_id],
      ] as const
    ).filter(([, id]) => !vertices.has(id));
    if (missing.length) {
      throw badRequest(`${where(first + i, op)}: the edge's ${missing.map(([end, id]) => `${end} ${id}`).join(' and ')} is not a vertex of graph ${b.alias}`, {
        operation_index: first + i,
        missing_vertices: [...new Set(missing.map(([, id]) => id))],
      });
    }
  });
}

async function changeProps(
  b: Batch,
  index: number,
  op: Extract<GraphOperation, { op: `${'set' | 'remove'}_${'vertex' | 'edge'}_props` }>,
): Promise<GraphChange> {
  const type = op.op.includes('vertex') ? 'vertex' : 'edge';
  const next = 'props' in op ? sql`${graphElements.props} || ${JSON.stringify(op.props)}::jsonb` : sql`${graphElements.props} - ${textArray(op.keys)}`;
  const [updated] = await b.tx
    .update(graphElements)
    .set({ props: next, rev: sql`${graphElements.rev} + 1`, updatedAt: b.now, userId: b.userId })
    .where(targeted(b, op, type))
    .returning({ rev: graphElements.rev });
  if (!updated) throw await refusal(b, index, op, type);
  return { op: op.op, element_id: op.element_id, type, rev: updated.rev };
}

/**
 * A run of consecutive delete_edge ops as one DELETE. The ops are independent (an edge named
 * twice is gone for the second, as one after another), so checking them in order afterwards,
 * inside the transaction, fails the batch on the same op the sequence would.
 */
async function deleteEdges(b: Batch, first: number, ops: Extract<GraphOperation, { op: 'delete_edge' }>[]): Promise<GraphChange[]> {
  const deleted = new Map<string, number>();
  const ids = [...new Set(ops.map((op) => op.element_id))];
  for (let at = 0; at < ids.length; at += INSERT_CHUNK) {
    const rows = await b.tx
      .delete(graphElements)
      .where(inGraph(b, eq(graphElements.type, 'edge'), inArray(graphElements.elementId, ids.slice(at, at + INSERT_CHUNK))))
      .returning({ id: graphElements.elementId, rev: graphElements.rev });
    for (const row of rows) deleted.set(row.id, row.rev);
  }
  const changes: GraphChange[] = [];
  for (const [i, op] of ops.entries()) {
    const rev = deleted.get(op.element_id);
    if (rev === undefined) throw await refusal(b, first + i, op, 'edge');
    if (op.if_rev !== undefined && op.if_rev !== rev) throw staleRev(first + i, op, { elementId: op.element_id, rev });
    deleted.delete(op.element_id);
    changes.push({ op: op.op, element_id: op.element_id, type: 'edge', rev });
  }
  return changes;
}

/** The vertex's edges go first and explicitly (not by the cascade), so that the changes name each of them. */
async function deleteVertex(b: Batch, index: number, op: Extract<GraphOperation, { op: 'delete_vertex' }>): Promise<GraphChange[]> {
  const [vertex] = await b.tx
    .select({ rev: graphElements.rev })
    .from(graphElements)
    .where(targeted(b, op, 'vertex'))
    .for('update');
  if (!vertex) throw await refusal(b, index, op, 'vertex');
  const incident = await b.tx
    .delete(graphElements)
    .where(inGraph(b, eq(graphElements.type, 'edge'), sql`(${graphElements.fromId} = ${op.element_id} or ${graphElements.toId} = ${op.element_id})`))
    .returning({ element_id: graphElements.elementId, rev: graphElements.rev });
  await b.tx.delete(graphElements).where(inGraph(b, eq(graphElements.elementId, op.element_id)));
  return [
    ...incident.map((e): GraphChange => ({ op: 'delete_edge', element_id: e.element_id, type: 'edge', rev: e.rev })),
    { op: op.op, element_id: op.element_id, type: 'vertex', rev: vertex.rev },
  ];
}

function apply(b: Batch, index: number, op: Exclude<TargetedOp, { op: 'delete_edge' }>): Promise<GraphChange | GraphChange[]> {
  return op.op === 'delete_vertex' ? deleteVertex(b, index, op) : changeProps(b, index, op);
}

/** Ops that run together when they come one after another. */
const runs = {
  add_vertex: (b: Batch, first: number, ops: GraphOperation[]) => addElements(b, first, ops as AddOp[]),
  add_edge: (b: Batch, first: number, ops: GraphOperation[]) => addElements(b, first, ops as AddOp[]),
  delete_edge: (b: Batch, first: number, ops: GraphOperation[]) => deleteEdges(b, first, ops as Extract<GraphOperation, { op: 'delete_edge' }>[]),
};

/** Applies the ops in order: runs of adds of one kind or of edge deletes together, the rest one by one. */
async function applyAll(b: Batch, operations: GraphOperation[]): Promise<GraphChange[]> {
  const changes: GraphChange[] = [];
  for (let i = 0; i < operations.length;) {
    const op = operations[i];
    if (!op) break;
    if (op.op in runs) {
      let end = i + 1;
      while (end < operations.length && operations[end]?.op === op.op) end++;
      changes.push(...(await runs[op.op as keyof typeof runs](b, i, operations.slice(i, end))));
      i = end;
    } else {
      changes.push(...[await apply(b, i, op as Exclude<TargetedOp, { op: 'delete_edge' }>)].flat());
      i++;
    }
  }
  return changes;
}

/**
 * Planner statistics after bulk loads. The queries' plans (which edge index, point lookups by
 * key) depend on them, and autovacuum may take a minute to notice a graph loaded at once: a
 * batch that adds many elements refreshes them, at most every few seconds per process.
 */
const ANALYZE_AFTER_ADDS = 1000;
const ANALYZE_EVERY_MS = 10_000;
let analyzedAt = 0;

async function refreshStatistics(app: App, added: number) {
  if (added < ANALYZE_AFTER_ADDS || Date.now() - analyzedAt < ANALYZE_EVERY_MS) return;
  analyzedAt = Date.now();
  await app.db.execute(sql`analyze ${graphElements}`);
}

export interface MutationOptions {
  userId: string | null;
  /** one logical batch = one key (a component's retry): a batch already applied is not applied again */
  dedupeKey?: string;
}

/** Applies a batch atomically; returns the changes in order (each delete_vertex preceded by its edges). */
export async function applyGraphMutations(
  app: App,
  scope: SessionScope,
  alias: string,
  operations: GraphOperation[],
  opts: MutationOptions,
): Promise<GraphChange[]> {
  const changes = await app.db.transaction(async (tx) => {
    await requireEnvelope(tx, scope.sessionId, alias, 'graph', 'update');
    if (opts.dedupeKey) {
      const [done] = await tx.select({ attributes: events.attributes }).from(events).where(eq(events.dedupeKey, opts.dedupeKey));
      if (done) return (done.attributes as { changes: GraphChange[] }).changes;
    }
    const batch: Batch = { tx, sessionId: scope.sessionId, alias, userId: opts.userId, now: new Date() };
    const changes = await applyAll(batch, operations);
    await recordEvent(tx, { ...scope, type: 'session_graph_changed', attributes: { alias, changes }, dedupeKey: opts.dedupeKey });
    return changes;
  });
  await refreshStatistics(app, changes.filter((c) => c.op.startsWith('add_')).length);
  return changes;
}
