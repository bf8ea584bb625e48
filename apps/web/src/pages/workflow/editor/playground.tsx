/**
 * The playground under the editor: typed inputs for the start component's outputs, run (in one
 * playground session per visit), the run's events live on the canvas, each component's outputs,
 * rerun with the same inputs, and the session's objects.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { api, queries } from '../../../api/trpc';
import type { Execution, InputData } from '../../../api/workflow';
import { useExecutionEvents } from '../../../live/use-live-events';
import { Badge, Button, Card, Empty, ErrorNotice, Options, when } from '../../../ui/kit';
import { componentRuns, endedStatuses, liveStatus, runBadge, type ComponentRun } from '../components';
import { LiveIndicator, RunDetails, StoredOutput } from '../execution';
import { inputData, inputTypes, type InputType, type TypedInput } from './inputs';

/** The row is written just after the closing events: re-read it until it says so too. */
const REREAD_MS = 200;

export function usePlayground(revisionId: string) {
  const queryClient = useQueryClient();
  const [sessionId, setSessionId] = useState<string>();
  const [executionId, setExecutionId] = useState<string>();
  const [lastInputs, setLastInputs] = useState<InputData>();
  const live = useExecutionEvents(revisionId, executionId, (event) => {
    if (event.type === 'execution_started' || event.type === 'execution_ended')
      void queryClient.invalidateQueries({ queryKey: queries.workflow_blobhub.get_execution.queryKey({ revision_id: revisionId, execution_id: executionId }) });
    if (event.type === 'execution_ended')
      void queryClient.invalidateQueries({
        queryKey: queries.workflow_blobhub.list_session_objects.queryKey({ revision_id: revisionId, session_id: sessionId }),
      });
  });
  const status = liveStatus(live.events);
  const execution = useQuery({
    ...queries.workflow_blobhub.get_execution.queryOptions({ revision_id: revisionId, execution_id: executionId! }),
    enabled: Boolean(executionId),
    refetchInterval: (query) => (status && endedStatuses.has(status) && query.state.data?.execution.status !== status ? REREAD_MS : false),
  });
  const start = useMutation({
    mutationFn: async ({ alias, inputs, prepare }: { alias: string; inputs: InputData; prepare: () => Promise<void> }) => {
      await prepare();
      const session = sessionId ?? (await api.workflow_blobhub.create_session.mutate({ revision_id: revisionId, name: 'playground' })).session.id;
      setSessionId(session);
      const { execution: started } = await api.workflow_blobhub.create_execution.mutate({
        revision_id: revisionId,
        alias,
        session_id: session,
        input_data: inputs,
      });
      setLastInputs(inputs);
      return started;
    },
    onSuccess: (started) => setExecutionId(started.id),
  });
  const shownStatus = status ?? execution.data?.execution.status;
  const runs = new Map(componentRuns(live.events, shownStatus).map((run) => [run.id, run]));
  return { sessionId, executionId, execution: execution.data?.execution, status: shownStatus, live, runs, lastInputs, start };
}

export type Playground = ReturnType<typeof usePlayground>;

function InputRow({ alias, input, onChange }: { alias: string; input: TypedInput; onChange: (input: TypedInput) => void }) {
  const value = {
    'aria-label': `Value of ${alias}`,
    value: input.raw,
    onChange: (e: { target: { value: string } }) => onChange({ ...input, raw: e.target.value }),
  };
  return (
    <div className="grid grid-cols-[8rem_7rem_1fr] items-start gap-2">
      <span className="pt-1.5 font-mono text-sm">{alias}</span>
      <select
        className="input"
        aria-label={`Type of ${alias}`}
        value={input.type}
        onChange={(e) => onChange({ type: e.target.value as InputType, raw: e.target.value === 'boolean' ? 'false' : input.raw })}
      >
        <Options values={inputTypes} />
      </select>
      {input.type === 'boolean' ? (
        <select className="input" {...value}>
          <Options values={['true', 'false']} />
        </select>
      ) : input.type === 'json' || input.type === 'message' ? (
        <textarea className="input h-16 font-mono text-xs" placeholder={input.type === 'json' ? 'JSON' : 'the user message'} {...value} />
      ) : (
        <input className="input" inputMode={input.type === 'text' ? undefined : 'decimal'} {...value} />
      )}
    </div>
  );
}

interface PlaygroundCardProps {
  playground: Playground;
  base: string;
  revisionId: string;
  alias: string;
  /** the start component's data outputs: the execution's input aliases */
  inputAliases: string[];
  /** saves unsaved edits first, so that what runs is what is on the canvas */
  prepare: () => Promise<void>;
}

export function PlaygroundCard({ playground, base, revisionId, alias, inputAliases, prepare }: PlaygroundCardProps) {
  const [inputs, setInputs] = useState<Record<string, TypedInput>>({});
  const inputOf = (a: string): TypedInput => inputs[a] ?? { type: 'text', raw: '' };
  const typed = Object.fromEntries(inputAliases.map((a) => [a, inputOf(a)]));
  const { start, execution, status, executionId, lastInputs, live } = playground;
  const [problem, setProblem] = useState<string>();
  const run = (values: () => InputData) => {
    let data: InputData;
    try {
      data = values();
    } catch (e) {
      setProblem((e as Error).message);
      return;
    }
    setProblem(undefined);
    start.mutate({ alias, inputs: data, prepare });
  };
  return (
    <Card
      title={
        <span className="flex items-center gap-3">
          Playground
          {executionId && (
            <span data-testid="playground-status">
              <Badge value={status ?? 'pending'} />
            </span>
          )}
          {executionId && <LiveIndicator state={live.state} detail={live.detail} />}
        </span>
      }
      actions={
        <>
          <Button kind="primary" busy={start.isPending} onClick={() => run(() => inputData(typed))}>
            Run
          </Button>
          <Button disabled={!lastInputs || start.isPending} onClick={() => run(() => lastInputs!)}>
            Rerun with the same inputs
          </Button>
        </>
      }
    >
      <div className="space-y-2" data-testid="playground-inputs">
        {inputAliases.length === 0 ? (
          <p className="text-sm text-slate-500">The start component has no outputs, so this definition takes no inputs.</p>
        ) : (
          inputAliases.map((a) => <InputRow key={a} alias={a} input={inputOf(a)} onChange={(next) => setInputs((all) => ({ ...all, [a]: next }))} />)
        )}
      </div>
      {problem && (
        <p role="alert" className="mt-3 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
          {problem}
        </p>
      )}
      <div className="mt-3">
        <ErrorNotice error={start.error} />
      </div>
      {execution && (
        <div className="mt-4 grid gap-4 md:grid-cols-2">
          <div>
            <p className="label">Output data</p>
            <div data-testid="playground-output">
              {endedStatuses.has(execution.status) ? (
                <OutputData revisionId={revisionId} executionId={execution.id} outputData={execution.output_data} />
              ) : (
                <p className="text-xs text-slate-500">…</p>
              )}
            </div>
            {execution.error != null && <pre className="mt-2 rounded-md bg-red-50 p-3 text-xs text-red-800">{JSON.stringify(execution.error, null, 2)}</pre>}
            <Link className="mt-2 inline-block text-sm text-indigo-700 hover:underline" to={`${base}/revisions/${revisionId}/executions/${execution.id}`}>
              Open execution {execution.id}
            </Link>
          </div>
          <SessionObjects revisionId={revisionId} sessionId={playground.sessionId} />
        </div>
      )}
    </Card>
  );
}

function SessionObjects({ revisionId, sessionId }: { revisionId: string; sessionId?: string }) {
  const objects = useQuery({
    ...queries.workflow_blobhub.list_session_objects.queryOptions({ revision_id: revisionId, session_id: sessionId! }),
    enabled: Boolean(sessionId),
  });
  const [open, setOpen] = useState<string>();
  const value = useQuery({
    ...queries.workflow_blobhub.download_session_object.queryOptions({ revision_id: revisionId, session_id: sessionId!, alias: open! }),
    enabled: Boolean(open),
  });
  return (
    <div data-testid="session-objects">
      <p className="label">Session objects {sessionId && <span className="font-mono text-[10px] normal-case">{sessionId}</span>}</p>
      <ErrorNotice error={objects.error ?? value.error} />
      {objects.data?.session_objects.length === 0 && <Empty>This session has no objects yet.</Empty>}
      <ul className="space-y-1 text-sm">
        {objects.data?.session_objects.map((o) => (
          <li key={o.alias}>
            <button type="button" className="font-mono text-indigo-700 hover:underline" onClick={() => setOpen(open === o.alias ? undefined : o.alias)}>
              {o.alias}
            </button>{' '}
            <span className="text-xs text-slate-500">
              {o.type} · {when(o.updated_at)}
            </span>
            {open === o.alias && value.data && (
              <pre className="mt-1 rounded bg-slate-50 p-2 font-mono text-xs">{JSON.stringify(value.data.session_object.value, null, 2)}</pre>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** The selected component's part of the last run: route, logs, errors, stored outputs. */
export function RunOutputs({
  run,
  revisionId,
  executionId,
  outputData,
}: {
  run?: ComponentRun;
  revisionId: string;
  executionId?: string;
  outputData?: Execution['output_data'];
}) {
  if (!executionId) return null;
  return (
    <div className="rounded-md border border-slate-200 p-3" data-testid="run-outputs">
      <p className="label">Last run</p>
      {!run ? (
        <p className="text-xs text-slate-500">This component has not run in the last execution.</p>
      ) : (
        <>
          <p className="text-xs text-slate-600">
            <Badge value={runBadge(run.state)} /> {run.route && `route ${run.route}`}
            {run.durationMs !== undefined && ` · ${run.durationMs} ms`}
          </p>
          <RunDetails run={run} revisionId={revisionId} executionId={executionId} />
          {run.dataOutputs.length === 0 && run.state === 'exited' && outputData === undefined && (
            <p className="mt-2 text-xs text-slate-500">No stored outputs: outputs set with persist (set_data_output(name, value, true)) are shown here.</p>
          )}
        </>
      )}
      {outputData !== undefined && (
        <div className="mt-2">
          <p className="text-xs text-slate-500">the execution's output data</p>
          <OutputData revisionId={revisionId} executionId={executionId} outputData={outputData} />
        </div>
      )}
    </div>
  );
}

/** An execution's output_data, values stored apart (persisted or large) fetched with get_execution_data as they are shown. */
function OutputData({ revisionId, executionId, outputData }: { revisionId: string; executionId: string; outputData: Execution['output_data'] }) {
  const items = outputData ?? [];
  if (items.length === 0) return <p className="text-xs text-slate-500">No output data.</p>;
  return items.map((item) =>
    'data_id' in item ? (
      <StoredOutput key={item.alias} revisionId={revisionId} executionId={executionId} route={item.alias} dataId={item.data_id} />
    ) : (
      <div key={item.alias} className="mt-2">
        <p className="text-xs text-slate-500">output {item.alias}</p>
        <pre className="rounded bg-slate-50 p-2 font-mono text-xs">{JSON.stringify(item.value, null, 2)}</pre>
      </div>
    ),
  );
}
