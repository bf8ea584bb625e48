/**
 * What a subscription key points at: the access check (the REST policy, read role), the live
 * stream to attach to, and the stored events to replay after a `since` cursor.
 */
import { and, asc, eq, gt, inArray, isNull, like, notLike, type SQL } from 'drizzle-orm';
import type { Caller } from '../../../core/access';
import type { App } from '../../../core/app';
import { AUDIT_EVENT_PREFIX } from '../../../core/audit';
import { ApiError } from '../../../core/errors';
import type { EventRow } from '../../../core/events';
import { requireBlob, requireOrg, requireRevision } from '../../../core/resources';
import { events, executions, sessions } from '../../../db/schema';
import type { StreamRef } from './hub';
import { accessForbidden, RPC_BAD_REQUEST, RpcError, type SubscriptionKey } from './protocol';

export interface Target {
  stream: StreamRef;
  /** the stored events of this target, as a filter on the events table */
  where: SQL;
  /** extra filter on the session stream (execution targets) */
  executionId?: string;
}

/** Resolves a key for this caller; a missing resource and a denied one both answer 403. */
export async function resolveTarget(app: App, caller: Caller, key: SubscriptionKey): Promise<Target> {
  try {
    return await authorizedTarget(app, caller, key);
  } catch (error) {
    if (error instanceof ApiError && ['not_found', 'forbidden', 'unauthenticated'].includes(error.specCode)) throw accessForbidden();
    throw error;
  }
}

async function authorizedTarget(app: App, caller: Caller, key: SubscriptionKey): Promise<Target> {
  const db = app.db;
  if (key.scope === 'revision') {
    const revisionId = key.scope_id!;
    await requireRevision(db, caller, revisionId, 'read');
    if (key.target === 'session') {
      const [session] = await db
        .select({ id: sessions.id })
        .from(sessions)
        .where(and(eq(sessions.id, key.target_id), eq(sessions.revisionId, revisionId)));
      if (!session) throw accessForbidden();
      return { stream: { kind: 'session', id: session.id }, where: eq(events.sessionId, session.id) };
    }
    const [execution] = await db
      .select({ id: executions.id, sessionId: executions.sessionId })
      .from(executions)
      .where(and(eq(executions.id, key.target_id), eq(executions.revisionId, revisionId)));
    if (!execution) throw accessForbidden();
    return { stream: { kind: 'session', id: execution.sessionId }, where: eq(events.executionId, execution.id), executionId: execution.id };
  }
  if (key.target === 'organization') {
    const { org } = await requireOrg(db, caller, key.target_id, 'read');
    const changes = and(eq(events.orgId, org.id), isNull(events.sessionId), notLike(events.type, `${AUDIT_EVENT_PREFIX}%`))!;
    return { stream: { kind: 'organization', id: org.id }, where: changes };
  }
  if (key.target === 'audit_log') {
    // the audit log is for the org's admins only, as its REST list
    const { org } = await requireOrg(db, caller, key.target_id, 'admin');
    return { stream: { kind: 'audit_log', id: org.id }, where: and(eq(events.orgId, org.id), like(events.type, `${AUDIT_EVENT_PREFIX}%`))! };
  }
  if (key.target === 'blob') {
    const { blob } = await requireBlob(db, caller, key.target_id, 'read');
    return { stream: { kind: 'blob', id: blob.id }, where: and(eq(events.blobId, blob.id), isNull(events.sessionId))! };
  }
  const { revision } = await requireRevision(db, caller, key.target_id, 'read');
  return { stream: { kind: 'revision', id: revision.id }, where: and(eq(events.revisionId, revision.id), isNull(events.sessionId))! };
}

/** The seq a `since` cursor stands for; an event id must belong to the subscribed stream. */
export async function sinceSeq(app: App, target: Target, since: string | number): Promise<number> {
  if (typeof since === 'number') return since;
  if (/^\d+$/.test(since)) return Number(since);
  const [row] = await app.db
    .select({ seq: events.seq })
    .from(events)
    .where(and(eq(events.id, since), target.where));
  if (!row) throw new RpcError(RPC_BAD_REQUEST, 'Invalid params: since names no event of this subscription');
  return row.seq;
}

const REPLAY_PAGE = 500;

/** Stored events after a seq, oldest first, a page at a time. */
export async function* storedEventsAfter(app: App, target: Target, afterSeq: number, types?: string[]): AsyncGenerator<EventRow[]> {
  let after = afterSeq;
  for (;;) {
    const rows = await app.db
      .select()
      .from(events)
      .where(and(target.where, gt(events.seq, after), types ? inArray(events.type, types) : undefined))
      .orderBy(asc(events.seq))
      .limit(REPLAY_PAGE);
    if (rows.length > 0) yield rows;
    const last = rows[rows.length - 1];
    if (!last || rows.length < REPLAY_PAGE) return;
    after = last.seq;
  }
}
