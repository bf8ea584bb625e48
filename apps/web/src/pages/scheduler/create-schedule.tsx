/**
 * The schedule form: timing (cron or one time), overlap and catch-up, and the workflow it starts.
 * The same form creates a schedule and edits an existing one (prefilled from it).
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { resolvedTargetOf, type OverlapPolicy, type Schedule, type ScheduleParams } from '../../api/scheduler';
import { api, queries } from '../../api/trpc';
import { inputDataHint, parseInputData } from '../../api/workflow';
import { useForm } from '../../ui/forms';
import { Button, Field, FormCard, Options } from '../../ui/kit';
import { useBlob } from '../blob/context';
import { RevisionOptions, useRevisions } from '../blob/revisions';
import { CronBuilder } from './cron-builder';

const overlapPolicies: OverlapPolicy[] = ['skip', 'buffer_one', 'buffer_all', 'cancel_other', 'terminate_other', 'allow_all'];
const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
// Chromium's list leaves out UTC, the zone of many servers and browsers.
const timezones = [...new Set(['UTC', browserZone, ...Intl.supportedValuesOf('timeZone')])];

/** The org's workflow blobs: schedule targets, and names for links to their executions. */
export const useWorkflowBlobs = (org: string) => useQuery(queries.blobs.list.queryOptions({ org_id: org, type: 'workflow', limit: 100 }));

const blank = {
  repeat: 'recurring_cron',
  cron_expression: '0 9 * * ? *',
  invocation_time: '',
  timezone: browserZone,
  overlap_policy: 'skip',
  catchup_window_seconds: '',
  description: '',
  target_blob: '',
  target_revision: '',
  workflow_alias: '',
  input_data: '[]',
};
type FormValues = typeof blank;

/** An existing schedule as form values. */
function valuesOf(s: Schedule): FormValues {
  const target = resolvedTargetOf(s);
  return {
    repeat: s.repeat,
    cron_expression: s.cron_expression ?? blank.cron_expression,
    invocation_time: s.invocation_time ?? '',
    timezone: s.timezone,
    overlap_policy: s.overlap_policy,
    catchup_window_seconds: s.catchup_window_seconds ? String(s.catchup_window_seconds) : '',
    description: s.description ?? '',
    target_blob: target.blob_id,
    target_revision: target.revision_id,
    workflow_alias: target.workflow_alias,
    input_data: JSON.stringify(target.input_data ?? []),
  };
}

export function CreateScheduleForm({ revisionId }: { revisionId: string }) {
  return (
    <ScheduleForm
      revisionId={revisionId}
      title="New schedule"
      submit="Create schedule"
      initial={blank}
      save={(params) => api.scheduler_blobhub.create_schedule.mutate({ revision_id: revisionId, ...params })}
      resetOnSave
    />
  );
}

/** Edits a schedule in place (`update_schedule`); a one-time schedule's unchanged time is not sent again. */
export function EditScheduleForm({ revisionId, schedule, onDone }: { revisionId: string; schedule: Schedule; onDone: () => void }) {
  const save = async (params: ScheduleParams) => {
    const { invocation_time, ...rest } = params;
    const changes = invocation_time === schedule.invocation_time ? rest : params;
    await api.scheduler_blobhub.update_schedule.mutate({ revision_id: revisionId, schedule_id: schedule.id, ...changes });
    onDone();
  };
  return (
    <ScheduleForm revisionId={revisionId} title={`Edit ${schedule.description || schedule.id}`} submit="Save schedule" initial={valuesOf(schedule)} save={save}>
      <Button onClick={onDone}>Cancel</Button>
    </ScheduleForm>
  );
}

interface ScheduleFormProps {
  revisionId: string;
  title: string;
  submit: string;
  initial: FormValues;
  save: (params: ScheduleParams) => Promise<unknown>;
  resetOnSave?: boolean;
  children?: ReactNode;
}

function ScheduleForm({ revisionId, title, submit, initial, save, resetOnSave, children }: ScheduleFormProps) {
  const { org } = useBlob();
  const client = useQueryClient();
  const form = useForm(initial);
  const { values } = form;
  const blobs = useWorkflowBlobs(org);
  const targetBlob = values.target_blob || blobs.data?.blobs[0]?.id || '';
  const revisions = useRevisions(targetBlob);
  const targetRevision = values.target_revision || revisions.data?.revisions[0]?.id || '';
  const definitions = useQuery({
    ...queries.workflow_blobhub.list_definitions.queryOptions({ revision_id: targetRevision }),
    enabled: Boolean(targetRevision),
  });
  const aliases = definitions.data?.definitions.map((d) => d.alias);
  const alias = values.workflow_alias || aliases?.[0] || '';
  // the chosen definition is not in this revision: the person picks one, nothing is swapped in for them
  const missingAlias = values.workflow_alias && aliases && !aliases.includes(values.workflow_alias) ? values.workflow_alias : undefined;
  const oneTime = values.repeat === 'one_time';
  const action = useMutation({
    mutationFn: () =>
      save({
        repeat: oneTime ? 'one_time' : 'recurring_cron',
        ...(oneTime ? { invocation_time: values.invocation_time } : { cron_expression: values.cron_expression }),
        timezone: values.timezone,
        overlap_policy: values.overlap_policy as OverlapPolicy,
        catchup_window_seconds: values.catchup_window_seconds ? Number(values.catchup_window_seconds) : null,
        description: values.description || null,
        invocation_target_type: 'workflow',
        invocation_target: {
          org_id: org,
          blob_id: targetBlob,
          revision_id: targetRevision,
          workflow_alias: alias,
          input_data: parseInputData(values.input_data),
        },
      }),
    meta: { success: 'Schedule saved' },
    onSuccess: () => {
      if (resetOnSave) form.reset();
      return client.invalidateQueries({ queryKey: queries.scheduler_blobhub.list_schedules.queryKey({ revision_id: revisionId }) });
    },
  });
  // Another blob has other revisions and definitions: pick its first ones again.
  const chooseBlob = (blobId: string) => form.set({ ...values, target_blob: blobId, target_revision: '', workflow_alias: '' });
  // Another revision of the same blob keeps the definition shown now (by alias), if it has it.
  const chooseRevision = (revisionId: string) => form.set({ ...values, target_revision: revisionId, workflow_alias: alias });
  return (
    <FormCard title={title} submit={submit} action={action}>
      <Field label="Description">
        <input className="input" {...form.bind('description')} />
      </Field>
      <Field label="Repeat">
        <select className="input" {...form.bind('repeat')}>
          <option value="recurring_cron">recurring (cron)</option>
          <option value="one_time">one time</option>
        </select>
      </Field>
      <Field label="Time zone">
        <select className="input" {...form.bind('timezone')}>
          <Options values={timezones} />
        </select>
      </Field>
      {oneTime ? (
        <Field label="Run at" hint="local time in the time zone above">
          <input className="input" type="datetime-local" step={1} {...form.bind('invocation_time')} />
        </Field>
      ) : (
        <CronBuilder
          revisionId={revisionId}
          expression={values.cron_expression}
          timezone={values.timezone}
          onChange={(cron) => form.set({ ...values, cron_expression: cron })}
        />
      )}
      <Field label="Overlap policy" hint="what a fire does while the previous run is still going">
        <select className="input" {...form.bind('overlap_policy')}>
          <Options values={overlapPolicies} />
        </select>
      </Field>
      <Field label="Catch-up window (seconds)" hint="fires missed while the server was down are run if they are this recent">
        <input className="input" type="number" min={10} {...form.bind('catchup_window_seconds')} />
      </Field>
      <Field label="Workflow blob">
        <select className="input" name="target_blob" value={targetBlob} onChange={(e) => chooseBlob(e.target.value)}>
          {blobs.data?.blobs.map((b) => (
            <option key={b.id} value={b.id}>
              {b.name}
            </option>
          ))}
        </select>
      </Field>
      <Field label="Workflow revision">
        <select className="input" name="target_revision" value={targetRevision} onChange={(e) => chooseRevision(e.target.value)}>
          <RevisionOptions revisions={revisions.data?.revisions} />
        </select>
      </Field>
      <Field label="Definition">
        <select className="input" required {...form.bind('workflow_alias')} value={missingAlias ? '' : alias}>
          {missingAlias && (
            <option value="" disabled>
              Choose a definition
            </option>
          )}
          {definitions.data?.definitions.map((d) => (
            <option key={d.id}>{d.alias}</option>
          ))}
        </select>
      </Field>
      {missingAlias && (
        <p role="alert" className="rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900" data-testid="definition-missing">
          This revision has no definition &ldquo;{missingAlias}&rdquo;: choose which one the schedule starts.
        </p>
      )}
      <Field label="Input data (JSON)" hint={inputDataHint}>
        <textarea className="input h-20 font-mono text-xs" {...form.bind('input_data')} />
      </Field>
      {children}
    </FormCard>
  );
}
