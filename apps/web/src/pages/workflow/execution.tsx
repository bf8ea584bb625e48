/**
 * One execution: status, inputs and outputs, each component's run, and the event timeline, which
 * fills in live over the realtime WebSocket. Cancel, signal, the run in the Temporal UI; once it
 * has ended, rerun it (from the start or from a component) and see its lineage.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { lazy, Suspense, type FormEvent } from 'react';
import { useParams } from 'react-router';
import { api, queries } from '../../api/trpc';
import type { Execution } from '../../api/workflow';
import { useExecutionEvents } from '../../live/use-live-events';
import type { ConnectionState } from '../../live/realtime';
import { useForm } from '../../ui/forms';
import { parseJsonInput } from '../../ui/json';
import { ConfirmButton } from '../../ui/confirm';
import { Badge, Button, Card, Duration, ErrorNotice, when } from '../../ui/kit';
import { componentRuns, endedStatuses, liveStatus, runBadge, type ComponentRun } from './components';
import { LineageCard, RerunButton } from './rerun';
import { RunTimeline } from './run-timeline';
import { DataEntries } from './values';
/** The row is written just after the closing events: re-read it until it says so too. */
const REREAD_MS = 200;
/** The graph (React Flow) is loaded when an execution is opened, not with the app. */
const RunGraph = lazy(() => import('./run-graph'));
const runDetailsId = (componentId: string) => `run-${componentId}`;

export function ExecutionPage() {
  const { revision: revisionId, execution: executionId } = useParams() as { revision: string; execution: string };
  const queryClient = useQueryClient();
  const read = queries.workflow_blobhub.get_execution.queryOptions({ revision_id: revisionId, execution_id: executionId });
  const live = useExecutionEvents(revisionId, executionId, (event) => {
    if (event.type === 'execution_started' || event.type === 'execution_ended') void queryClient.invalidateQueries({ queryKey: read.queryKey });
  });
  const status = liveStatus(live.events);
  const execution = useQuery({
    ...read,
    refetchInterval: (query) => (status && endedStatuses.has(status) && query.state.data?.execution.status !== status ? REREAD_MS : false),
  });
  if (!execution.data) return <ErrorNotice error={execution.error} />;
  const { execution: row } = execution.data;
  const shownStatus = endedStatuses.has(row.status) ? row.status : (status ?? row.status);
  return (
    <div className="space-y-6">
      <Card
        title={
          <span className="flex items-center gap-3">
            <span>Execution of {row.alias}</span>
            <span data-testid="execution-status">
              <Badge value={shownStatus} />
            </span>
            <LiveIndicator state={live.state} detail={live.detail} />
          </span>
        }
        actions={<ExecutionActions revisionId={revisionId} execution={row} ended={endedStatuses.has(shownStatus)} />}
      >
        <dl className="grid grid-cols-2 gap-x-6 gap-y-2 text-sm md:grid-cols-4">
          <Fact label="Execution" value={<span className="font-mono text-xs">{row.id}</span>} />
          <Fact label="Created" value={when(row.created_at)} />
          <Fact label="Duration" value={<Duration start={row.started_at} end={row.ended_at} testId="duration" />} />
          <Fact
            label="Temporal"
            value={
              <a className="text-indigo-700 hover:underline" href={row.temporal.ui_url} target="_blank" rel="noreferrer">
                Open in Temporal UI ↗
              </a>
            }
          />
        </dl>
        {row.error != null && (
          <div className="mt-4">
            <p className="label">Error</p>
            <pre className="rounded-md bg-red-50 p-3 text-xs text-red-800">{JSON.stringify(row.error, null, 2)}</pre>
          </div>
        )}
        <div className="mt-4 grid gap-4 md:grid-cols-2">
          <DataEntries label="Input data" entries={row.input_data} revisionId={revisionId} executionId={executionId} />
          <DataEntries label="Output data" entries={row.output_data} revisionId={revisionId} executionId={executionId} />
        </div>
      </Card>
      <div className="grid gap-6 xl:grid-cols-[minmax(0,3fr)_minmax(0,2fr)]">
        <Card title="Graph">
          <Suspense fallback={<p className="text-sm text-slate-600">Loading the graph…</p>}>
            <RunGraph
              revisionId={revisionId}
              alias={row.alias}
              runs={componentRuns(live.events, shownStatus)}
              ended={endedStatuses.has(shownStatus)}
              detailsOf={runDetailsId}
            />
          </Suspense>
        </Card>
        <Card title="Timeline">
          <RunTimeline runs={componentRuns(live.events, shownStatus)} start={row.started_at} end={row.ended_at} />
        </Card>
      </div>
      <div className="grid gap-6 lg:grid-cols-2">
        <Components revisionId={revisionId} executionId={executionId} events={live.events} status={shownStatus} />
        <Timeline events={live.events} />
      </div>
      <LineageCard revisionId={revisionId} executionId={executionId} status={shownStatus} />
    </div>
  );
}

function Fact({ label, value }: { label: string; value: React.ReactNode }) {
  return (
    <div>
      <dt className="label">{label}</dt>
      <dd>{value}</dd>
    </div>
  );
}

const stateLooks: Record<ConnectionState, string> = {
  connecting: 'bg-slate-300',
  live: 'bg-emerald-500',
  reconnecting: 'bg-amber-500 animate-pulse',
  closed: 'bg-red-500',
};

export function LiveIndicator({ state, detail }: { state: ConnectionState; detail?: string }) {
  return (
    <span className="flex items-center gap-1.5 text-xs font-normal text-slate-500" data-testid="live-state" data-state={state} title={detail}>
      <span className={`size-2 rounded-full ${stateLooks[state]}`} />
      {state}
      {detail && `: ${detail}`}
    </span>
  );
}

function ExecutionActions({ revisionId, execution, ended }: { revisionId: string; execution: Execution; ended: boolean }) {
  const queryClient = useQueryClient();
  const cancel = useMutation({
    mutationFn: () => api.workflow_blobhub.cancel_execution.mutate({ revision_id: revisionId, execution_id: execution.id }),
    onSuccess: () =>
      queryClient.invalidateQueries({ queryKey: queries.workflow_blobhub.get_execution.queryKey({ revision_id: revisionId, execution_id: execution.id }) }),
    meta: { success: 'Cancel requested: the execution stops at its next step' },
  });
  const form = useForm({ name: '', payload: '{}' });
  const signal = useMutation({
    mutationFn: () =>
      api.workflow_blobhub.signal_execution.mutate({
        revision_id: revisionId,
        execution_id: execution.id,
        name: form.values.name,
        payload: parseJsonInput('The payload', form.values.payload),
      }),
    onSuccess: () => form.reset(),
    meta: { success: 'Signal sent' },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    signal.mutate();
  };
  if (ended)
    return (
      <RerunButton revisionId={revisionId} executionId={execution.id}>
        Rerun
      </RerunButton>
    );
  return (
    <div className="flex flex-col items-end gap-2">
      <div className="flex items-center gap-2">
        <form className="flex items-center gap-2" onSubmit={submit}>
          <input className="input w-32" aria-label="Signal name" placeholder="signal name" required {...form.bind('name')} />
          <input className="input w-32 font-mono" aria-label="Signal payload" {...form.bind('payload')} />
          <Button type="submit" busy={signal.isPending}>
            Signal
          </Button>
        </form>
        <ConfirmButton
          busy={cancel.isPending}
          title="Cancel this execution?"
          message="The component running now is stopped and no further component runs. This cannot be undone; run the definition again to start over."
          confirm="Cancel execution"
          onConfirm={() => cancel.mutate()}
        >
          Cancel execution
        </ConfirmButton>
      </div>
      <ErrorNotice error={cancel.error ?? signal.error} />
      {signal.isSuccess && <p className="text-xs text-emerald-700">Signal sent.</p>}
    </div>
  );
}

function Components({
  revisionId,
  executionId,
  events,
  status,
}: {
  revisionId: string;
  executionId: string;
  events: Parameters<typeof componentRuns>[0];
  status: string;
}) {
  const runs = componentRuns(events, status);
  return (
    <Card title="Components">
      {runs.length === 0 && <p className="text-sm text-slate-500">No component has run yet.</p>}
      <ul className="space-y-3" data-testid="components">
        {runs.map((run) => (
          <li
            key={run.id}
            id={runDetailsId(run.id)}
            className="rounded-md border border-slate-200 p-3"
            data-testid={`component-${run.id}`}
            data-state={run.state}
          >
            <div className="flex items-center justify-between">
              <p className="font-medium">
                {run.name} <span className="text-xs font-normal text-slate-500">{run.type}</span>
              </p>
              <span className="flex items-center gap-2">
                {endedStatuses.has(status) && (
                  <RerunButton revisionId={revisionId} executionId={executionId} fromComponent={run.id}>
                    Rerun from here
                  </RerunButton>
                )}
                <Badge value={runBadge(run.state)} />
              </span>
            </div>
            <p className="text-xs text-slate-500">
              {run.route && `route ${run.route} · `}
              {run.durationMs !== undefined && `${run.durationMs} ms · `}
              {run.attempt !== undefined && `attempt ${run.attempt}`}
            </p>
            <RunDetails run={run} revisionId={revisionId} executionId={executionId} />
          </li>
        ))}
      </ul>
    </Card>
  );
}

/** What one component run left: its logs, its stored outputs and its errors. */
export function RunDetails({ run, revisionId, executionId }: { run: ComponentRun; revisionId: string; executionId: string }) {
  return (
    <>
      {run.logs.length > 0 && <pre className="mt-2 rounded bg-slate-50 p-2 font-mono text-xs">{run.logs.join('\n')}</pre>}
      {run.dataOutputs.map((output) => (
        <StoredOutput key={output.dataId} revisionId={revisionId} executionId={executionId} {...output} />
      ))}
      {run.errors.map((error) => (
        <p key={error} className="mt-2 rounded bg-red-50 p-2 text-xs text-red-800">
          {error}
        </p>
      ))}
    </>
  );
}

/** An output stored with `persist`, read on demand with get_execution_data. */
export function StoredOutput({ revisionId, executionId, route, dataId }: { revisionId: string; executionId: string; route: string; dataId: string }) {
  const data = useQuery(queries.workflow_blobhub.get_execution_data.queryOptions({ revision_id: revisionId, execution_id: executionId, data_id: dataId }));
  return (
    <div className="mt-2">
      <p className="text-xs text-slate-500">output {route}</p>
      <ErrorNotice error={data.error} />
      {data.data && <pre className="rounded bg-slate-50 p-2 font-mono text-xs">{JSON.stringify(data.data.data.value, null, 2)}</pre>}
    </div>
  );
}

function Timeline({ events }: { events: Parameters<typeof componentRuns>[0] }) {
  return (
    <Card title={`Events (${events.length})`}>
      <ol className="max-h-[32rem] space-y-1 overflow-auto font-mono text-xs" data-testid="event-timeline">
        {events.map((event) => {
          const attrs = (event.attributes ?? {}) as { processor_name?: string };
          return (
            <li key={event.id} data-event-id={event.id} data-seq={event.seq} data-type={event.type} className="flex gap-3 rounded px-2 py-1 odd:bg-slate-50">
              <span className="w-8 text-right text-slate-500">{event.seq}</span>
              <span className="w-24 text-slate-500">{new Date(event.created_at).toLocaleTimeString()}</span>
              <span className={event.type.endsWith('error') ? 'text-red-700' : 'text-slate-800'}>{event.type}</span>
              {attrs.processor_name && <span className="text-slate-500">{attrs.processor_name}</span>}
              {event.message && <span className="truncate text-slate-500">{event.message}</span>}
            </li>
          );
        })}
      </ol>
    </Card>
  );
}
