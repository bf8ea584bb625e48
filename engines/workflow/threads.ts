/**
 * The thread store (docs/spec.md §4 "Threads"): immutable items under a thread envelope. The
 * post_session_thread_item command and the thread.post_item component both post through here,
 * and every post wakes the flow.wait components listening on the thread.
 */
import { and, asc, desc, eq, gt, lt, or, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { App } from '../../core/app';
import type { Db } from '../../db/client';
import { ApiError, notFound, theRow } from '../../core/errors';
import { recordEvent } from '../../core/events';
import { newId } from '../../core/ids';
import { fetchPage } from '../../core/paging';
import { threadItems } from '../../db/schema';
import { decodeKeyset, encodeKeyset } from './cursors';
import { requireEnvelope } from './envelopes';
import { notifyThreadItemPosted } from './executions';
import type { SessionScope } from './session-objects';
import { logger } from '../../core/log';

/** BlobHub's limit on one item (content + metadata as JSON), which its worker budgets for. */
export const THREAD_ITEM_MAX_BYTES = 350 * 1024;

/** Content blocks: `text` and `json` as BlobHub defines them; other typed blocks (e.g. `file`) pass as they are. */
export const threadContent = z.array(
  z.looseObject({ type: z.string().min(1).max(64) }).superRefine((block, ctx) => {
    if (block.type === 'text' && typeof block.text !== 'string') ctx.addIssue({ code: 'custom', message: 'a text block needs a string `text`' });
    if (block.type === 'json' && block.json === undefined) ctx.addIssue({ code: 'custom', message: 'a json block needs `json`' });
  }),
);

export interface ThreadItemInput {
  alias: string;
  content: z.infer<typeof threadContent>;
  parentId?: string | null;
  metadata?: Record<string, unknown> | null;
  userId: string | null;
}

type ThreadItemRow = typeof threadItems.$inferSelect;

export const toThreadItemWire = (revisionId: string, row: ThreadItemRow) => ({
  id: row.id,
  session_id: row.sessionId,
  revision_id: revisionId,
  alias: row.alias,
  created_at: row.createdAt.toISOString(),
  user_id: row.userId,
  content: row.content,
  parent_id: row.parentId,
  metadata: row.metadata ?? null,
});

function assertItemSize(input: ThreadItemInput) {
  const size = Buffer.byteLength(JSON.stringify({ content: input.content, metadata: input.metadata ?? null }), 'utf8');
  if (size > THREAD_ITEM_MAX_BYTES) {
    throw new ApiError('payload_too_large', `the thread item is ${size} bytes; items hold at most ${THREAD_ITEM_MAX_BYTES} bytes of content and metadata`, {
      engineCode: 'thread_item_too_large',
      details: { size, limit: THREAD_ITEM_MAX_BYTES },
    });
  }
}

/**
 * Stores an item and its session_thread_item_posted event in one transaction, then wakes the
 * thread's waiters. With `itemId` + `dedupeKey` (a component's retry) a second post stores nothing.
 */
export async function postThreadItem(app: App, scope: SessionScope, input: ThreadItemInput, once?: { itemId: string; dedupeKey: string }) {
  assertItemSize(input);
  const row = await app.db.transaction(async (tx) => {
    // posts to one thread queue on its envelope, so each item's created_at can follow the last one's
    await requireEnvelope(tx, scope.sessionId, input.alias, 'thread', 'update');
    const values = {
      id: once?.itemId ?? newId('item'),
      sessionId: scope.sessionId,
      alias: input.alias,
      userId: input.userId,
      content: input.content,
      parentId: input.parentId ?? null,
      metadata: input.metadata ?? null,
      createdAt: await nextItemTime(tx, scope.sessionId, input.alias),
    };
    const [inserted] = await tx.insert(threadItems).values(values).onConflictDoNothing().returning();
    const stored = inserted ?? theRow(await tx.select().from(threadItems).where(eq(threadItems.id, values.id)));
    // `session_object` names the thread as in the object events: blobhub-worker routes every session event by it
    const attributes = { alias: input.alias, item_id: stored.id, session_object: { alias: input.alias, type: 'thread' } };
    await recordEvent(tx, { ...scope, type: 'session_thread_item_posted', attributes, dedupeKey: once?.dedupeKey });
    return stored;
  });
  const woken = notifyThreadItemPosted(app, scope.sessionId, input.alias, toThreadItemWire(scope.revisionId, row));
  // a retried component posts nothing twice and wakes again; a client must not post again because
  // a waiter could not be woken, since its item is stored
  if (once) await woken;
  else await woken.catch((e: unknown) => logger.error({ err: e, thread: input.alias }, 'workflow: could not wake the waiters of a thread'));
  return row;
}

/**
 * An item's time: now, in milliseconds as the wire shows it, and always after the thread's last
 * item, so that `created_since` of the newest item a client saw is an exact cursor (blobhub-worker
 * tails threads that way). Runs under the envelope's row lock.
 */
async function nextItemTime(tx: Db, sessionId: string, alias: string): Promise<Date> {
  const [last] = await tx
    .select({ createdAt: threadItems.createdAt })
    .from(threadItems)
    .where(and(eq(threadItems.sessionId, sessionId), eq(threadItems.alias, alias)))
    .orderBy(desc(threadItems.createdAt))
    .limit(1);
  return new Date(Math.max(Date.now(), last ? last.createdAt.getTime() + 1 : 0));
}

export async function getThreadItem(app: App, sessionId: string, alias: string, itemId: string) {
  await requireEnvelope(app.db, sessionId, alias, 'thread');
  const [row] = await app.db
    .select()
    .from(threadItems)
    .where(and(eq(threadItems.sessionId, sessionId), eq(threadItems.alias, alias), eq(threadItems.id, itemId)));
  if (!row) throw notFound('thread item');
  return row;
}

const itemKeyset = z.tuple([z.number().int(), z.string()]);

export interface ThreadListing {
  ascending: boolean;
  createdSince?: Date;
  createdBefore?: Date;
  cursor?: string;
  limit: number;
}

/** A page of a thread, ordered by (created_at, id) in the direction asked. */
export async function listThreadItems(app: App, sessionId: string, alias: string, listing: ThreadListing) {
  await requireEnvelope(app.db, sessionId, alias, 'thread');
  const after = decodeKeyset(itemKeyset, listing.cursor);
  const beyond = listing.ascending ? gt : lt;
  const filters: (SQL | undefined)[] = [
    eq(threadItems.sessionId, sessionId),
    eq(threadItems.alias, alias),
    listing.createdSince && gt(threadItems.createdAt, listing.createdSince),
    listing.createdBefore && lt(threadItems.createdAt, listing.createdBefore),
  ];
  if (after) {
    const at = new Date(after[0]);
    filters.push(or(beyond(threadItems.createdAt, at), and(eq(threadItems.createdAt, at), beyond(threadItems.id, after[1]))));
  }
  const direction = listing.ascending ? asc : desc;
  return fetchPage(
    listing.limit,
    (take) =>
      app.db
        .select()
        .from(threadItems)
        .where(and(...filters))
        .orderBy(direction(threadItems.createdAt), direction(threadItems.id))
        .limit(take),
    (last) => encodeKeyset([last.createdAt.getTime(), last.id]),
  );
}
