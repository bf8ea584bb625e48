/**
 * The one list-paging helper: every list asks its query for one row more than the page holds,
 * so that it knows whether a next page exists, and hands out the last shown row's key as the
 * cursor. Filters belong in the query (never on the fetched rows), or pages come back short.
 */
import { and, desc, lt, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';

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
