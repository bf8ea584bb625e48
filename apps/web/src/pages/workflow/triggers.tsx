/** A workflow blob's webhook triggers: create one for a definition (its secret shown this once), list, revoke. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { CommandParams } from '../../../../../sdk/browser';
import { api, queries } from '../../api/trpc';
import { useForm } from '../../ui/forms';
import { Badge, Card, CopyButton, ErrorNotice, Field, FormCard, Options, when } from '../../ui/kit';
import { parseJsonInput } from '../../ui/json';
import { DataTable } from '../../ui/table';
import { useBlob } from '../blob/context';
import { RevisionOptions, useChosenRevision } from '../blob/revisions';

const modes = ['async', 'sync'] as const;
const auths = ['hmac', 'secret'] as const;
type InputMapping = CommandParams<'workflow_blobhub', 'create_trigger'>['input_mapping'];
const mappingHint = 'e.g. [{"alias": "n", "source": "body", "path": "/n", "type": "integer"}]; source body (JSON pointer), query or header';

export function TriggersPage() {
  const { blob } = useBlob();
  const { revisions, revisionId, setParams } = useChosenRevision(blob);
  const queryClient = useQueryClient();
  const triggers = useQuery({ ...queries.workflow_blobhub.list_triggers.queryOptions({ revision_id: revisionId!, limit: 100 }), enabled: Boolean(revisionId) });
  const refresh = () => queryClient.invalidateQueries({ queryKey: queries.workflow_blobhub.list_triggers.queryKey() });
  const revoke = useMutation({
    mutationFn: (trigger_id: string) => api.workflow_blobhub.revoke_trigger.mutate({ revision_id: revisionId!, trigger_id }),
    onSettled: refresh,
  });
  return (
    <div className="grid gap-6 lg:grid-cols-3">
      <Card
        className="lg:col-span-2"
        title="Webhook triggers"
        actions={
          <select className="input w-44" aria-label="Revision" value={revisionId ?? ''} onChange={(e) => setParams({ revision: e.target.value })}>
            <RevisionOptions revisions={revisions.data?.revisions} />
          </select>
        }
      >
        <ErrorNotice error={triggers.error ?? revoke.error} />
        <DataTable
          testId="triggers-table"
          rows={triggers.data?.triggers}
          rowKey={(t) => t.id}
          remove={{
            label: 'Revoke',
            run: (t) => revoke.mutate(t.id),
            ask: (t) => ({
              title: `Revoke the webhook trigger of ${t.alias}?`,
              message: 'Its URL answers 404 from now on. This cannot be undone: create a new trigger (a new URL and secret) to receive calls again.',
            }),
          }}
          empty="No webhook triggers on this blob."
          columns={[
            { header: 'URL', cell: (t) => t.url, className: 'font-mono text-xs break-all' },
            { header: 'Definition', cell: (t) => t.alias },
            { header: 'Mode', cell: (t) => <Badge value={t.mode} /> },
            { header: 'Auth', cell: (t) => t.auth },
            { header: 'Last used', cell: (t) => when(t.last_used_at), className: 'text-slate-500' },
          ]}
        />
      </Card>
      {revisionId && <CreateTrigger revisionId={revisionId} onCreated={() => void refresh()} />}
    </div>
  );
}

function CreateTrigger({ revisionId, onCreated }: { revisionId: string; onCreated: () => void }) {
  const definitions = useQuery(queries.workflow_blobhub.list_definitions.queryOptions({ revision_id: revisionId }));
  const form = useForm({ alias: '', mode: 'async', auth: 'hmac', mapping: '[]' });
  const alias = form.values.alias || definitions.data?.definitions[0]?.alias || '';
  const create = useMutation({
    mutationFn: () =>
      api.workflow_blobhub.create_trigger.mutate({
        revision_id: revisionId,
        alias,
        mode: form.values.mode as (typeof modes)[number],
        auth: form.values.auth as (typeof auths)[number],
        // the server checks the entries; only text that is not JSON is refused here
        input_mapping: parseJsonInput('The input mapping', form.values.mapping) as InputMapping,
      }),
    onSuccess: () => {
      form.reset();
      onCreated();
    },
  });
  const created = create.data?.trigger;
  return (
    <FormCard title="New webhook trigger" submit="Create trigger" action={create}>
      {created && (
        <div className="mb-4 rounded-md border border-amber-300 bg-amber-50 p-3 text-sm" data-testid="new-trigger-secret">
          <p className="mb-2 font-medium text-amber-900">Copy the secret now: it is shown only this once.</p>
          <div className="flex items-center gap-2">
            <code className="min-w-0 flex-1 rounded bg-white px-2 py-1 font-mono text-xs break-all" data-testid="secret">
              {created.secret}
            </code>
            <CopyButton text={created.secret} />
          </div>
          <p className="mt-2 font-mono text-xs break-all" data-testid="trigger-url">
            POST {created.url}
          </p>
          <button type="button" className="mt-2 text-xs text-amber-800 underline" onClick={() => create.reset()}>
            Done, hide it
          </button>
        </div>
      )}
      <Field label="Definition">
        <select className="input" {...form.bind('alias')} value={alias}>
          {definitions.data?.definitions.map((d) => (
            <option key={d.id}>{d.alias}</option>
          ))}
        </select>
      </Field>
      <Field label="Mode" hint="async answers 202 at once; sync waits (up to 30 s) and answers with the outputs">
        <select className="input" {...form.bind('mode')}>
          <Options values={modes} />
        </select>
      </Field>
      <Field label="Authentication" hint="hmac: a signature over timestamp and body; secret: the secret as a bearer token">
        <select className="input" {...form.bind('auth')}>
          <Options values={auths} />
        </select>
      </Field>
      <Field label="Input mapping (JSON)" hint={mappingHint}>
        <textarea className="input h-24 font-mono text-xs" {...form.bind('mapping')} />
      </Field>
    </FormCard>
  );
}
