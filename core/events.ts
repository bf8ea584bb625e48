import { desc, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { events, orgs, sessions } from '../db/schema';
import { theRow } from './errors';
import { newId } from './ids';

/**
 * The NOTIFY channel. A payload is a JSON array of the committed rows themselves, so listeners fan
 * them out without reading them back; a row too large for a payload goes as its id (a string),
 * which the listener reads. A bare id (the payload of earlier versions) names one row to read.
 */
export const EVENTS_CHANNEL = 'blobhub_events';

/** PostgreSQL refuses NOTIFY payloads of 8000 bytes or more. */
const NOTIFY_PAYLOAD_BYTES = 7900;

/** The NOTIFY payloads announcing these rows, in order: as few as fit (normally one). */
export function notificationPayloads(rows: EventRow[]): string[] {
  const payloads: string[] = [];
  let parts: string[] = [];
  let bytes = 2; // the brackets
  for (const row of rows) {
    const whole = JSON.stringify(row);
    const part = Buffer.byteLength(whole) + 1 <= NOTIFY_PAYLOAD_BYTES - 2 ? whole : JSON.stringify(row.id);
    const partBytes = Buffer.byteLength(part) + 1; // and its comma
    if (parts.length && bytes + partBytes > NOTIFY_PAYLOAD_BYTES) {
      payloads.push(`[${parts.join(',')}]`);
      [parts, bytes] = [[], 2];
    }
    parts.push(part);
    bytes += partBytes;
  }
  if (parts.length) payloads.push(`[${parts.join(',')}]`);
  return payloads;
}

/** What a notification announces, in order: rows as committed, or ids of rows to read. */
export function parseEventNotification(payload: string): (EventRow | string)[] {
  return payload.startsWith('[') ? (JSON.parse(payload) as (EventRow | string)[]) : [payload];
}

async function notify(tx: Db, rows: EventRow[]) {
  for (const payload of notificationPayloads(rows)) await tx.execute(sql`select pg_notify(${EVENTS_CHANNEL}, ${payload})`);
}

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
    await notify(tx, [inserted]);
    return inserted;
  });
}

/** One event of a session's batch (its session is the batch's; it takes the session's next seq and time). */
export type SessionEventInput = Omit<EventInput, 'sessionId' | 'createdAt'>;

/**
 * Records a batch of one session's events in its own transaction (see appendSessionEvents).
 * Returns the rows it inserted (none for events already recorded).
 */
export function recordSessionEvents(db: Db, sessionId: string, inputs: SessionEventInput[]): Promise<EventRow[]> {
  if (!inputs.length) return Promise.resolve([]);
  return db.transaction((tx) => appendSessionEvents(tx, sessionId, inputs));
}

/**
 * Records a batch of one session's events inside the caller's transaction, in three statements
 * whatever its size: the seq range taken under the session's row lock (as recordEvent takes one),
 * one multi-row insert of the events not recorded yet (by dedupe key), one NOTIFY carrying them.
 * The insert reads the session's last event time after the lock, so times keep to seq order. A
 * duplicate racing in from another transaction is skipped at the insert and leaves its seq unused:
 * a gap, which readers of a stream already allow for.
 */
export async function appendSessionEvents(tx: Db, sessionId: string, inputs: SessionEventInput[]): Promise<EventRow[]> {
  if (!inputs.length) return [];
  const keys = JSON.stringify(inputs.map((i) => i.dedupeKey ?? null));
  const [range] = rowsOf<{ last: string; fresh: number }>(
    await tx.execute(sql`
      with fresh as (
        select count(*)::int as n from jsonb_array_elements_text(${keys}::jsonb) as k(key)
        where k.key is null or not exists (select 1 from ${events} e where e.dedupe_key = k.key)
      )
      update ${sessions} s set last_seq = s.last_seq + fresh.n from fresh where s.id = ${sessionId}
      returning s.last_seq as last, fresh.n as fresh`),
  );
  if (!range) throw new Error(`session ${sessionId} does not exist`);
  if (range.fresh === 0) return [];
  const firstSeq = Number(range.last) - range.fresh + 1;
  const rows = JSON.stringify(
    inputs.map((input, ord) => ({
      ord,
      id: newId('event'),
      type: input.type,
      org_id: input.orgId ?? null,
      blob_id: input.blobId ?? null,
      revision_id: input.revisionId ?? null,
      execution_id: input.executionId ?? null,
      message: input.message ?? null,
      attributes: input.attributes ?? null,
      data: input.data ?? null,
      dedupe_key: input.dedupeKey ?? null,
    })),
  );
  // columns in the table's order, as drizzle lists them in the insert
  const inserted = await tx
    .insert(events)
    .select(
      sql`select v.id, ${firstSeq - 1}::bigint + row_number() over (order by v.ord), v.org_id, v.blob_id, v.revision_id, ${sessionId}, v.execution_id,
          v.type, v.message, v.attributes, v.data, v.dedupe_key, t.base - 1 + row_number() over (order by v.ord)
        from jsonb_to_recordset(${rows}::jsonb) as v(ord int, id text, type text, org_id text, blob_id text, revision_id text, execution_id text,
          message text, attributes jsonb, data jsonb, dedupe_key text),
        (select greatest(${Date.now()}::bigint,
          coalesce((select created_at from ${events} where session_id = ${sessionId} order by seq desc limit 1), 0) + 1) as base) t
        where v.dedupe_key is null or not exists (select 1 from ${events} e where e.dedupe_key = v.dedupe_key)
        order by v.ord`,
    )
    .onConflictDoNothing({ target: events.dedupeKey })
    .returning();
  inserted.sort((a, b) => a.seq - b.seq);
  await notify(tx, inserted);
  return inserted;
}

/** The rows of a raw query (postgres-js answers an array, PGlite an object with rows). */
function rowsOf<T>(result: unknown): T[] {
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
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

/**
 * The lock that orders an org's core events (held until the transaction ends). A transaction that
 * deletes rows others reference and then records an event (an audit entry) takes it first: taken
 * after the deleted rows' locks, it would be the reverse order of a change that records its event
 * and then touches those rows, and the two would deadlock.
 */
export async function lockOrgEvents(tx: Db, orgId: string): Promise<void> {
  // 'no key update' leaves foreign-key checks on the org (inserts of its blobs) unblocked
  await tx.select({ id: orgs.id }).from(orgs).where(eq(orgs.id, orgId)).for('no key update');
}

async function nextCoreSeq(tx: Db, orgId: string | null): Promise<number> {
  if (orgId) await lockOrgEvents(tx, orgId);
  const result = await tx.execute(sql`select nextval('core_event_seq') as seq`);
  return Number(theRow(rowsOf<{ seq: string }>(result)).seq);
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
