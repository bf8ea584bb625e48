/** Organizations: creation (the creator becomes admin), the caller's list, changes and deletion. */
import { and, desc, eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../db/client';
import { members, orgs } from '../db/schema';
import { actsAsInstanceAdmin, type AuthedCaller } from './access';
import { deleteAttachments } from './attachments';
import type { Actor } from './actor';
import { changedFields, recordAudit } from './audit';
import { conflict, firstOr, forbidden, notFound } from './errors';
import { newId } from './ids';
import { afterCursor, fetchPage } from './paging';
import { isoDate } from './schemas';

export type OrgRow = typeof orgs.$inferSelect;

export interface OrgFields {
  displayName?: string;
  description?: string;
}

/** A key scoped to an org or a blob, or a personal key below admin, acts within what it was made for: no new orgs. */
const mayCreateOrgs = (caller: AuthedCaller) => caller.kind === 'user' || (caller.keyTarget.type === 'user' && caller.keyRole === 'admin');

const auditedFields = (o: OrgRow) => ({ name: o.name, display_name: o.displayName, description: o.description });

/** Creates an organization with the caller as its admin. */
export async function createOrg(db: Db, caller: AuthedCaller, actor: Actor, name: string, fields: OrgFields): Promise<OrgRow> {
  if (!mayCreateOrgs(caller)) throw forbidden('only a signed-in user or a personal admin API key can create organizations');
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(orgs)
      .values({ id: newId('org'), name, ...fields })
      .onConflictDoNothing({ target: orgs.name })
      .returning();
    if (!row) throw conflict(`an organization named ${name} already exists`);
    await tx.insert(members).values({ targetType: 'org', targetId: row.id, userId: caller.userId, role: 'admin' });
    await recordAudit(tx, actor, { orgId: row.id, action: 'org.create', target: { type: 'org', id: row.id }, changes: auditedFields(row) });
    return row;
  });
}

/** The organizations the caller is a member of, as the caller's key may see them. */
export async function listOrgsOf(db: Db, caller: AuthedCaller, page: { limit: number; cursor?: string }) {
  // A blob key reaches no organization as a whole; it has no org list to show.
  if (caller.kind === 'key' && caller.keyTarget.type === 'blob') return { items: [], cursor: null };
  const memberOrgIds = db
    .select({ id: members.targetId })
    .from(members)
    .where(and(eq(members.userId, caller.userId), eq(members.targetType, 'org')));
  const conditions = [afterCursor(orgs.id, page.cursor)];
  if (caller.kind === 'key' && caller.keyTarget.type === 'org') conditions.push(eq(orgs.id, caller.keyTarget.id));
  if (!actsAsInstanceAdmin(caller)) conditions.push(inArray(orgs.id, memberOrgIds));
  return fetchPage(page.limit, (take) =>
    db
      .select()
      .from(orgs)
      .where(and(...conditions))
      .orderBy(desc(orgs.id))
      .limit(take),
  );
}

/** Changes the given fields; the others keep their values. */
export async function updateOrg(db: Db, actor: Actor, org: OrgRow, fields: OrgFields): Promise<OrgRow> {
  return db.transaction(async (tx) => {
    const row = await tx
      .update(orgs)
      .set({ displayName: fields.displayName ?? org.displayName, description: fields.description ?? org.description, updatedAt: new Date() })
      .where(eq(orgs.id, org.id))
      .returning()
      .then((rows) => firstOr(rows, () => notFound('organization')));
    await recordAudit(tx, actor, {
      orgId: org.id,
      action: 'org.update',
      target: { type: 'org', id: org.id },
      changes: changedFields(auditedFields(org), auditedFields(row)),
    });
    return row;
  });
}

/** Deletes the organization with everything in it. */
export async function deleteOrg(db: Db, actor: Actor, org: OrgRow): Promise<void> {
  await db.transaction(async (tx) => {
    await recordAudit(tx, actor, { orgId: org.id, action: 'org.delete', target: { type: 'org', id: org.id }, changes: auditedFields(org) });
    await deleteAttachments(tx, { type: 'org', id: org.id });
    await tx.delete(orgs).where(eq(orgs.id, org.id));
  });
}

/** An organization as the API shows one. */
export const orgWire = z.object({
  id: z.string(),
  name: z.string(),
  display_name: z.string().nullable(),
  description: z.string().nullable(),
  created_at: isoDate,
  updated_at: isoDate,
});
export const toOrgWire = (o: typeof orgs.$inferSelect) => ({
  id: o.id,
  name: o.name,
  display_name: o.displayName,
  description: o.description,
  created_at: o.createdAt.toISOString(),
  updated_at: o.updatedAt.toISOString(),
});
