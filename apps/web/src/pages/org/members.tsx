/** Members of an organization: add by email with a role, change roles, remove; invite people without an account. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, queries, type ApiInputs } from '../../api/trpc';
import { useForm } from '../../ui/forms';
import { Card, ErrorNotice, Field, FormCard, Options, Pager, when } from '../../ui/kit';
import { DataTable } from '../../ui/table';
import { useCursorPages } from '../../ui/paging';
import { InviteSomeone, PendingInvitations } from './invitations';
import { useOrgName } from './layout';

type Role = ApiInputs['members']['add']['role'];
const roles: Role[] = ['read', 'write', 'admin'];

export function OrgMembers() {
  const org = useOrgName();
  const pages = useCursorPages();
  const queryClient = useQueryClient();
  const members = useQuery({
    ...queries.members.list.queryOptions({ target: 'orgs', target_id: org, cursor: pages.cursor, limit: 20 }),
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey: queries.members.list.queryKey({ target: 'orgs', target_id: org }) });
  const changeRole = useMutation({
    meta: { success: 'Role changed' },
    mutationFn: (args: { user_id: string; role: Role }) => api.members.update.mutate({ target: 'orgs', target_id: org, ...args }),
    onSettled: refresh,
  });
  const remove = useMutation({
    mutationFn: (user_id: string) => api.members.remove.mutate({ target: 'orgs', target_id: org, user_id }),
    onSettled: refresh,
    meta: { success: 'Member removed' },
  });
  return (
    <div className="grid gap-6 lg:grid-cols-3">
      <Card className="lg:col-span-2" title="Members">
        <div className="mb-3 space-y-2">
          <ErrorNotice error={members.error ?? changeRole.error ?? remove.error} />
        </div>
        <DataTable
          testId="members-table"
          rows={members.data?.members}
          rowKey={(member) => member.user_id}
          remove={{
            label: 'Remove',
            run: (member) => remove.mutate(member.user_id),
            ask: (member) => ({
              title: `Remove ${member.name} from the organization?`,
              message: 'They lose access to its blobs at once; their API keys for it stop working. Add them again to undo.',
            }),
          }}
          empty="No members."
          columns={[
            { header: 'Name', cell: (member) => member.name, className: 'font-medium' },
            {
              header: 'Role',
              cell: (member) => (
                <select
                  className="input w-28"
                  aria-label={`Role of ${member.name}`}
                  value={member.role}
                  onChange={(e) => changeRole.mutate({ user_id: member.user_id, role: e.target.value as Role })}
                >
                  <Options values={roles} />
                </select>
              ),
            },
            { header: 'Since', cell: (member) => when(member.created_at), className: 'text-slate-500' },
          ]}
        />
        <Pager pages={pages} loaded={members.data} />
      </Card>
      <div className="space-y-6">
        <AddMember onAdded={() => void refresh()} />
        <InviteSomeone />
      </div>
      <PendingInvitations />
    </div>
  );
}

function AddMember({ onAdded }: { onAdded: () => void }) {
  const org = useOrgName();
  const form = useForm({ email: '', role: 'read' });
  const add = useMutation({
    meta: { success: 'Member added' },
    mutationFn: () => api.members.add.mutate({ target: 'orgs', target_id: org, email: form.values.email, role: form.values.role as Role }),
    onSuccess: () => {
      form.reset();
      onAdded();
    },
  });
  return (
    <FormCard title="Add a member" submit="Add member" action={add}>
      <Field label="Email">
        <input className="input" type="email" required {...form.bind('email')} />
      </Field>
      <Field label="Role" hint="read < write < admin; an org role covers every blob in the org.">
        <select className="input" {...form.bind('role')}>
          <Options values={roles} />
        </select>
      </Field>
    </FormCard>
  );
}
