/** Invitations on an org's Members page (admins): invite by link or e-mail with a role, see pending ones, revoke. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { TRPCClientError } from '@trpc/client';
import { api, queries, type ApiInputs } from '../../api/trpc';
import { useForm } from '../../ui/forms';
import { Badge, Card, CopyButton, ErrorNotice, Field, FormCard, Options, Pager, when } from '../../ui/kit';
import { DataTable } from '../../ui/table';
import { useCursorPages } from '../../ui/paging';
import { useOrgName } from './layout';

type Role = ApiInputs['invitations']['create']['role'];
const roles: Role[] = ['read', 'write', 'admin'];

const listKey = (org: string) => queries.invitations.list.queryKey({ org_id: org });
/** Only the org's admins see invitations: to anyone else the list answers 403, and the card stays away. */
const isForbidden = (error: unknown) => error instanceof TRPCClientError && (error.data as { code?: string } | undefined)?.code === 'FORBIDDEN';

export function PendingInvitations() {
  const org = useOrgName();
  const pages = useCursorPages();
  const queryClient = useQueryClient();
  const invitations = useQuery({ ...queries.invitations.list.queryOptions({ org_id: org, cursor: pages.cursor, limit: 20 }), retry: false });
  const revoke = useMutation({
    mutationFn: (invitation_id: string) => api.invitations.revoke.mutate({ org_id: org, invitation_id }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: listKey(org) }),
    meta: { success: 'Invitation revoked' },
  });
  if (isForbidden(invitations.error)) return null;
  return (
    <Card className="lg:col-span-2" title="Pending invitations">
      <ErrorNotice error={invitations.error ?? revoke.error} />
      <DataTable
        testId="invitations-table"
        rows={invitations.data?.invitations}
        rowKey={(invitation) => invitation.id}
        remove={{
          label: 'Revoke',
          run: (invitation) => revoke.mutate(invitation.id),
          ask: (invitation) => ({
            title: `Revoke the invitation${invitation.email ? ` for ${invitation.email}` : ''}?`,
            message: 'Its link stops working at once. Invite again to undo.',
          }),
        }}
        empty="No pending invitations."
        columns={[
          { header: 'For', cell: (invitation) => invitation.email ?? 'anyone with the link' },
          { header: 'Role', cell: (invitation) => <Badge value={invitation.role} /> },
          { header: 'Expires', cell: (invitation) => when(invitation.expires_at), className: 'text-slate-500' },
        ]}
      />
      <Pager pages={pages} loaded={invitations.data} />
    </Card>
  );
}

export function InviteSomeone() {
  const org = useOrgName();
  const queryClient = useQueryClient();
  const form = useForm({ email: '', role: 'read' });
  const invite = useMutation({
    meta: { success: 'Invitation created' },
    mutationFn: () => api.invitations.create.mutate({ org_id: org, role: form.values.role as Role, email: form.values.email || undefined }),
    onSuccess: () => {
      form.reset();
      void queryClient.invalidateQueries({ queryKey: listKey(org) });
    },
  });
  const created = invite.data;
  return (
    <FormCard title="Invite someone" submit="Create invitation" action={invite}>
      {created && (
        <div className="rounded-md border border-amber-300 bg-amber-50 p-3 text-sm" data-testid="invitation-link">
          <p className="mb-2 font-medium text-amber-900">
            {created.emailed
              ? `The link was e-mailed to ${created.invitation.email}. You can also send it yourself:`
              : 'Send this link to the person you invite: it is shown only this once and works once.'}
          </p>
          <div className="flex items-center gap-2">
            <code className="min-w-0 flex-1 rounded bg-white px-2 py-1 font-mono text-xs break-all text-slate-900" data-testid="invitation-url">
              {created.invitation.url}
            </code>
            <CopyButton text={created.invitation.url} />
          </div>
          <p className="mt-2 text-xs text-amber-900">Valid until {when(created.invitation.expires_at)}.</p>
          <button type="button" className="mt-2 text-xs text-amber-900 underline" onClick={() => invite.reset()}>
            Done, hide it
          </button>
        </div>
      )}
      <Field
        label="Invitee’s email (optional)"
        hint="Only this address may accept; it gets the link by e-mail when the server can send mail. Empty: anyone with the link."
      >
        <input className="input" type="email" {...form.bind('email')} />
      </Field>
      <Field label="Invitee’s role" hint="What they can do in the organization once they join.">
        <select className="input" {...form.bind('role')}>
          <Options values={roles} />
        </select>
      </Field>
    </FormCard>
  );
}
