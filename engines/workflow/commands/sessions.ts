/** Sessions and session objects (docs/spec.md §4). */
import { and, eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import { userIdOf } from '../../../core/access';
import { defineCommand, type CommandContext } from '../../../core/engines';
import { notFound } from '../../../core/errors';
import { idOf } from '../../../core/schemas';
import { pageQuery, fetchPage, newestFirst } from '../../../core/paging';
import { executions, sessions } from '../../../db/schema';
import { createSessionRow, liveStatuses, requireSessionByRef, requireSessionIn } from '../executions';
import { deleteSessionObject, listSessionObjects, readSessionObject, writeSessionObject, type SessionScope } from '../session-objects';
import { cancelWorkflow } from './executions';
import { removeSessionFileBytes, sessionFileKeys, toSessionObjectWire } from '../session-files';
import { cappedLimit, decodeKeyset, encodeKeyset } from '../cursors';

type SessionRow = typeof sessions.$inferSelect;

const toSessionWire = (s: SessionRow) => ({
  id: s.id,
  revision_id: s.revisionId,
  name: s.name,
  alias: s.alias,
  description: s.description,
  /** sessions never close here; `open` is what BlobHub's clients require before they run in one */
  status: 'open' as const,
  metadata: s.metadata ?? null,
  created_by: s.createdBy,
  created_at: s.createdAt.toISOString(),
});

const sessionId = idOf('session');
/** A session alias (BlobHub's clients name sessions); never shaped like an id. */
const sessionAlias = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/, 'must be 1-128 letters, digits, _ . : -')
  .refine((a) => !a.startsWith('ses_'), 'must not look like a session id');
/**
 * A session object alias: `/`-separated segments of letters, digits and `_ . @ : -` (BlobHub's
 * grammar, which blobhub-worker mirrors for its `projects/…` prefixes and artifact paths), at most
 * 256 characters, no `.` or `..` segment.
 */
export const objectAlias = z
  .string()
  .max(256)
  .regex(/^[A-Za-z0-9_.@:-]+(\/[A-Za-z0-9_.@:-]+)*$/, 'must be /-separated segments of letters, digits, _ . @ : -')
  .refine((a) => !a.split('/').some((segment) => segment === '.' || segment === '..'), 'must not have a . or .. segment');

/** Session object values are JSON up to 1 MiB (the body limit). */
const objectValue = z.unknown().refine((v) => v !== undefined, { message: 'value is required' });

export async function sessionScope(ctx: CommandContext, id: string): Promise<SessionScope> {
  await requireSessionIn(ctx.app.db, ctx.revision.id, id);
  return { orgId: ctx.blob.orgId, blobId: ctx.blob.id, revisionId: ctx.revision.id, sessionId: id };
}

export const sessionCommands = {
  create_session: defineCommand({
    kind: 'command',
    input: z.object({
      name: z.string().max(256).optional(),
      alias: sessionAlias.optional(),
      description: z.string().max(1000).optional(),
      metadata: z.record(z.string(), z.unknown()).optional(),
    }),
    async run({ app, caller, revision }, fields) {
      const row = await app.db.transaction((tx) => createSessionRow(tx, revision.id, userIdOf(caller), fields));
      return { session: toSessionWire(row) };
    },
  }),
  get_session: defineCommand({
    kind: 'query',
    input: z.object({ session_id: z.union([sessionId, sessionAlias]).describe('a session id or alias') }),
    async run({ app, revision }, { session_id }) {
      return { session: toSessionWire(await requireSessionByRef(app.db, revision.id, session_id)) };
    },
  }),
  list_sessions: defineCommand({
    kind: 'query',
    input: z.object(pageQuery),
    async run({ app, revision }, { limit, cursor }) {
      const q = newestFirst(sessions.id, cursor, eq(sessions.revisionId, revision.id));
      const { items, cursor: next } = await fetchPage(limit, (take) => app.db.select().from(sessions).where(q.where).orderBy(q.orderBy).limit(take));
      return { sessions: items.map(toSessionWire), cursor: next };
    },
  }),
  delete_session: defineCommand({
    kind: 'command',
    input: z.object({ session_id: sessionId }),
    async run({ app, revision }, { session_id }) {
      await requireSessionIn(app.db, revision.id, session_id);
      // stop what still runs in the session before its rows go
      const live = await app.db
        .select()
        .from(executions)
        .where(and(eq(executions.sessionId, session_id), inArray(executions.status, liveStatuses)));
      for (const e of live) await cancelWorkflow(app, e.id);
      const fileKeys = await sessionFileKeys(app, session_id);
      await app.db.delete(sessions).where(eq(sessions.id, session_id));
      await removeSessionFileBytes(app, fileKeys);
      return {};
    },
  }),
  upload_session_object: defineCommand({
    kind: 'command',
    input: z.object({ session_id: sessionId, alias: objectAlias, value: objectValue }),
    async run(ctx, { session_id, alias, value }) {
      await writeSessionObject(ctx.app, await sessionScope(ctx, session_id), alias, value);
      return {};
    },
  }),
  download_session_object: defineCommand({
    kind: 'query',
    input: z.object({ session_id: sessionId, alias: objectAlias }),
    async run(ctx, { session_id, alias }) {
      await sessionScope(ctx, session_id);
      const row = await readSessionObject(ctx.app, session_id, alias);
      if (!row) throw notFound('session object');
      const object = toSessionObjectWire(ctx.revision.id, row);
      // `object` is BlobHub's key (blobhub-worker reads it); `session_object` is the SPEC's
      return { object, session_object: object };
    },
  }),
  list_session_objects: defineCommand({
    kind: 'query',
    input: z.object({
      session_id: sessionId,
      prefix: z.string().min(1).max(256).optional().describe('only aliases starting with this, e.g. `projects/`'),
      cursor: z.string().max(700).optional(),
      limit: cappedLimit(1000, 1000),
    }),
    async run(ctx, { session_id, prefix, cursor, limit }) {
      await sessionScope(ctx, session_id);
      const after = decodeKeyset(z.string().min(1).max(256), cursor);
      const { items, cursor: next } = await fetchPage(
        limit,
        (take) => listSessionObjects(ctx.app, session_id, { prefix, after, limit: take }),
        (last) => encodeKeyset(last.alias),
      );
      const objects = items.map((r) => ({ alias: r.alias, type: r.type, updated_at: r.updatedAt.toISOString() }));
      // `objects` is BlobHub's key (blobhub-worker pages it); `session_objects` is the SPEC's
      return { objects, session_objects: objects, cursor: next };
    },
  }),
  delete_session_object: defineCommand({
    kind: 'command',
    input: z.object({ session_id: sessionId, alias: objectAlias }),
    async run(ctx, { session_id, alias }) {
      if (!(await deleteSessionObject(ctx.app, await sessionScope(ctx, session_id), alias))) throw notFound('session object');
      return {};
    },
  }),
};
