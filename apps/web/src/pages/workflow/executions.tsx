/** A workflow blob's executions: pick a revision, filter by status, page; and start a new run. */
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { api, queries } from '../../api/trpc';
import { inputDataHint, parseInputData, type ExecutionStatus } from '../../api/workflow';
import { useForm } from '../../ui/forms';
import { Badge, Button, Card, Duration, Empty, ErrorNotice, Field, Options, Pager, when } from '../../ui/kit';
import { DataTable } from '../../ui/table';
import { useCursorPages } from '../../ui/paging';
import { useBlob } from '../blob/context';
import { RevisionOptions, useChosenRevision, type Revision } from '../blob/revisions';

export const executionStatuses: ExecutionStatus[] = ['pending', 'running', 'succeeded', 'failed', 'cancelled', 'timed_out'];

export function ExecutionsPage() {
  const { blob, base } = useBlob();
  const { revisions, revisionId, setParams } = useChosenRevision(blob);
  const [status, setStatus] = useState<ExecutionStatus | ''>('');
  const pages = useCursorPages();
  const filters = { status: status || undefined, cursor: pages.cursor, limit: 20 };
  const executions = useQuery({
    ...queries.workflow_blobhub.list_executions.queryOptions({ revision_id: revisionId!, ...filters }),
    enabled: Boolean(revisionId),
  });
  const pickRevision = (id: string) => {
    setParams({ revision: id });
    pages.reset();
  };
  return (
    <div className="grid gap-6 lg:grid-cols-3">
      <Card
        className="lg:col-span-2"
        title="Executions"
        actions={
          <>
            <label className="flex items-center gap-2 text-xs font-medium text-slate-600">
              Runs of
              <select className="input w-44" aria-label="Revision" value={revisionId ?? ''} onChange={(e) => pickRevision(e.target.value)}>
                <RevisionOptions revisions={revisions.data?.revisions} />
              </select>
            </label>
            <select
              className="input w-36"
              aria-label="Status"
              value={status}
              onChange={(e) => {
                setStatus(e.target.value as ExecutionStatus | '');
                pages.reset();
              }}
            >
              <option value="">Any status</option>
              <Options values={executionStatuses} />
            </select>
          </>
        }
      >
        <ErrorNotice error={executions.error ?? revisions.error} />
        <DataTable
          testId="executions-table"
          rows={executions.data?.executions}
          rowKey={(e) => e.id}
          empty={
            <OtherRevisions
              message={`No executions on this revision${status && ` with status ${status}`}.`}
              revisions={revisions.data?.revisions.filter((r) => r.id !== revisionId)}
              pick={pickRevision}
            />
          }
          columns={[
            {
              header: 'Execution',
              cell: (e) => (
                <Link className="font-mono text-xs text-indigo-700 hover:underline" to={`${base}/revisions/${e.revision_id}/executions/${e.id}`}>
                  {e.id}
                </Link>
              ),
            },
            { header: 'Definition', cell: (e) => e.alias },
            { header: 'Status', cell: (e) => <Badge value={e.status} /> },
            { header: 'Created', cell: (e) => when(e.created_at), className: 'text-slate-600' },
            { header: 'Duration', cell: (e) => <Duration start={e.started_at} end={e.ended_at} />, className: 'text-slate-600' },
          ]}
        />
        <Pager pages={pages} loaded={executions.data} />
      </Card>
      {revisionId && <RunForm revisionId={revisionId} />}
    </div>
  );
}

/** An empty revision's list points at the others: runs stay with the revision they ran on (a new draft starts with none). */
function OtherRevisions({ message, revisions, pick }: { message: string; revisions?: Revision[]; pick: (id: string) => void }) {
  return (
    <span className="flex flex-col items-center gap-2" data-testid="other-revisions">
      <span>{message}</span>
      {revisions && revisions.length > 0 && (
        <span className="flex flex-wrap items-center justify-center gap-2">
          Runs of other revisions:
          {revisions.map((r) => (
            <Button key={r.id} onClick={() => pick(r.id)}>
              Revision {r.number} ({r.phase})
            </Button>
          ))}
        </span>
      )}
    </span>
  );
}

function RunForm({ revisionId }: { revisionId: string }) {
  const { base } = useBlob();
  const navigate = useNavigate();
  const definitions = useQuery(queries.workflow_blobhub.list_definitions.queryOptions({ revision_id: revisionId }));
  const form = useForm({ alias: '', inputs: '[]' });
  const alias = form.values.alias || definitions.data?.definitions[0]?.alias || '';
  const run = useMutation({
    mutationFn: () => api.workflow_blobhub.create_execution.mutate({ revision_id: revisionId, alias, input_data: parseInputData(form.values.inputs) }),
    onSuccess: ({ execution }) => navigate(`${base}/revisions/${revisionId}/executions/${execution.id}`),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    run.mutate();
  };
  return (
    <Card title="Run a definition">
      {definitions.data?.definitions.length === 0 ? (
        <Empty>This revision has no definitions yet.</Empty>
      ) : (
        <form className="space-y-3" onSubmit={submit}>
          <Field label="Definition">
            <select className="input" {...form.bind('alias')} value={alias}>
              {definitions.data?.definitions.map((d) => (
                <option key={d.id}>{d.alias}</option>
              ))}
            </select>
          </Field>
          <Field label="Input data (JSON)" hint={inputDataHint}>
            <textarea className="input h-28 font-mono text-xs" {...form.bind('inputs')} />
          </Field>
          <ErrorNotice error={run.error ?? definitions.error} />
          <Button kind="primary" type="submit" busy={run.isPending}>
            Run
          </Button>
        </form>
      )}
    </Card>
  );
}
