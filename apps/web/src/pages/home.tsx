/** Signed in: my organizations and a form for a new one. Anonymous: open an organization's public blobs. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { useSession } from '../api/session';
import { api, queries } from '../api/trpc';
import { useForm } from '../ui/forms';
import { Button, Card, Empty, ErrorNotice, Field, FormCard, PageTitle, Pager, when } from '../ui/kit';
import { useCursorPages } from '../ui/paging';

export function HomePage() {
  return useSession() ? <MyOrgs /> : <PublicBrowse />;
}

function MyOrgs() {
  const pages = useCursorPages();
  const orgs = useQuery(queries.orgs.list.queryOptions({ cursor: pages.cursor, limit: 20 }));
  return (
    <div>
      <PageTitle sub="Organizations you are a member of.">Organizations</PageTitle>
      <div className="grid gap-6 lg:grid-cols-3">
        <Card className="lg:col-span-2" title="Your organizations">
          <ErrorNotice error={orgs.error} />
          {orgs.data?.orgs.length === 0 && <Empty>No organizations yet. Create one to get started.</Empty>}
          <ul className="divide-y divide-slate-100">
            {orgs.data?.orgs.map((org) => (
              <li key={org.id} className="flex items-center justify-between py-3">
                <div>
                  <Link to={`/orgs/${org.name}`} className="font-medium text-indigo-700 hover:underline">
                    {org.display_name || org.name}
                  </Link>
                  <p className="text-xs text-slate-500">
                    {org.name} · created {when(org.created_at)}
                  </p>
                </div>
                {org.description && <p className="max-w-xs truncate text-sm text-slate-500">{org.description}</p>}
              </li>
            ))}
          </ul>
          <Pager pages={pages} loaded={orgs.data} />
        </Card>
        <CreateOrg />
      </div>
    </div>
  );
}

function CreateOrg() {
  const form = useForm({ name: '', display_name: '', description: '' });
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const create = useMutation({
    meta: { success: 'Organization created' },
    mutationFn: () =>
      api.orgs.create.mutate({
        name: form.values.name,
        display_name: form.values.display_name || undefined,
        description: form.values.description || undefined,
      }),
    onSuccess: async ({ org }) => {
      await queryClient.invalidateQueries({ queryKey: queries.orgs.list.queryKey() });
      form.reset();
      void navigate(`/orgs/${org.name}`);
    },
  });
  return (
    <FormCard title="New organization" submit="Create organization" action={create}>
      <Field label="Name" hint="Lowercase letters, digits and dashes; used in URLs.">
        <input className="input" required {...form.bind('name')} />
      </Field>
      <Field label="Display name">
        <input className="input" {...form.bind('display_name')} />
      </Field>
      <Field label="Description">
        <input className="input" {...form.bind('description')} />
      </Field>
    </FormCard>
  );
}

function PublicBrowse() {
  const [org, setOrg] = useState('');
  const navigate = useNavigate();
  const open = (e: FormEvent) => {
    e.preventDefault();
    void navigate(`/orgs/${org.trim().toLowerCase()}`);
  };
  return (
    <div className="mx-auto mt-10 max-w-lg">
      <PageTitle sub="Typed, versioned workflows, schedules and models, run on Temporal.">Welcome to BlobHub</PageTitle>
      <Card title="Browse public blobs">
        <form className="flex items-end gap-2" onSubmit={open}>
          <div className="flex-1">
            <Field label="Organization">
              <input className="input" placeholder="e.g. acme" required value={org} onChange={(e) => setOrg(e.target.value)} />
            </Field>
          </div>
          <Button kind="primary" type="submit">
            Open
          </Button>
        </form>
        <p className="mt-4 text-sm text-slate-500">
          Or{' '}
          <Link to="/signin" className="text-indigo-700 underline">
            sign in
          </Link>{' '}
          to see your organizations.
        </p>
      </Card>
    </div>
  );
}
