/** Runs the model on typed inputs: one row per graph input (type, dims, values) and the outputs it returns. */
import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import type { ModelDescription, TensorInput } from '../../api/onnx';
import { api } from '../../api/trpc';
import { InputError } from '../../ui/json';
import { Button, Card, ErrorNotice, Field } from '../../ui/kit';

type Draft = { type: string; dims: string; data: string };

/** Symbolic or unknown dims start at 1, so the first run of a batch model needs no edit. */
const draftOf = (t: ModelDescription['inputs'][number]): Draft => ({
  type: t.type,
  dims: (t.shape ?? [1]).map((d) => (typeof d === 'number' ? d : 1)).join(', '),
  data: '',
});

const list = (text: string) =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

function tensorOf(name: string, draft: Draft): TensorInput {
  const dims = list(draft.dims).map(Number);
  if (dims.some((d) => !Number.isInteger(d) || d < 0)) throw new InputError(`${name}: dims must be whole numbers, e.g. 1, 3`);
  const values = list(draft.data);
  const data = draft.type === 'string' ? values : draft.type === 'bool' ? values.map((v) => v === 'true') : values.map(Number);
  if (data.some((v) => typeof v === 'number' && Number.isNaN(v))) throw new InputError(`${name}: the values must be numbers separated by commas`);
  return { type: draft.type, dims, data };
}

export function TryModel({ revisionId, model }: { revisionId: string; model: ModelDescription }) {
  const [drafts, setDrafts] = useState<Record<string, Draft>>(() => Object.fromEntries(model.inputs.map((t) => [t.name, draftOf(t)])));
  const draftFor = (t: ModelDescription['inputs'][number]) => drafts[t.name] ?? draftOf(t);
  const set = (t: ModelDescription['inputs'][number], key: keyof Draft, value: string) =>
    setDrafts((d) => ({ ...d, [t.name]: { ...(d[t.name] ?? draftOf(t)), [key]: value } }));
  const run = useMutation({
    mutationFn: () =>
      api.onnx_blobhub.run.query({ revision_id: revisionId, inputs: Object.fromEntries(Object.entries(drafts).map(([name, d]) => [name, tensorOf(name, d)])) }),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    run.mutate();
  };
  return (
    <Card title="Try it">
      <form className="space-y-4" onSubmit={submit}>
        {model.inputs.map((t) => (
          <fieldset key={t.name} className="grid grid-cols-[8rem_8rem_1fr] gap-2">
            <legend className="mb-1 font-mono text-sm font-semibold">{t.name}</legend>
            <Field label={`${t.name} type`}>
              <input className="input" value={draftFor(t).type} onChange={(e) => set(t, 'type', e.target.value)} />
            </Field>
            <Field label={`${t.name} dims`}>
              <input className="input font-mono" value={draftFor(t).dims} onChange={(e) => set(t, 'dims', e.target.value)} />
            </Field>
            <Field label={`${t.name} values`} hint="comma separated, row by row">
              <input className="input font-mono" value={draftFor(t).data} onChange={(e) => set(t, 'data', e.target.value)} />
            </Field>
          </fieldset>
        ))}
        <ErrorNotice error={run.error} />
        <Button kind="primary" type="submit" busy={run.isPending}>
          Run model
        </Button>
      </form>
      {run.data && (
        <div className="mt-4 space-y-2" data-testid="model-outputs-result">
          {Object.entries(run.data.outputs).map(([name, out]) => (
            <div key={name} className="rounded-md bg-slate-50 p-2 text-sm">
              <p className="font-mono font-semibold">
                {name}{' '}
                <span className="font-normal text-slate-500">
                  {out.type} [{out.dims.join(', ')}]
                </span>
              </p>
              <p className="font-mono text-xs" data-testid={`output-${name}`}>
                {out.data.join(', ')}
              </p>
            </div>
          ))}
        </div>
      )}
    </Card>
  );
}
