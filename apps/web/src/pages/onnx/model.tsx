/** An ONNX blob's model on one revision: upload with progress, its description, download, and a "try it" form. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { discardUpload, uploadModel, type ModelDescription, type UploadProgress } from '../../api/onnx';
import { isSameFile, uploadSessions } from '../../api/upload-session';
import { errorCodeOf } from '../../api/errors';
import { api, queries } from '../../api/trpc';
import { Badge, Button, Card, Empty, ErrorNotice, Field } from '../../ui/kit';
import { DataTable } from '../../ui/table';
import { useBlob } from '../blob/context';
import { RevisionOptions, useChosenRevision } from '../blob/revisions';
import { ModelUsage } from './usage';
import { TryModel } from './try-model';

/** How often the revision is read while the server validates and describes an upload. */
const PROCESSING_POLL_MS = 1000;

const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

export const shapeText = (shape: ModelDescription['inputs'][number]['shape']) => (shape ? `[${shape.map((d) => d ?? '?').join(', ')}]` : 'unknown');

export function OnnxModelPage() {
  const { blob } = useBlob();
  const { revisions, revisionId, setParams } = useChosenRevision(blob);
  const revision = useQuery({
    ...queries.revisions.get.queryOptions({ revision_id: revisionId! }),
    enabled: Boolean(revisionId),
    refetchInterval: (q) => (q.state.data?.revision.status === 'processing' ? PROCESSING_POLL_MS : false),
  });
  const status = revision.data?.revision.status;
  const describe = queries.onnx_blobhub.describe.queryOptions({ revision_id: revisionId! });
  const described = useQuery({
    ...describe,
    // Keyed by the revision's status too: the model is read anew once processing is over.
    queryKey: [...describe.queryKey, status],
    enabled: Boolean(revisionId) && status === 'ready',
    retry: false,
  });
  const model = described.data?.model;
  // A revision nothing was uploaded to answers not_found: that is the empty state, not an error.
  const noModel = (described.data && !model) || errorCodeOf(described.error) === 'NOT_FOUND';
  return (
    <div className="grid gap-6 lg:grid-cols-3">
      <div className="min-w-0 space-y-6 lg:col-span-2">
        <Card
          title="Model"
          actions={
            <>
              {status && <Badge value={status} />}
              <select className="input w-44" aria-label="Revision" value={revisionId ?? ''} onChange={(e) => setParams({ revision: e.target.value })}>
                <RevisionOptions revisions={revisions.data?.revisions} />
              </select>
            </>
          }
        >
          <ErrorNotice error={revision.error ?? (noModel ? null : described.error)} />
          {status === 'failed' && <p className="text-sm text-red-700">The last upload failed: {revision.data?.revision.status_reason}</p>}
          {status === 'processing' && <p className="text-sm text-slate-600">Validating and describing the model…</p>}
          {noModel && <Empty>No model on this revision yet.</Empty>}
          {model && revisionId && <ModelDescriptionView revisionId={revisionId} model={model} />}
        </Card>
        {model && revisionId && <TryModel revisionId={revisionId} model={model} />}
        {model && revisionId && <ModelUsage revisionId={revisionId} />}
      </div>
      {revisionId && revision.data?.revision.phase === 'draft' && <UploadCard key={revisionId} revisionId={revisionId} />}
    </div>
  );
}

function ModelDescriptionView({ revisionId, model }: { revisionId: string; model: ModelDescription }) {
  const download = useMutation({
    mutationFn: () => api.onnx_blobhub.initiate_download.query({ revision_id: revisionId }),
    onSuccess: ({ url }) => window.location.assign(url),
  });
  const tensors = (testId: string, rows: ModelDescription['inputs']) => (
    <DataTable
      testId={testId}
      rows={rows}
      rowKey={(t) => t.name}
      empty="none"
      columns={[
        { header: 'Name', cell: (t) => <span className="font-mono text-xs">{t.name}</span> },
        { header: 'Type', cell: (t) => t.type },
        { header: 'Dims', cell: (t) => <span className="font-mono text-xs">{shapeText(t.shape)}</span> },
      ]}
    />
  );
  const facts: [string, string][] = [
    ['Graph', model.graph_name ?? '—'],
    ['Size', `${mib(model.size)} MiB`],
    ['SHA-256', model.sha256],
    ['IR version', String(model.ir_version ?? '—')],
    ['Opsets', model.opset_imports.map((o) => `${o.domain || 'ai.onnx'} ${o.version}`).join(', ')],
    ['Producer', [model.producer_name, model.producer_version].filter(Boolean).join(' ') || '—'],
    ['Parameters', model.parameter_count.toLocaleString('en-US')],
    ['Initializers', String(model.initializer_count)],
    ['Nodes', String(model.node_count)],
  ];
  return (
    <div className="space-y-4" data-testid="model-description">
      <dl className="grid grid-cols-[10rem_1fr] gap-x-4 gap-y-1 text-sm">
        {facts.map(([label, value]) => (
          <div key={label} className="contents">
            <dt className="text-slate-500">{label}</dt>
            <dd className="break-all" data-testid={`fact-${label}`}>
              {value}
            </dd>
          </div>
        ))}
      </dl>
      <div>
        <p className="label">Inputs</p>
        {tensors('model-inputs', model.inputs)}
      </div>
      <div>
        <p className="label">Outputs</p>
        {tensors('model-outputs', model.outputs)}
      </div>
      <div>
        <p className="label">Metadata</p>
        <DataTable
          testId="model-metadata"
          rows={Object.entries(model.metadata_props).map(([key, value]) => ({ key, value }))}
          rowKey={(m) => m.key}
          empty="none"
          columns={[
            { header: 'Key', cell: (m) => <span className="font-mono text-xs">{m.key}</span> },
            { header: 'Value', cell: (m) => m.value },
          ]}
        />
      </div>
      <ErrorNotice error={download.error} />
      <Button onClick={() => download.mutate()} busy={download.isPending}>
        Download model
      </Button>
    </div>
  );
}

function UploadCard({ revisionId }: { revisionId: string }) {
  const client = useQueryClient();
  const [file, setFile] = useState<File | null>(null);
  const [progress, setProgress] = useState<UploadProgress | null>(null);
  // An upload a reload (or a closed tab) interrupted, found in this browser's storage.
  const [interrupted, setInterrupted] = useState(() => uploadSessions.load(revisionId));
  const upload = useMutation({
    meta: { success: 'Model uploaded: the server is reading it' },
    mutationFn: (chosen: File) => uploadModel(revisionId, chosen, setProgress),
    onSuccess: () => {
      setInterrupted(null);
      return client.invalidateQueries({ queryKey: queries.revisions.get.queryKey({ revision_id: revisionId }) });
    },
  });
  const discard = useMutation({
    meta: { success: 'Interrupted upload discarded' },
    mutationFn: (operationId: string) => discardUpload(revisionId, operationId),
    onSuccess: () => setInterrupted(null),
  });
  const percent = Math.round((progress?.share ?? 0) * 100);
  const pickedOther = interrupted && file && !isSameFile(interrupted, file);
  return (
    <Card title="Upload a model">
      <div className="space-y-3">
        {interrupted && !upload.isPending && !progress && (
          <div className="rounded-md border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900" data-testid="upload-interrupted">
            <p>
              An upload of {interrupted.file.name} ({mib(interrupted.file.size)} MiB) was interrupted after {interrupted.finished.length} parts. Pick the same
              file again to resume it.
            </p>
            {pickedOther && <p className="mt-1">This is another file: uploading it discards the interrupted upload.</p>}
            <ErrorNotice error={discard.error} />
            <Button className="mt-2" onClick={() => discard.mutate(interrupted.operation_id)} busy={discard.isPending}>
              Discard the interrupted upload
            </Button>
          </div>
        )}
        <Field label="ONNX file">
          <input className="input" type="file" accept=".onnx" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
        </Field>
        {progress && (
          <div>
            {progress.resumedParts > 0 && (
              <p className="mb-1 text-xs text-slate-600" data-testid="upload-resuming">
                Resuming: {progress.resumedParts} of {progress.parts} parts were already on the server
              </p>
            )}
            <div
              className="h-2 overflow-hidden rounded-full bg-slate-200"
              role="progressbar"
              aria-label="Upload progress"
              aria-valuemin={0}
              aria-valuemax={100}
              aria-valuenow={percent}
            >
              <div className="h-full bg-indigo-600 transition-[width]" style={{ width: `${percent}%` }} />
            </div>
            <p className="mt-1 text-xs text-slate-600" data-testid="upload-progress">
              {percent}% of {mib(file?.size ?? 0)} MiB in {progress.parts} parts{upload.isSuccess ? ' — uploaded' : ''}
            </p>
          </div>
        )}
        <ErrorNotice error={upload.error} />
        <Button kind="primary" disabled={!file} busy={upload.isPending} onClick={() => file && upload.mutate(file)}>
          {interrupted && file && !pickedOther ? 'Resume upload' : 'Upload'}
        </Button>
      </div>
    </Card>
  );
}
