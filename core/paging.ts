/**
 * The one list-paging helper: every list asks its query for one row more than the page holds,
 * so that it knows whether a next page exists, and hands out the last shown row's key as the
 * cursor. Filters belong in the query (never on the fetched rows), or pages come back short.
 */
import { and, desc, lt, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import { z } from 'zod';
import { MAX_LIST_LIMIT } from './limits';

export interface Page<T> {
  items: T[];
  /** the key of the last item, to continue after; null on the last page */
  cursor: string | null;
}

const idOfRow = (row: unknown) => (row as { id: string }).id;

/** Runs `fetch` for limit+1 rows (in list order) and turns them into a page with its next cursor. */
export async function fetchPage<T>(limit: number, fetch: (take: number) => PromiseLike<T[]>, cursorOf: (last: T) => string = idOfRow): Promise<Page<T>> {
  const rows = await fetch(limit + 1);
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, cursor: rows.length > limit && last !== undefined ? cursorOf(last) : null };
}

/** Lists are newest first by their ULID id: the filter for the rows after a page's cursor. */
export function afterCursor(id: PgColumn, cursor: string | undefined): SQL | undefined {
  return cursor ? lt(id, cursor) : undefined;
}

/** A list newest first by its ULID id: the filters plus the rows after `cursor`, and the order. */
export function newestFirst(id: PgColumn, cursor: string | undefined, ...filters: (SQL | undefined)[]) {
  return { where: and(...filters, afterCursor(id, cursor)), orderBy: desc(id) };
}

/**
 * A page's cursor is the raw key of the last item it showed: an id, or a number for numbered
 * lists (revisions, event seqs). Documented with its exact pattern, so that every cursor the
 * document allows is one the list can continue after; a zod failure on it is `invalid_cursor`.
 */
// Numbers stay below PostgreSQL's integer limit (2^31 - 1), which numbered lists compare against.
const keyCursor = z.string().regex(/^([a-z]{2,5}_[0-9a-z]{26}|[0-9]{1,9})$/, 'must be a cursor a list gave out (an id or a number)');
const numberCursor = z.string().regex(/^[0-9]{1,9}$/, 'must be a cursor this list gave out (a number)');
const limit = z.coerce.number().int().min(1).max(MAX_LIST_LIMIT).default(20);

export const pageQuery = { limit, cursor: keyCursor.optional() };
/** The page query of a numbered list (revisions by number). */
export const numberPageQuery = { limit, cursor: numberCursor.optional() };

/** The number in a numbered list's cursor (revision numbers, event seqs), which `numberPageQuery` checked. */
export const decodeNumberCursor = (cursor?: string): number | undefined => (cursor === undefined ? undefined : Number(cursor));
