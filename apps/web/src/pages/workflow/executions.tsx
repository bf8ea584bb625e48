/** A workflow blob's executions: pick a revision, filter by status, page; and start a new run. */
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { api, queries } from '../../api/trpc';
import { inputDataHint, parseInputData, type ExecutionStatus } from '../../api/workflow';
import { useForm } from '../../ui/forms';
import { Badge, Button, Card, Empty, ErrorNotice, Field, Options, Pager, duration, when } from '../../ui/kit';
import { DataTable } from '../../ui/table';
import { useCursorPages } from '../../ui/paging';
import { useBlob } from '../blob/context';
import { RevisionOptions, useChosenRevision } from '../blob/revisions';

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
            <select className="input w-44" aria-label="Revision" value={revisionId ?? ''} onChange={(e) => pickRevision(e.target.value)}>
              <RevisionOptions revisions={revisions.data?.revisions} />
            </select>
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
          empty={`No executions on this revision${status && ` with status ${status}`}.`}
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
            { header: 'Started', cell: (e) => when(e.started_at ?? e.created_at), className: 'text-slate-500' },
            { header: 'Duration', cell: (e) => duration(e.started_at, e.ended_at), className: 'text-slate-500' },
          ]}
        />
        <Pager pages={pages} loaded={executions.data} />
      </Card>
      {revisionId && <RunForm revisionId={revisionId} />}
    </div>
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
