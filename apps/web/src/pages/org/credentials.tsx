/** Credentials of an organization: bodies go in encrypted and never come back out. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, queries } from '../../api/trpc';
import { useForm } from '../../ui/forms';
import { parseJsonInput } from '../../ui/json';
import { Card, ErrorNotice, Field, FormCard, Pager, when } from '../../ui/kit';
import { DataTable } from '../../ui/table';
import { useCursorPages } from '../../ui/paging';
import { useOrgName } from './layout';

export function OrgCredentials() {
  const org = useOrgName();
  const pages = useCursorPages();
  const queryClient = useQueryClient();
  const list = useQuery({
    ...queries.credentials.list.queryOptions({ target: 'orgs', target_id: org, cursor: pages.cursor, limit: 20 }),
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey: queries.credentials.list.queryKey({ target: 'orgs', target_id: org }) });
  const remove = useMutation({
    mutationFn: (credential_id: string) => api.credentials.delete.mutate({ target: 'orgs', target_id: org, credential_id }),
    onSettled: refresh,
    meta: { success: 'Credential deleted' },
  });
  return (
    <div className="grid gap-6 lg:grid-cols-3">
      <Card className="lg:col-span-2" title="Credentials">
        <p className="mb-3 text-sm text-slate-500">Secrets for components (e.g. an HTTP token). Stored encrypted; no one can read them back.</p>
        <ErrorNotice error={list.error ?? remove.error} />
        <DataTable
          testId="credentials-table"
          rows={list.data?.credentials}
          rowKey={(c) => c.id}
          remove={{
            label: 'Delete',
            run: (c) => remove.mutate(c.id),
            ask: (c) => ({
              title: `Delete the credential ${c.alias}?`,
              message: 'Components that use it fail from their next run. This cannot be undone.',
            }),
          }}
          empty="No credentials."
          columns={[
            { header: 'Alias', cell: (c) => c.alias, className: 'font-mono text-xs' },
            { header: 'Type', cell: (c) => c.type },
            { header: 'Description', cell: (c) => c.description },
            { header: 'Created', cell: (c) => when(c.created_at), className: 'text-slate-500' },
          ]}
        />
        <Pager pages={pages} loaded={list.data} />
      </Card>
      <CreateCredential onCreated={() => void refresh()} />
    </div>
  );
}

function CreateCredential({ onCreated }: { onCreated: () => void }) {
  const org = useOrgName();
  const form = useForm({ alias: '', type: 'http_bearer', body: '{\n  "token": ""\n}', description: '' });
  const create = useMutation({
    meta: { success: 'Credential stored' },
    mutationFn: () =>
      api.credentials.create.mutate({
        target: 'orgs',
        target_id: org,
        alias: form.values.alias,
        type: form.values.type,
        body: parseJsonInput('The body', form.values.body) as Record<string, unknown>,
        description: form.values.description || undefined,
      }),
    onSuccess: () => {
      form.reset();
      onCreated();
    },
  });
  return (
    <FormCard title="New credential" submit="Store credential" action={create}>
      <Field label="Alias">
        <input className="input" required {...form.bind('alias')} />
      </Field>
      <Field label="Type">
        <input className="input" required {...form.bind('type')} />
      </Field>
      <Field label="Body (JSON object)" hint="Write-only: it is never shown again.">
        <textarea className="input h-28 font-mono text-xs" required {...form.bind('body')} />
      </Field>
      <Field label="Description">
        <input className="input" {...form.bind('description')} />
      </Field>
    </FormCard>
  );
}
