/** One schedule: its timing and next fires, pause with a note, unpause, trigger now, backfill, and its history. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { resolvedTargetOf, type InvocationTarget, type Schedule, type ScheduleExecution } from '../../api/scheduler';
import { api, queries } from '../../api/trpc';
import { ConfirmButton } from '../../ui/confirm';
import { Badge, Button, Card, ErrorNotice, Field, when } from '../../ui/kit';
import { toast } from '../../ui/toast';
import { DataTable } from '../../ui/table';
import { useBlob } from '../blob/context';
import { FireTimes } from './cron-builder';
import { useWorkflowBlobs } from './create-schedule';
import { timingOf } from './timing';

/** New fires show up without a reload: the history is read again every few seconds. */
const HISTORY_REFRESH_MS = 2000;

type ScheduleAction = 'pause' | 'unpause' | 'trigger' | 'backfill' | 'delete';
const scheduleActionDone: Record<ScheduleAction, string> = {
  pause: 'Schedule paused',
  unpause: 'Schedule unpaused',
  trigger: 'Schedule triggered',
  backfill: 'Backfill started',
  delete: 'Schedule deleted',
};

/** A local `datetime-local` value as the UTC instant the viewer meant. */
const instantOf = (local: string) => (local ? new Date(local).toISOString() : '');

export function ScheduleDetail({
  revisionId,
  schedule,
  onEdit,
  onDeleted,
}: {
  revisionId: string;
  schedule: Schedule;
  onEdit: () => void;
  onDeleted: () => void;
}) {
  const client = useQueryClient();
  const [note, setNote] = useState('');
  const [window, setWindow] = useState({ start: '', end: '' });
  const refresh = () => client.invalidateQueries({ queryKey: queries.scheduler_blobhub.list_schedules.queryKey({ revision_id: revisionId }) });
  const action = useMutation({
    mutationFn: (name: ScheduleAction) => {
      const ref = { revision_id: revisionId, schedule_id: schedule.id };
      const scheduler = api.scheduler_blobhub;
      if (name === 'pause') return scheduler.pause_schedule.mutate({ ...ref, note: note || undefined });
      if (name === 'unpause') return scheduler.unpause_schedule.mutate(ref);
      if (name === 'trigger') return scheduler.trigger_schedule.mutate(ref);
      if (name === 'backfill') return scheduler.backfill_schedule.mutate({ ...ref, start: instantOf(window.start), end: instantOf(window.end) });
      return scheduler.delete_schedule.mutate(ref);
    },
    onSuccess: async (_, name) => {
      toast(scheduleActionDone[name]);
      if (name === 'pause') setNote('');
      if (name === 'delete') onDeleted();
      const history = queries.scheduler_blobhub.list_executions.queryKey({ revision_id: revisionId, schedule_id: schedule.id });
      await Promise.all([refresh(), client.invalidateQueries({ queryKey: history })]);
    },
  });
  const busy = (name: string) => action.isPending && action.variables === name;
  const paused = schedule.state === 'paused';
  const changeable = schedule.state !== 'completed';
  return (
    <Card title={schedule.description || schedule.id} actions={<Badge value={schedule.state} />}>
      <div data-testid="schedule-detail" className="space-y-5">
        <dl className="grid grid-cols-2 gap-x-4 gap-y-1 text-sm">
          <dt className="text-slate-500">Timing</dt>
          <dd className="font-mono text-xs">{timingOf(schedule)}</dd>
          <dt className="text-slate-500">Time zone</dt>
          <dd>{schedule.timezone}</dd>
          <dt className="text-slate-500">Overlap policy</dt>
          <dd>{schedule.overlap_policy.replace('_', ' ')}</dd>
          <dt className="text-slate-500">Catch-up window</dt>
          <dd>{schedule.catchup_window_seconds ? `${schedule.catchup_window_seconds} s` : 'default'}</dd>
          <dt className="text-slate-500">Starts</dt>
          <dd>
            <TargetName target={resolvedTargetOf(schedule)} />
          </dd>
          {paused && (
            <>
              <dt className="text-slate-500">Pause note</dt>
              <dd data-testid="pause-note">{schedule.pause_note}</dd>
            </>
          )}
        </dl>
        {schedule.next_fire_times.length > 0 && (
          <div>
            <p className="label">Next fire times</p>
            <FireTimes times={schedule.next_fire_times} timezone={schedule.timezone} />
          </div>
        )}
        <ErrorNotice error={action.error} />
        {changeable && (
          <div className="flex flex-wrap items-end gap-2">
            {paused ? (
              <Button onClick={() => action.mutate('unpause')} busy={busy('unpause')}>
                Unpause
              </Button>
            ) : (
              <>
                <Field label="Pause note">
                  <input className="input w-56" value={note} onChange={(e) => setNote(e.target.value)} />
                </Field>
                <Button onClick={() => action.mutate('pause')} busy={busy('pause')}>
                  Pause
                </Button>
              </>
            )}
            <Button kind="primary" onClick={() => action.mutate('trigger')} busy={busy('trigger')}>
              Trigger now
            </Button>
            <Button onClick={onEdit}>Edit schedule</Button>
          </div>
        )}
        <div className="flex flex-wrap items-end gap-2">
          <Field label="Backfill from">
            <input className="input" type="datetime-local" value={window.start} onChange={(e) => setWindow({ ...window, start: e.target.value })} />
          </Field>
          <Field label="Backfill to" hint="your local time">
            <input className="input" type="datetime-local" value={window.end} onChange={(e) => setWindow({ ...window, end: e.target.value })} />
          </Field>
          <Button onClick={() => action.mutate('backfill')} busy={busy('backfill')} disabled={!window.start || !window.end}>
            Backfill
          </Button>
          <ConfirmButton
            className="ml-auto"
            busy={busy('delete')}
            title={`Delete the schedule ${schedule.description || schedule.id}?`}
            message="It stops firing and its history goes with it. Executions it started stay. This cannot be undone."
            confirm="Delete schedule"
            onConfirm={() => action.mutate('delete')}
          >
            Delete schedule
          </ConfirmButton>
        </div>
        <ScheduleHistory revisionId={revisionId} scheduleId={schedule.id} />
      </div>
    </Card>
  );
}

/** Workflow blobs by id, for names and links. */
function useBlobNames() {
  const { org } = useBlob();
  return new Map(useWorkflowBlobs(org).data?.blobs.map((b) => [b.id, b.name]));
}

function TargetName({ target }: { target: InvocationTarget }) {
  const names = useBlobNames();
  return (
    <>
      {target.workflow_alias} on {names.get(target.blob_id) ?? target.blob_id}
    </>
  );
}

function ScheduleHistory({ revisionId, scheduleId }: { revisionId: string; scheduleId: string }) {
  const { org } = useBlob();
  const [pages, setPages] = useState<string[]>([]);
  const start = pages[pages.length - 1];
  const history = useQuery({
    ...queries.scheduler_blobhub.list_executions.queryOptions({ revision_id: revisionId, schedule_id: scheduleId, start_execution_id: start }),
    refetchInterval: HISTORY_REFRESH_MS,
  });
  const blobNames = useBlobNames();
  const executionLink = (e: ScheduleExecution) => {
    const result = e.result as { execution_id?: string; error?: { message?: string } | string } | null;
    if (!result?.execution_id)
      return <span className="text-xs text-red-700">{typeof result?.error === 'string' ? result.error : (result?.error?.message ?? '—')}</span>;
    const target = e.invocation_target as InvocationTarget;
    const blobName = blobNames.get(target.blob_id) ?? target.blob_id;
    return (
      <Link
        className="font-mono text-xs text-indigo-700 hover:underline"
        to={`/orgs/${org}/blobs/${blobName}/revisions/${target.revision_id}/executions/${result.execution_id}`}
      >
        {result.execution_id}
      </Link>
    );
  };
  return (
    <div>
      <p className="label">History</p>
      <ErrorNotice error={history.error} />
      <DataTable
        testId="schedule-history"
        rows={history.data?.executions}
        rowKey={(e) => e.id}
        empty="This schedule has not fired yet."
        columns={[
          { header: 'Fired', cell: (e) => when(e.created_at), className: 'text-slate-500' },
          { header: 'Scheduled for', cell: (e) => when(e.scheduled_at), className: 'text-slate-500' },
          { header: 'Status', cell: (e) => <Badge value={e.status} /> },
          { header: 'Execution', cell: executionLink },
        ]}
      />
      <div className="mt-2 flex justify-end gap-2">
        <Button onClick={() => setPages((p) => p.slice(0, -1))} disabled={pages.length === 0}>
          Newer
        </Button>
        <Button
          onClick={() => history.data?.last_execution_id && setPages((p) => [...p, history.data.last_execution_id!])}
          disabled={!history.data?.last_execution_id}
        >
          Older
        </Button>
      </div>
    </div>
  );
}
