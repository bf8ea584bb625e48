/** The graph reads: elements by id, paged listings and neighbors, each one indexed query. */
import { and, asc, desc, eq, gt, inArray, lt, or, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { notFound } from '../../../core/errors';
import { fetchPage } from '../../../core/paging';
import type { Db } from '../../../db/client';
import { graphElements } from '../../../db/schema';
import { invalidCursor } from '../../../core/errors';
import { decodeKeyset, encodeKeyset } from '../cursors';
import type { ElementRow } from './model';

export interface GraphRef {
  sessionId: string;
  alias: string;
}

export const inGraph = (g: GraphRef, ...more: (SQL | undefined)[]) => and(eq(graphElements.sessionId, g.sessionId), eq(graphElements.alias, g.alias), ...more);

export async function getElement(db: Db, g: GraphRef, id: string): Promise<ElementRow> {
  const [row] = await db
    .select()
    .from(graphElements)
    .where(inGraph(g, eq(graphElements.elementId, id)));
  if (!row) throw notFound(`graph element ${id}`);
  return row;
}

/** Missing ids are left out, as BlobHub does. */
export function getElements(db: Db, g: GraphRef, ids: string[]): Promise<ElementRow[]> {
  return db
    .select()
    .from(graphElements)
    .where(inGraph(g, inArray(graphElements.elementId, ids)))
    .orderBy(asc(graphElements.ord));
}

export interface ElementListing {
  type?: 'vertex' | 'edge';
  ascending: boolean;
  updatedSince?: Date;
  cursor?: string;
  limit: number;
}

/** Keysets: by insertion order, or (with updated_since) by (updated_at, ord). The tag keeps one from passing as the other. */
const byOrd = z.object({ o: z.number().int() }).strict();
const byUpdate = z.object({ u: z.number().int(), o: z.number().int() }).strict();

export async function listElements(db: Db, g: GraphRef, listing: ElementListing) {
  const beyond = listing.ascending ? gt : lt;
  const direction = listing.ascending ? asc : desc;
  const filters = [listing.type && eq(graphElements.type, listing.type)];
  let order;
  if (listing.updatedSince) {
    const after = decodeKeyset(byUpdate, listing.cursor);
    filters.push(gt(graphElements.updatedAt, listing.updatedSince));
    if (after) {
      const at = new Date(after.u);
      filters.push(or(beyond(graphElements.updatedAt, at), and(eq(graphElements.updatedAt, at), beyond(graphElements.ord, after.o))));
    }
    order = [direction(graphElements.updatedAt), direction(graphElements.ord)];
  } else {
    const after = decodeKeyset(byOrd, listing.cursor);
    if (after) filters.push(beyond(graphElements.ord, after.o));
    order = [direction(graphElements.ord)];
  }
  return fetchPage(
    listing.limit,
    (take) =>
      db
        .select()
        .from(graphElements)
        .where(inGraph(g, ...filters))
        .orderBy(...order)
        .limit(take),
    (last) => encodeKeyset(listing.updatedSince ? { u: last.updatedAt.getTime(), o: last.ord } : { o: last.ord }),
  );
}

export interface NeighborListing {
  from: string[];
  direction: 'out' | 'in' | 'both';
  label?: string;
  neighborLabel?: string;
  cursor?: string;
  limit: number;
}

const neighborKeyset = z.object({ n: z.number().int(), d: z.enum(['out', 'in', 'both']) }).strict();

/**
 * The edges at `from` in insertion order (each once, also when both its ends are in `from`) and
 * their other ends, deduplicated. One query: the edge sides as a union over the two edge indexes.
 */
export async function listNeighbors(db: Db, g: GraphRef, listing: NeighborListing) {
  const after = decodeKeyset(neighborKeyset, listing.cursor);
  if (after && after.d !== listing.direction) throw invalidCursor('it was made for another direction');
  const sides: SQL[] = [];
  const side = (near: 'from_id' | 'to_id', far: 'from_id' | 'to_id') =>
    sql`select e.ord, e.element_id, e.${sql.raw(far)} as neighbor_id from ${graphElements} e
        where e.session_id = ${g.sessionId} and e.alias = ${g.alias} and e.type = 'edge' and e.${sql.raw(near)} in ${listing.from}
        ${listing.label ? sql`and e.label = ${listing.label}` : sql``} ${after ? sql`and e.ord > ${after.n}` : sql``}`;
  if (listing.direction !== 'in') sides.push(side('from_id', 'to_id'));
  if (listing.direction !== 'out') sides.push(side('to_id', 'from_id'));
  const neighborFilter = listing.neighborLabel
    ? sql`join ${graphElements} v on v.session_id = ${g.sessionId} and v.alias = ${g.alias} and v.element_id = s.neighbor_id and ${listing.neighborLabel} = any(v.labels)`
    : sql``;
  const { items: rows, cursor } = await fetchPage(
    listing.limit,
    async (take) =>
      rowsOf<{ ord: string; element_id: string; neighbors: string[] }>(
        await db.execute(sql`
          select s.ord, s.element_id, array_agg(distinct s.neighbor_id) as neighbors
          from (${sql.join(sides, sql` union all `)}) s ${neighborFilter}
          group by s.ord, s.element_id order by s.ord limit ${take}`),
      ),
    (last) => encodeKeyset({ n: Number(last.ord), d: listing.direction }),
  );
  const edgeIds = rows.map((r) => r.element_id);
  const neighborIds = [...new Set(rows.flatMap((r) => r.neighbors))];
  const [edges, vertices] = await Promise.all([getElements(db, g, edgeIds), neighborIds.length ? getElements(db, g, neighborIds) : []]);
  return { edges, vertices, cursor };
}

/** A text[] literal with one parameter per value (drizzle turns a bare array into a list). */
export const textArray = (values: string[]) =>
  sql`array[${sql.join(
    values.map((v) => sql`${v}`),
    sql`, `,
  )}]::text[]`;

/** postgres.js returns the rows array itself, PGlite an object holding it. */
export function rowsOf<T>(result: unknown): T[] {
  return Array.isArray(result) ? (result as T[]) : (result as { rows: T[] }).rows;
}
