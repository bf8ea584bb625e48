/**
 * The audit log (docs/spec.md §3 "Audit log"): who changed what, when and from where. A change
 * that is a database write records its entry in its own transaction (never one without the
 * other), together with an `audit.<action>` core event that realtime delivers to the org's
 * admins only. Secrets never enter an entry: callers pass the fields that describe a change.
 */
import { and, eq, gte, like, lt, or } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../db/client';
import { auditChannels, auditLog, events } from '../db/schema';
import type { Actor } from './actor';
import type { App } from './app';
import { recordEvent } from './events';
import { newId } from './ids';
import { fetchPage, newestFirst } from './paging';
import { isoDate } from './schemas';
import { logger } from './log';

export interface AuditEntry {
  /** the org the change belongs to; null for a user's personal things */
  orgId: string | null;
  /** `<target type>.<verb>`, e.g. `member.update` */
  action: string;
  target: { type: string; id: string };
  /** `{field: {from, to}}` (see changedFields) or the fields a creation set; never a secret */
  changes?: Record<string, unknown>;
}

/** Audit events are core events of their org under this type prefix; only the audit stream delivers them. */
export const AUDIT_EVENT_PREFIX = 'audit.';
export const isAuditEvent = (type: string) => type.startsWith(AUDIT_EVENT_PREFIX);

/**
 * Records an entry and its realtime event together; pass the change's own transaction as `db` (a
 * change that is no database write, like a schedule trigger, passes the database).
 */
export async function recordAudit(db: Db, actor: Actor, entry: AuditEntry): Promise<void> {
  await db.transaction((tx) => insertAuditEntry(tx, actor, entry));
}

async function insertAuditEntry(tx: Db, actor: Actor, entry: AuditEntry): Promise<void> {
  const [row] = await tx
    .insert(auditLog)
    .values({
      id: newId('auditEntry'),
      orgId: entry.orgId,
      actorUserId: actor.userId,
      actorKeyId: actor.keyId,
      via: actor.via,
      clientIp: actor.clientIp,
      userAgent: actor.userAgent,
      action: entry.action,
      targetType: entry.target.type,
      targetId: entry.target.id,
      changes: entry.changes ?? null,
    })
    .returning();
  if (row?.orgId) await recordEvent(tx, { type: `${AUDIT_EVENT_PREFIX}${row.action}`, orgId: row.orgId, data: { audit_entry: toAuditWire(row) } });
}

/** Where an engine's data command runs (core/engines.ts CommandContext), as its audit entries name it. */
interface CommandScope {
  actor: Actor;
  blob: { id: string; orgId: string };
  revision: { id: string };
}

/** Records a data command's change, inside the command's own transaction `tx`; the entry names the blob and revision. */
export function auditCommand(tx: Db, ctx: CommandScope, action: string, target: AuditEntry['target'], changes: Record<string, unknown> = {}) {
  return recordAudit(tx, ctx.actor, { orgId: ctx.blob.orgId, action, target, changes: { blob_id: ctx.blob.id, revision_id: ctx.revision.id, ...changes } });
}

/** The fields whose values differ, as `{field: {from, to}}`. */
export function changedFields(before: Record<string, unknown>, after: Record<string, unknown>): Record<string, { from: unknown; to: unknown }> {
  const changes: Record<string, { from: unknown; to: unknown }> = {};
  for (const field of Object.keys(after)) {
    if (JSON.stringify(before[field]) !== JSON.stringify(after[field])) changes[field] = { from: before[field] ?? null, to: after[field] ?? null };
  }
  return changes;
}

/** The list's filters, each optional; unknown ones are refused (a typo must not widen the list silently). */
export const auditFilters = {
  actor: z.string().min(1).max(64).optional().describe('a user id or an API key id'),
  action: z
    .string()
    .regex(/^[a-z_]+(\.[a-z_]+)*\.?$/)
    .max(64)
    .optional()
    .describe('an action (`member.update`), or a prefix ending in a dot (`member.`)'),
  target_type: z
    .string()
    .regex(/^[a-z_]{1,32}$/)
    .optional(),
  target_id: z.string().min(1).max(128).optional(),
  created_since: z.iso.datetime({ offset: true }).optional().describe('entries at or after this time'),
  created_before: z.iso.datetime({ offset: true }).optional().describe('entries before this time'),
};
type AuditFilter = { [K in keyof typeof auditFilters]?: z.infer<(typeof auditFilters)[K]> };

/** One page of an org's entries, newest first, filtered. */
export function listAuditEntries(db: Db, orgId: string, filter: AuditFilter & { limit: number; cursor?: string }) {
  const action = filter.action;
  const q = newestFirst(
    auditLog.id,
    filter.cursor,
    eq(auditLog.orgId, orgId),
    filter.actor ? or(eq(auditLog.actorUserId, filter.actor), eq(auditLog.actorKeyId, filter.actor)) : undefined,
    action ? (action.endsWith('.') ? like(auditLog.action, `${action}%`) : eq(auditLog.action, action)) : undefined,
    filter.target_type ? eq(auditLog.targetType, filter.target_type) : undefined,
    filter.target_id ? eq(auditLog.targetId, filter.target_id) : undefined,
    filter.created_since ? gte(auditLog.createdAt, new Date(filter.created_since)) : undefined,
    filter.created_before ? lt(auditLog.createdAt, new Date(filter.created_before)) : undefined,
  );
  return fetchPage(filter.limit, (take) => db.select().from(auditLog).where(q.where).orderBy(q.orderBy).limit(take));
}

/** Removes entries (and their realtime events) older than the retention; returns how many entries went. */
export async function sweepAuditLog(db: Db, retentionDays: number, now = Date.now()): Promise<number> {
  const cutoff = now - retentionDays * 86_400_000;
  return db.transaction(async (tx) => {
    const removed = await tx
      .delete(auditLog)
      .where(lt(auditLog.createdAt, new Date(cutoff)))
      .returning({ id: auditLog.id });
    await tx.delete(events).where(and(like(events.type, `${AUDIT_EVENT_PREFIX}%`), lt(events.createdAt, cutoff)));
    return removed.length;
  });
}

/** Runs the retention sweep now and then every BLOBHUB_AUDIT_SWEEP_SECONDS; returns its stopper. */
export function startAuditSweep(app: App): () => Promise<void> {
  const { BLOBHUB_AUDIT_RETENTION_DAYS: days, BLOBHUB_AUDIT_SWEEP_SECONDS: seconds } = app.config;
  let running: Promise<unknown> = Promise.resolve();
  const sweep = () => {
    running = sweepAuditLog(app.db, days).catch((error) => logger.error({ err: error }, 'audit: retention sweep failed'));
  };
  sweep();
  const timer = setInterval(sweep, seconds * 1000);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}

/** An entry as the API and its realtime events show one. */
export const auditEntryWire = z.object({
  id: z.string(),
  org_id: z.string().nullable(),
  action: z.string(),
  target: z.object({ type: z.string(), id: z.string() }),
  actor: z.object({
    type: z.enum(['user', 'api_key', 'system']),
    user_id: z.string().nullable(),
    key_id: z.string().nullable(),
  }),
  via: z.enum(auditChannels),
  client_ip: z.string().nullable(),
  user_agent: z.string().nullable(),
  changes: z.record(z.string(), z.unknown()).nullable(),
  created_at: isoDate,
});

export function toAuditWire(row: typeof auditLog.$inferSelect): z.infer<typeof auditEntryWire> {
  return {
    id: row.id,
    org_id: row.orgId,
    action: row.action,
    target: { type: row.targetType, id: row.targetId },
    actor: { type: row.actorKeyId ? 'api_key' : row.actorUserId ? 'user' : 'system', user_id: row.actorUserId, key_id: row.actorKeyId },
    via: row.via,
    client_ip: row.clientIp,
    user_agent: row.userAgent,
    changes: (row.changes as Record<string, unknown> | null) ?? null,
    created_at: row.createdAt.toISOString(),
  };
}
