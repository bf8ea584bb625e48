/** An organization's blobs: type filter, name search, paging, and a form for a new blob. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { useSession } from '../../api/session';
import { api, queries, type ApiInputs } from '../../api/trpc';
import { useForm } from '../../ui/forms';
import { Badge, Card, ErrorNotice, Field, FormCard, Options, Pager, when } from '../../ui/kit';
import { DataTable } from '../../ui/table';
import { useCursorPages } from '../../ui/paging';
import { useOrgName } from './layout';

type BlobType = NonNullable<ApiInputs['blobs']['list']['type']>;
export const blobTypes: BlobType[] = ['workflow', 'scheduler', 'onnx'];

export function OrgBlobs() {
  const org = useOrgName();
  const signedIn = Boolean(useSession());
  const [type, setType] = useState(''); // a blob type, or '' for every type
  const [search, setSearch] = useState('');
  const pages = useCursorPages();
  const filters = { org_id: org, type: type || undefined, q: search || undefined, cursor: pages.cursor, limit: 20 };
  const blobs = useQuery(queries.blobs.list.queryOptions(filters));
  const filter = (apply: () => void) => {
    apply();
    pages.reset();
  };
  return (
    <div className="grid gap-6 lg:grid-cols-3">
      <Card className="lg:col-span-2" title="Blobs">
        <div className="mb-4 flex gap-2">
          <input
            className="input"
            placeholder="Search by name"
            aria-label="Search blobs"
            value={search}
            onChange={(e) => filter(() => setSearch(e.target.value))}
          />
          <select className="input w-40" aria-label="Filter by type" value={type} onChange={(e) => filter(() => setType(e.target.value))}>
            <option value="">All types</option>
            <Options values={blobTypes} />
          </select>
        </div>
        <ErrorNotice error={blobs.error} />
        <DataTable
          testId="blobs-table"
          rows={blobs.data?.blobs}
          rowKey={(blob) => blob.id}
          empty="No blobs match."
          columns={[
            {
              header: 'Name',
              cell: (blob) => (
                <>
                  <Link className="font-medium text-indigo-700 hover:underline" to={`/orgs/${org}/blobs/${blob.name}`}>
                    {blob.name}
                  </Link>
                  {blob.description && <p className="text-xs text-slate-500">{blob.description}</p>}
                </>
              ),
            },
            { header: 'Type', cell: (blob) => blob.type },
            { header: 'Visibility', cell: (blob) => <Badge value={blob.visibility} /> },
            { header: 'Updated', cell: (blob) => when(blob.updated_at), className: 'text-slate-500' },
          ]}
        />
        <Pager pages={pages} loaded={blobs.data} />
      </Card>
      {signedIn && <CreateBlob />}
    </div>
  );
}

function CreateBlob() {
  const org = useOrgName();
  const form = useForm({ name: '', type: 'workflow', visibility: 'private', description: '' });
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const create = useMutation({
    meta: { success: 'Blob created' },
    mutationFn: () =>
      api.blobs.create.mutate({
        org_id: org,
        name: form.values.name,
        type: form.values.type,
        visibility: form.values.visibility as 'private' | 'public',
        description: form.values.description || undefined,
      }),
    onSuccess: async ({ blob }) => {
      await queryClient.invalidateQueries({ queryKey: queries.blobs.list.queryKey() });
      form.reset();
      void navigate(`/orgs/${org}/blobs/${blob.name}`);
    },
  });
  return (
    <FormCard title="New blob" submit="Create blob" action={create}>
      <Field label="Name">
        <input className="input" required {...form.bind('name')} />
      </Field>
      <Field label="Type">
        <select className="input" {...form.bind('type')}>
          <Options values={blobTypes} />
        </select>
      </Field>
      <Field label="Visibility">
        <select className="input" {...form.bind('visibility')}>
          <option>private</option>
          <option>public</option>
        </select>
      </Field>
      <Field label="Description">
        <input className="input" {...form.bind('description')} />
      </Field>
    </FormCard>
  );
}
