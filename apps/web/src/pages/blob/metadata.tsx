/** Metadata of the blob or of one of its revisions: JSON values by key, added, edited, removed. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, queries } from '../../api/trpc';
import { useForm } from '../../ui/forms';
import { parseJsonInput } from '../../ui/json';
import { ConfirmButton } from '../../ui/confirm';
import { Button, Card, Empty, ErrorNotice, Field } from '../../ui/kit';
import { ScrollX } from '../../ui/table';
import { useBlob } from './context';
import { useRevisions } from './revisions';

type Target = { target: 'blobs' | 'revisions'; target_id: string };

export function BlobMetadata() {
  const { blob } = useBlob();
  const revisions = useRevisions(blob.id);
  const [targetKey, setTargetKey] = useState(`blobs:${blob.id}`);
  const [kind, id] = targetKey.split(':') as ['blobs' | 'revisions', string];
  const target: Target = { target: kind, target_id: id };
  return (
    <Card
      title="Metadata"
      actions={
        <select className="input w-56" aria-label="Metadata of" value={targetKey} onChange={(e) => setTargetKey(e.target.value)}>
          <option value={`blobs:${blob.id}`}>This blob</option>
          {revisions.data?.revisions.map((r) => (
            <option key={r.id} value={`revisions:${r.id}`}>
              Revision {r.number} ({r.phase})
            </option>
          ))}
        </select>
      }
    >
      <MetadataEditor key={targetKey} target={target} />
    </Card>
  );
}

function MetadataEditor({ target }: { target: Target }) {
  const queryClient = useQueryClient();
  const metadata = queries.metadata.list.queryOptions(target);
  const list = useQuery(metadata);
  const form = useForm({ key: '', value: '' });
  const refresh = () => queryClient.invalidateQueries({ queryKey: metadata.queryKey });
  const save = useMutation({
    meta: { success: 'Metadata saved' },
    mutationFn: (entry: { key: string; value: string }) =>
      api.metadata.put.mutate({ ...target, key: entry.key, value: parseJsonInput('The value', entry.value) }),
    onSuccess: () => {
      form.reset();
      return refresh();
    },
  });
  const remove = useMutation({
    mutationFn: (key: string) => api.metadata.delete.mutate({ ...target, key }),
    onSuccess: refresh,
    meta: { success: 'Metadata key removed' },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate(form.values);
  };
  const entries = Object.entries(list.data?.metadata ?? {});
  return (
    <div className="space-y-4">
      <ErrorNotice error={list.error ?? remove.error} />
      {list.data && entries.length === 0 && <Empty>No metadata yet.</Empty>}
      {entries.length > 0 && (
        <ScrollX>
          <table className="table" data-testid="metadata-table">
            <thead>
              <tr>
                <th>Key</th>
                <th>Value</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {entries.map(([key, value]) => (
                <tr key={key}>
                  <td className="font-mono text-xs">{key}</td>
                  <td>
                    <code className="text-xs break-all">{JSON.stringify(value)}</code>
                  </td>
                  <td className="space-x-2 text-right whitespace-nowrap">
                    <Button onClick={() => form.set({ key, value: JSON.stringify(value) })}>Edit</Button>
                    <ConfirmButton
                      title={`Remove the metadata key ${key}?`}
                      message="Its value is deleted; set the key again to undo."
                      confirm="Remove"
                      onConfirm={() => remove.mutate(key)}
                    >
                      Remove
                    </ConfirmButton>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollX>
      )}
      <form className="grid items-end gap-2 sm:grid-cols-[12rem_1fr_auto]" onSubmit={submit}>
        <Field label="Key">
          <input className="input font-mono" required placeholder="e.g. owner" {...form.bind('key')} />
        </Field>
        <Field label="Value (JSON)">
          <input className="input font-mono" required placeholder='e.g. "team-a" or {"tier": 1}' {...form.bind('value')} />
        </Field>
        <Button kind="primary" type="submit" busy={save.isPending}>
          Set
        </Button>
      </form>
      <ErrorNotice error={save.error} />
    </div>
  );
}
