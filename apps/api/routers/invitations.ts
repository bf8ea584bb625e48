import { z } from 'zod';
import {
  acceptInvitation,
  createInvitation,
  invitationStatus,
  invitationUrl,
  listPendingInvitations,
  previewInvitation,
  revokeInvitation,
  type InvitationRow,
} from '../../../core/invitations';
import { requireOrg } from '../../../core/resources';
import { sendMail } from '../../../core/mail';
import { requireTarget } from '../../../core/targets';
import { emailAddress, idOf, idOrName, isoDate, role } from '../../../core/schemas';
import { pageQuery } from '../../../core/paging';
import { toUserWire, userWire } from '../../../core/users';
import { authedProcedure, publicProcedure, router } from '../trpc';

const orgParam = { org_id: idOrName('org') };
/** An invitation token as `createInvitation` makes them (`bhi_` + 32 random bytes, base64url). */
const invitationToken = z
  .string()
  .regex(/^bhi_[A-Za-z0-9_-]{43}$/, 'must be an invitation token (bhi_…) as its link carries it')
  .describe('the token at the end of the invitation link');

const invitationWire = z.object({
  id: z.string(),
  org_id: z.string(),
  email: z.string().nullable().describe('who may accept it; null: whoever holds the link'),
  role,
  status: z.enum(['pending', 'accepted', 'revoked', 'expired']),
  created_by: z.string().nullable(),
  created_at: isoDate,
  expires_at: isoDate,
  accepted_at: isoDate.nullable(),
  accepted_by: z.string().nullable(),
  revoked_at: isoDate.nullable(),
});

const toInvitationWire = (row: InvitationRow) => ({
  id: row.id,
  org_id: row.orgId,
  email: row.email,
  role: row.role,
  status: invitationStatus(row),
  created_by: row.createdBy,
  created_at: row.createdAt.toISOString(),
  expires_at: row.expiresAt.toISOString(),
  accepted_at: row.acceptedAt?.toISOString() ?? null,
  accepted_by: row.acceptedBy,
  revoked_at: row.revokedAt?.toISOString() ?? null,
});

const invitationMail = (to: string, orgName: string, invitation: InvitationRow, url: string) => ({
  to,
  subject: `You are invited to join ${orgName} on BlobHub`,
  text: [
    `You are invited to join the organization ${orgName} on BlobHub as ${invitation.role}.`,
    `Open this link to accept; it works once, until ${invitation.expiresAt.toUTCString()}:`,
    url,
  ].join('\n\n'),
});

const orgSummary = z.object({ id: z.string(), name: z.string(), display_name: z.string().nullable() });

export const invitationsRouter = router({
  create: authedProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/orgs/{org_id}/invitations',
        tags: ['invitations'],
        summary: 'Invite someone to the organization with a role; the link is returned only this once, and e-mailed when SMTP is set up (admin)',
      },
    })
    .input(
      z.object({
        ...orgParam,
        role,
        email: emailAddress.optional().describe('the invitee; only they may accept, and they get the link by e-mail when SMTP is set up'),
        expires_in_days: z.number().int().min(1).max(365).optional().describe('default: BLOBHUB_INVITATION_TTL_DAYS (7)'),
      }),
    )
    .output(
      z.object({
        invitation: invitationWire.extend({ token: invitationToken, url: z.string().describe('the accept page, to send to the invitee') }),
        emailed: z.boolean().describe('whether the link was e-mailed to `email`'),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const { org } = await requireOrg(ctx.app.db, ctx.caller, input.org_id, 'admin');
      const { invitation, token } = await createInvitation(ctx.app.db, ctx.app.config, ctx.actor, org.id, {
        email: input.email,
        role: input.role,
        expiresInDays: input.expires_in_days,
      });
      const url = invitationUrl(ctx.app.publicUrl, token);
      const emailed = invitation.email ? await sendMail(ctx.app.config, invitationMail(invitation.email, org.displayName ?? org.name, invitation, url)) : false;
      return { invitation: { ...toInvitationWire(invitation), token, url }, emailed };
    }),

  list: authedProcedure
    .meta({ openapi: { method: 'GET', path: '/orgs/{org_id}/invitations', tags: ['invitations'], summary: 'Pending invitations, newest first (admin)' } })
    .input(z.object({ ...orgParam, ...pageQuery }))
    .output(z.object({ invitations: z.array(invitationWire), cursor: z.string().nullable() }))
    .query(async ({ ctx, input }) => {
      const org = await requireTarget(ctx.app.db, ctx.caller, 'orgs', input.org_id, 'admin');
      const { items, cursor } = await listPendingInvitations(ctx.app.db, org.id, input);
      return { invitations: items.map(toInvitationWire), cursor };
    }),

  revoke: authedProcedure
    .meta({
      openapi: { method: 'DELETE', path: '/orgs/{org_id}/invitations/{invitation_id}', tags: ['invitations'], summary: 'Revoke a pending invitation (admin)' },
    })
    .input(z.object({ ...orgParam, invitation_id: idOf('invitation') }))
    .output(z.object({ invitation: invitationWire }))
    .mutation(async ({ ctx, input }) => {
      const org = await requireTarget(ctx.app.db, ctx.caller, 'orgs', input.org_id, 'admin');
      return { invitation: toInvitationWire(await revokeInvitation(ctx.app.db, ctx.actor, org, input.invitation_id)) };
    }),

  preview: publicProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/invitations/preview',
        tags: ['invitations'],
        summary: 'What a pending invitation offers: the org, the role, who invited',
      },
    })
    .input(z.object({ token: invitationToken }))
    .output(
      z.object({
        invitation: z.object({ id: z.string(), org: orgSummary, role, email: z.string().nullable(), expires_at: isoDate, invited_by: z.string().nullable() }),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const { invitation, org, invitedBy } = await previewInvitation(ctx.app.db, input.token);
      return {
        invitation: {
          id: invitation.id,
          org: { id: org.id, name: org.name, display_name: org.displayName },
          role: invitation.role,
          email: invitation.email,
          expires_at: invitation.expiresAt.toISOString(),
          invited_by: invitedBy,
        },
      };
    }),

  accept: publicProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/invitations/accept',
        tags: ['invitations'],
        summary: 'Accept an invitation: signed in, join the org; otherwise create an account (name, password) that joins it and is signed in',
      },
    })
    .input(
      z.object({
        token: invitationToken,
        name: z.string().min(1).max(200).optional().describe('a new account’s name (anonymous callers)'),
        password: z.string().min(8, 'must be at least 8 characters').max(1024).optional().describe('a new account’s password (anonymous callers)'),
        email: emailAddress.optional().describe('a new account’s email, when the invitation names none'),
      }),
    )
    .output(
      z.object({
        org: orgSummary,
        role,
        user: userWire,
        access_token: z.string().optional().describe('a new account’s session'),
        refresh_token: z.string().optional(),
        expires_at: z.string().optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const accepted = await acceptInvitation(ctx.app.db, ctx.app.config, ctx.caller, ctx.actor, input.token, {
        name: input.name,
        password: input.password,
        email: input.email,
      });
      return {
        org: { id: accepted.org.id, name: accepted.org.name, display_name: accepted.org.displayName },
        role: accepted.member.role,
        user: toUserWire(accepted.user),
        ...accepted.tokens,
      };
    }),
});
