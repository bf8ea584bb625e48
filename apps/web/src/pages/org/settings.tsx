/** An organization's display name and description; deleting it (type its name to confirm). */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { api, queries } from '../../api/trpc';
import { Button, Card, ErrorNotice, Field } from '../../ui/kit';
import { useOrgName } from './layout';

export function OrgSettings() {
  const org = useOrgName();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const current = useQuery(queries.orgs.get.queryOptions({ org_id: org }));
  const [values, setValues] = useState({ display_name: '', description: '' });
  useEffect(() => {
    if (current.data) setValues({ display_name: current.data.org.display_name ?? '', description: current.data.org.description ?? '' });
  }, [current.data]);
  const save = useMutation({
    meta: { success: 'Settings saved' },
    mutationFn: () => api.orgs.update.mutate({ org_id: org, ...values }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queries.orgs.get.queryKey({ org_id: org }) }),
  });
  const [confirm, setConfirm] = useState('');
  const remove = useMutation({
    meta: { success: 'Organization deleted' },
    mutationFn: () => api.orgs.delete.mutate({ org_id: org }),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: queries.orgs.list.queryKey() });
      void navigate('/');
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate();
  };
  return (
    <div className="grid max-w-2xl gap-6">
      <Card title="Settings">
        <form className="space-y-3" onSubmit={submit}>
          <Field label="Display name">
            <input className="input" value={values.display_name} onChange={(e) => setValues({ ...values, display_name: e.target.value })} />
          </Field>
          <Field label="Description">
            <textarea className="input" value={values.description} onChange={(e) => setValues({ ...values, description: e.target.value })} />
          </Field>
          <ErrorNotice error={save.error} />
          {save.isSuccess && <p className="text-sm text-emerald-700">Saved.</p>}
          <Button kind="primary" type="submit" busy={save.isPending}>
            Save
          </Button>
        </form>
      </Card>
      <Card title="Delete this organization">
        <p className="mb-3 text-sm text-slate-600">This deletes every blob, revision and execution record in it. Type the organization’s name to confirm.</p>
        <div className="flex gap-2">
          <input className="input" aria-label="Organization name to confirm" value={confirm} onChange={(e) => setConfirm(e.target.value)} />
          <Button kind="danger" disabled={confirm !== current.data?.org.name} busy={remove.isPending} onClick={() => remove.mutate()}>
            Delete
          </Button>
        </div>
        <div className="mt-3">
          <ErrorNotice error={remove.error} />
        </div>
      </Card>
    </div>
  );
}
