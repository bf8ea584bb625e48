/** API keys of an organization: create with a role (the secret is shown this once), list, revoke. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, queries, type ApiInputs } from '../../api/trpc';
import { useForm } from '../../ui/forms';
import { Badge, Card, CopyButton, ErrorNotice, Field, FormCard, Options, Pager, when } from '../../ui/kit';
import { DataTable } from '../../ui/table';
import { useCursorPages } from '../../ui/paging';
import { useOrgName } from './layout';

type KeyRole = ApiInputs['apiKeys']['create']['role'];
const keyRoles: KeyRole[] = ['read', 'write', 'admin'];

export function OrgApiKeys() {
  const org = useOrgName();
  const pages = useCursorPages();
  const queryClient = useQueryClient();
  const keys = useQuery({
    ...queries.apiKeys.list.queryOptions({ target: 'orgs', target_id: org, cursor: pages.cursor, limit: 20 }),
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey: queries.apiKeys.list.queryKey({ target: 'orgs', target_id: org }) });
  const revoke = useMutation({
    mutationFn: (key_id: string) => api.apiKeys.revoke.mutate({ target: 'orgs', target_id: org, key_id }),
    onSettled: refresh,
    meta: { success: 'Key revoked' },
  });
  return (
    <div className="grid gap-6 lg:grid-cols-3">
      <Card className="lg:col-span-2" title="API keys">
        <ErrorNotice error={keys.error ?? revoke.error} />
        <DataTable
          testId="keys-table"
          rows={keys.data?.api_keys}
          rowKey={(key) => key.id}
          remove={{
            label: 'Revoke',
            run: (key) => revoke.mutate(key.id),
            ask: (key) => ({
              title: `Revoke the key ${key.prefix}…${key.description ? ` (${key.description})` : ''}?`,
              message: 'Every client using it is refused from now on. This cannot be undone: create a new key to give access again.',
            }),
          }}
          empty="No active keys."
          columns={[
            { header: 'Key', cell: (key) => `${key.prefix}…`, className: 'font-mono text-xs' },
            { header: 'Role', cell: (key) => <Badge value={key.role} /> },
            { header: 'Description', cell: (key) => key.description },
            { header: 'Created', cell: (key) => when(key.created_at), className: 'text-slate-500' },
          ]}
        />
        <Pager pages={pages} loaded={keys.data} />
      </Card>
      <CreateKey onCreated={() => void refresh()} />
    </div>
  );
}

function CreateKey({ onCreated }: { onCreated: () => void }) {
  const org = useOrgName();
  const form = useForm({ role: 'read', description: '' });
  const create = useMutation({
    mutationFn: () =>
      api.apiKeys.create.mutate({ target: 'orgs', target_id: org, role: form.values.role as KeyRole, description: form.values.description || undefined }),
    onSuccess: () => {
      form.reset();
      onCreated();
    },
    meta: { success: 'Key created' },
  });
  const secret = create.data?.api_key.secret;
  return (
    <FormCard title="New API key" submit="Create key" action={create}>
      {secret && (
        <div className="mb-4 rounded-md border border-amber-300 bg-amber-50 p-3 text-sm" data-testid="new-key-secret">
          <p className="mb-2 font-medium text-amber-900">Copy the secret now: it is shown only this once.</p>
          <div className="flex items-center gap-2">
            <code className="min-w-0 flex-1 rounded bg-white px-2 py-1 font-mono text-xs break-all" data-testid="secret">
              {secret}
            </code>
            <CopyButton text={secret} />
          </div>
          <button type="button" className="mt-2 text-xs text-amber-800 underline" onClick={() => create.reset()}>
            Done, hide it
          </button>
        </div>
      )}
      <Field label="Role" hint="A key acts as you, capped by this role and this organization.">
        <select className="input" {...form.bind('role')}>
          <Options values={keyRoles} />
        </select>
      </Field>
      <Field label="Description">
        <input className="input" {...form.bind('description')} />
      </Field>
    </FormCard>
  );
}
