import { and, desc, lt, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import { decodeCursor } from '../../../core/wire';

/** One page of a list ordered newest first by its ULID id: the filter after `cursor`, and the order. */
export function newestFirst(id: PgColumn, cursor: string | undefined, ...filters: (SQL | undefined)[]) {
  const after = decodeCursor(cursor);
  return { where: and(...filters, after ? lt(id, after) : undefined), orderBy: desc(id) };
}
