/**
 * Thread and graph session objects are envelopes: their items and elements live in their own
 * tables, and every command on them first checks that the alias names an envelope of its kind.
 */
import { and, eq } from 'drizzle-orm';
import { ApiError } from '../../core/errors';
import type { Db } from '../../db/client';
import { sessionObjects } from '../../db/schema';

export type EnvelopeKind = 'thread' | 'graph';

const envelopeError = (kind: EnvelopeKind, message: string) => new ApiError('bad_request', message, { engineCode: `invalid_${kind}_envelope` });

/**
 * Throws invalid_thread_envelope / invalid_graph_envelope unless `alias` is a session object of
 * that type. Inside a writer's transaction `lock` holds the envelope row: `update` queues the
 * writers of one graph behind each other, `share` only keeps the envelope from being deleted.
 */
export async function requireEnvelope(db: Db, sessionId: string, alias: string, kind: EnvelopeKind, lock?: 'update' | 'share') {
  const query = db
    .select({ type: sessionObjects.type })
    .from(sessionObjects)
    .where(and(eq(sessionObjects.sessionId, sessionId), eq(sessionObjects.alias, alias)));
  const [row] = lock ? await query.for(lock) : await query;
  if (!row) throw envelopeError(kind, `session object ${alias} does not exist; upload a ${kind} envelope ({"type": "${kind}", "${kind}": {}}) first`);
  if (row.type !== kind) throw envelopeError(kind, `session object ${alias} is a ${row.type}, not a ${kind}`);
}
