import { desc, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { events, orgs, sessions } from '../db/schema';
import { theRow } from './errors';
import { newId } from './ids';

/** The NOTIFY channel; payloads are event ids only, readers fetch the row. */
export const EVENTS_CHANNEL = 'blobhub_events';

export interface EventInput {
  type: string;
  orgId?: string | null;
  blobId?: string | null;
  revisionId?: string | null;
  sessionId?: string | null;
  executionId?: string | null;
  message?: string | null;
  attributes?: Record<string, unknown> | null;
  data?: unknown;
  /** one logical event = one key; recording the same key twice returns the first row */
  dedupeKey?: string;
  createdAt?: number;
}

export type EventRow = typeof events.$inferSelect;

/**
 * Writes an event durably and publishes its id. Seq is taken under a lock held until commit, so
 * within a stream commit order equals seq order and a `since` reader never passes an event that
 * commits later: session events take the next per-session seq under the session's row lock; core
 * events take the global sequence under their org's row lock (blob and revision streams are
 * parts of their org's). The NOTIFY is sent inside the
 * transaction: PostgreSQL delivers it exactly when the row commits, never for a rolled-back one.
 * Idempotent by dedupeKey.
 */
export async function recordEvent(db: Db, input: EventInput): Promise<EventRow> {
  return db.transaction(async (tx) => {
    if (input.dedupeKey) {
      const [existing] = await tx.select().from(events).where(eq(events.dedupeKey, input.dedupeKey));
      if (existing) return existing;
    }
    const seq = input.sessionId ? await nextSessionSeq(tx, input.sessionId) : await nextCoreSeq(tx, input.orgId ?? null);
    const createdAt = input.createdAt ?? (input.sessionId ? await nextSessionEventTime(tx, input.sessionId) : Date.now());
    const inserted = await tx
      .insert(events)
      .values({
        id: newId('event'),
        seq,
        type: input.type,
        orgId: input.orgId ?? null,
        blobId: input.blobId ?? null,
        revisionId: input.revisionId ?? null,
        sessionId: input.sessionId ?? null,
        executionId: input.executionId ?? null,
        message: input.message ?? null,
        attributes: input.attributes ?? null,
        data: input.data ?? null,
        dedupeKey: input.dedupeKey ?? null,
        createdAt,
      })
      .returning()
      .then(theRow);
    await tx.execute(sql`select pg_notify(${EVENTS_CHANNEL}, ${inserted.id})`);
    return inserted;
  });
}

async function nextSessionSeq(tx: Db, sessionId: string): Promise<number> {
  const [row] = await tx
    .update(sessions)
    .set({ lastSeq: sql`${sessions.lastSeq} + 1` })
    .where(eq(sessions.id, sessionId))
    .returning({ seq: sessions.lastSeq });
  if (!row) throw new Error(`session ${sessionId} does not exist`);
  return row.seq;
}

/**
 * A session event's time: now, and always after the session's last event (taken under the
 * session's row lock), so `created_since` of the newest event a client saw is an exact cursor —
 * BlobHub's clients tail sessions and executions that way.
 */
async function nextSessionEventTime(tx: Db, sessionId: string): Promise<number> {
  const [last] = await tx.select({ createdAt: events.createdAt }).from(events).where(eq(events.sessionId, sessionId)).orderBy(desc(events.seq)).limit(1);
  return Math.max(Date.now(), last ? last.createdAt + 1 : 0);
}

async function nextCoreSeq(tx: Db, orgId: string | null): Promise<number> {
  // 'no key update' leaves foreign-key checks on the org (inserts of its blobs) unblocked
  if (orgId) await tx.select({ id: orgs.id }).from(orgs).where(eq(orgs.id, orgId)).for('no key update');
  const result = await tx.execute<{ seq: string }>(sql`select nextval('core_event_seq') as seq`);
  const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as { seq: string }[];
  return Number(theRow(rows).seq);
}

/**
 * The wire shape of docs/spec.md §4 events. Session events (`session_…`) also carry their payload at the
 * top level (`session_object`, `alias`, `item_id`, `changes`), where BlobHub's clients read it.
 */
export function eventToWire(e: EventRow) {
  const payload = e.type.startsWith('session_') && e.attributes ? e.attributes : {};
  return {
    ...payload,
    id: e.id,
    seq: e.seq,
    revision_id: e.revisionId,
    session_id: e.sessionId,
    execution_id: e.executionId ?? undefined,
    created_at: e.createdAt,
    type: e.type,
    message: e.message ?? undefined,
    attributes: e.attributes ?? undefined,
    data: e.data ?? undefined,
  };
}
