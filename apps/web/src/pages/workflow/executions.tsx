/** A workflow blob's executions: pick a revision, search and filter (kept in the URL), see the total, page; and start a new run. */
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { api, queries } from '../../api/trpc';
import { inputDataHint, parseInputData } from '../../api/workflow';
import { useForm } from '../../ui/forms';
import { Badge, Button, Card, Duration, Empty, ErrorNotice, Field, Pager, when } from '../../ui/kit';
import { DataTable } from '../../ui/table';
import { useCursorPages } from '../../ui/paging';
import { useBlob } from '../blob/context';
import { RevisionOptions, useChosenRevision, type Revision } from '../blob/revisions';
import { ExecutionFilterBar, listFiltersOf, useExecutionFilters } from './execution-filters';

export function ExecutionsPage() {
  const { blob, base, org } = useBlob();
  const { revisions, revisionId, setParams } = useChosenRevision(blob);
  const filters = useExecutionFilters();
  const pages = useCursorPages();
  const listFilters = listFiltersOf(filters.values);
  const executions = useQuery({
    ...queries.workflow_blobhub.list_executions.queryOptions({
      revision_id: revisionId!,
      ...listFilters,
      include_total: true,
      cursor: pages.cursor,
      limit: 20,
    }),
    enabled: Boolean(revisionId),
  });
  // a new filter or revision starts again at the first page
  const [shownFilters, setShownFilters] = useState(JSON.stringify([revisionId, listFilters]));
  if (shownFilters !== JSON.stringify([revisionId, listFilters])) {
    setShownFilters(JSON.stringify([revisionId, listFilters]));
    pages.reset();
  }
  const pickRevision = (id: string) =>
    setParams((current) => {
      const next = new URLSearchParams(current);
      next.set('revision', id);
      return next;
    });
  const total = executions.data?.total;
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
          </>
        }
      >
        <ExecutionFilterBar key={`${filters.values.search}|${filters.values.component_failed}`} org={org} filters={filters} />
        {total !== undefined && (
          <p className="mb-2 text-sm text-slate-600" data-testid="executions-total" aria-live="polite">
            {total.toLocaleString()}
            {executions.data?.total_exact ? '' : '+'} {total === 1 ? 'execution' : 'executions'}
            {filters.active ? ' match' : ''}
          </p>
        )}
        <ErrorNotice error={executions.error ?? revisions.error} />
        <DataTable
          testId="executions-table"
          rows={executions.data?.executions}
          rowKey={(e) => e.id}
          empty={
            <OtherRevisions
              message={filters.active ? 'No executions of this revision match these filters.' : 'No executions on this revision.'}
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
            { header: 'Trigger', cell: (e) => e.trigger, className: 'text-slate-600' },
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
