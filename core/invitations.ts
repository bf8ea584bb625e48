/**
 * Invitations to join an org (docs/spec.md §3 "Invitations"): an org admin makes a link with a role;
 * whoever opens it creates an account (or, signed in, joins) and becomes a member with that role.
 * The link's token is random, stored as its SHA-256 only, expires, and works once.
 */
import { and, desc, eq, gt, isNull, lt } from 'drizzle-orm';
import type { Db, Transaction } from '../db/client';
import { invitations, members, orgs, users } from '../db/schema';
import type { Caller, Role } from './access';
import type { Actor } from './actor';
import { recordAudit } from './audit';
import type { Config } from './config';
import { randomSecret, sha256Hex } from './crypto';
import { ApiError, badRequest, conflict, forbidden, notFound, theRow } from './errors';
import { newId } from './ids';
import { fetchPage } from './paging';
import type { ResolvedTarget } from './targets';
import { issueTokenPair } from './tokens';
import { createUser, requireUser, type UserRow } from './users';

export type InvitationRow = typeof invitations.$inferSelect;
export type InvitationStatus = 'pending' | 'accepted' | 'revoked' | 'expired';

export const invitationStatus = (row: InvitationRow, now = new Date()): InvitationStatus =>
  row.acceptedAt ? 'accepted' : row.revokedAt ? 'revoked' : row.expiresAt <= now ? 'expired' : 'pending';

/** The web app's page that accepts an invitation. */
export const invitationUrl = (publicUrl: string, token: string) => `${publicUrl}/invite/${token}`;

const auditInvitation = (tx: Transaction, actor: Actor, row: InvitationRow, verb: string, changes: Record<string, unknown>) =>
  recordAudit(tx, actor, { orgId: row.orgId, action: `invitation.${verb}`, target: { type: 'invitation', id: row.id }, changes });

/** A new pending invitation and its token (returned this once: only its hash is kept). */
export function createInvitation(
  db: Db,
  config: Config,
  actor: Actor,
  orgId: string,
  input: { email?: string; role: Role; expiresInDays?: number },
): Promise<{ invitation: InvitationRow; token: string }> {
  const token = randomSecret('bhi');
  const days = input.expiresInDays ?? config.BLOBHUB_INVITATION_TTL_DAYS;
  return db.transaction(async (tx) => {
    const invitation = await tx
      .insert(invitations)
      .values({
        id: newId('invitation'),
        orgId,
        email: input.email?.toLowerCase() ?? null,
        role: input.role,
        tokenHash: sha256Hex(token),
        createdBy: actor.userId,
        expiresAt: new Date(Date.now() + days * 86_400_000),
      })
      .returning()
      .then(theRow);
    await auditInvitation(tx, actor, invitation, 'create', { email: invitation.email, role: invitation.role, expires_at: invitation.expiresAt.toISOString() });
    return { invitation, token };
  });
}

/** One page of the org's pending invitations, newest first. */
export function listPendingInvitations(db: Db, orgId: string, page: { limit: number; cursor?: string }) {
  return fetchPage(page.limit, (take) =>
    db
      .select()
      .from(invitations)
      .where(
        and(
          eq(invitations.orgId, orgId),
          isNull(invitations.acceptedAt),
          isNull(invitations.revokedAt),
          gt(invitations.expiresAt, new Date()),
          page.cursor ? lt(invitations.id, page.cursor) : undefined,
        ),
      )
      .orderBy(desc(invitations.id))
      .limit(take),
  );
}

/** Why a link no longer works, as its own error code so that a client can say so plainly. */
function closedError(status: Exclude<InvitationStatus, 'pending'>): ApiError {
  const messages = {
    accepted: 'this invitation was already used; sign in, or ask an admin of the organization for a new one',
    revoked: 'this invitation was revoked by an admin of the organization; ask them for a new one',
    expired: 'this invitation has expired; ask an admin of the organization for a new one',
  };
  const codes = { accepted: 'invitation_used', revoked: 'invitation_revoked', expired: 'invitation_expired' };
  return new ApiError('conflict', messages[status], { engineCode: codes[status] });
}

export async function revokeInvitation(db: Db, actor: Actor, org: ResolvedTarget, invitationId: string): Promise<InvitationRow> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .select()
      .from(invitations)
      .where(and(eq(invitations.id, invitationId), eq(invitations.orgId, org.id)))
      .for('update');
    if (!row) throw notFound('invitation');
    const status = invitationStatus(row);
    if (status !== 'pending') throw closedError(status);
    const revoked = await tx.update(invitations).set({ revokedAt: new Date() }).where(eq(invitations.id, row.id)).returning().then(theRow);
    await auditInvitation(tx, actor, row, 'revoke', { email: row.email, role: row.role });
    return revoked;
  });
}

/** The pending invitation a token names (locked when `tx` is a transaction that will spend it). */
async function pendingByToken(tx: Db, token: string, lock: boolean) {
  const query = tx
    .select({ invitation: invitations, org: orgs, invitedBy: users.name })
    .from(invitations)
    .innerJoin(orgs, eq(orgs.id, invitations.orgId))
    .leftJoin(users, eq(users.id, invitations.createdBy))
    .where(eq(invitations.tokenHash, sha256Hex(token)));
  const [found] = lock ? await query.for('update', { of: invitations }) : await query;
  if (!found) throw notFound('invitation (check that the whole link was copied)');
  const status = invitationStatus(found.invitation);
  if (status !== 'pending') throw closedError(status);
  return found;
}

/** What the accept page shows before anyone signs in: the org, the role, who invited. */
export const previewInvitation = (db: Db, token: string) => pendingByToken(db, token, false);

/** What an anonymous caller gives to create the accepting account (both name and password), checked once the token is known good. */
export interface NewAccount {
  name?: string;
  password?: string;
  email?: string;
}

/** The account that accepts: the signed-in user, or one created now from `account`. */
async function acceptingUser(tx: Transaction, caller: Caller, invitation: InvitationRow, account: NewAccount): Promise<UserRow> {
  if (caller.kind === 'key') throw forbidden('accept an invitation signed in as yourself, not with an API key');
  const { name, password } = account;
  if (caller.kind === 'user') {
    if (name !== undefined || password !== undefined)
      throw badRequest('you are signed in: accept without name and password, or sign out to create another account');
    const user = await requireUser(tx, caller.userId);
    if (invitation.email && user.email !== invitation.email) throw forbidden(`this invitation is for ${invitation.email}; sign in as that user`);
    return user;
  }
  if (name === undefined && password === undefined) throw badRequest('give name and password to create your account, or sign in first');
  if (!name || !password) throw badRequest('a new account needs both name and password', [{ path: [name ? 'password' : 'name'], message: 'required' }]);
  if (invitation.email && account.email && account.email.toLowerCase() !== invitation.email) {
    throw badRequest(`this invitation is for ${invitation.email}`, [{ path: ['email'], message: `must be ${invitation.email}` }]);
  }
  const email = invitation.email ?? account.email;
  if (!email) throw badRequest('give the email of your new account', [{ path: ['email'], message: 'required' }]);
  // an invitation admits its holder even where open sign-up is off: an org admin vouched for them
  return createUser(tx, { email, name, password }).catch((error: unknown) => {
    throw error instanceof ApiError && error.specCode === 'conflict'
      ? conflict('an account with this email already exists: sign in, then open the link again')
      : error;
  });
}

/**
 * Spends the invitation: the accepting user becomes a member of its org with its role, all or
 * nothing (a refused accept leaves the invitation pending). A new account is also signed in.
 */
export async function acceptInvitation(db: Db, config: Config, caller: Caller, origin: Actor, token: string, account: NewAccount) {
  return db.transaction(async (tx) => {
    const { invitation, org } = await pendingByToken(tx, token, true);
    const user = await acceptingUser(tx, caller, invitation, account);
    const [member] = await tx
      .insert(members)
      .values({ targetType: 'org', targetId: org.id, userId: user.id, role: invitation.role })
      .onConflictDoNothing()
      .returning();
    if (!member) throw conflict(`you are already a member of ${org.name}`);
    await tx.update(invitations).set({ acceptedAt: new Date(), acceptedBy: user.id }).where(eq(invitations.id, invitation.id));
    const actor = { ...origin, userId: user.id };
    await recordAudit(tx, actor, {
      orgId: org.id,
      action: 'member.add',
      target: { type: 'member', id: user.id },
      changes: { on: { type: 'org', id: org.id }, role: member.role, invitation_id: invitation.id },
    });
    await auditInvitation(tx, actor, invitation, 'accept', { user_id: user.id, role: invitation.role });
    const tokens = caller.kind === 'anonymous' ? await issueTokenPair(tx, config, user.id) : null;
    return { org, member, user, tokens };
  });
}
