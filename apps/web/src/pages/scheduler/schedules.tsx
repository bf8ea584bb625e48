/** A scheduler blob's schedules on one revision: the list, a new-schedule form, and one schedule opened. */
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { queries } from '../../api/trpc';
import { Badge, Button, Card, ErrorNotice } from '../../ui/kit';
import { DataTable } from '../../ui/table';
import { useBlob } from '../blob/context';
import { RevisionOptions, useChosenRevision } from '../blob/revisions';
import { CreateScheduleForm, EditScheduleForm } from './create-schedule';
import { ScheduleDetail } from './schedule-detail';
import { timingOf } from './timing';

/**
 * Schedule changes and fires publish no realtime event (only blobs, revisions and operations do),
 * so the list, and the opened schedule with it, is read again this often to show changes made elsewhere.
 */
const SCHEDULES_REFRESH_MS = 2000;

export function SchedulesPage() {
  const { blob } = useBlob();
  const { revisions, revisionId, params, setParams } = useChosenRevision(blob);
  const openId = params.get('schedule');
  const schedules = useQuery({
    ...queries.scheduler_blobhub.list_schedules.queryOptions({ revision_id: revisionId!, limit: 100 }),
    enabled: Boolean(revisionId),
    refetchInterval: SCHEDULES_REFRESH_MS,
  });
  const open = schedules.data?.schedules.find((s) => s.id === openId);
  const [editingId, setEditingId] = useState<string | null>(null);
  const editing = open && editingId === open.id ? open : undefined;
  const select = (next: { revision?: string; schedule?: string }) =>
    setParams({ revision: next.revision ?? revisionId ?? '', ...(next.schedule ? { schedule: next.schedule } : {}) });
  return (
    <div className="grid gap-6 lg:grid-cols-3">
      <div className="min-w-0 space-y-6 lg:col-span-2">
        <Card
          title="Schedules"
          actions={
            <select className="input w-44" aria-label="Revision" value={revisionId ?? ''} onChange={(e) => select({ revision: e.target.value })}>
              <RevisionOptions revisions={revisions.data?.revisions} />
            </select>
          }
        >
          <ErrorNotice error={schedules.error ?? revisions.error} />
          <DataTable
            testId="schedules-table"
            rows={schedules.data?.schedules}
            rowKey={(s) => s.id}
            empty="No schedules on this revision yet."
            columns={[
              {
                header: 'Schedule',
                cell: (s) => (
                  <>
                    <p className="font-medium">{s.description || s.id}</p>
                    <p className="font-mono text-xs text-slate-500">{timingOf(s)}</p>
                  </>
                ),
              },
              { header: 'Time zone', cell: (s) => s.timezone, className: 'text-slate-500' },
              { header: 'State', cell: (s) => <Badge value={s.state} /> },
              { header: 'Next fire', cell: (s) => (s.next_fire_times[0] ? new Date(s.next_fire_times[0]).toLocaleString() : '—'), className: 'text-slate-500' },
              {
                header: '',
                className: 'text-right',
                cell: (s) => (
                  <Button onClick={() => select({ schedule: s.id })} disabled={s.id === openId}>
                    Open
                  </Button>
                ),
              },
            ]}
          />
        </Card>
        {open && revisionId && <ScheduleDetail revisionId={revisionId} schedule={open} onEdit={() => setEditingId(open.id)} onDeleted={() => select({})} />}
      </div>
      {revisionId &&
        (editing ? (
          <EditScheduleForm key={editing.id} revisionId={revisionId} schedule={editing} onDone={() => setEditingId(null)} />
        ) : (
          <CreateScheduleForm revisionId={revisionId} />
        ))}
    </div>
  );
}
