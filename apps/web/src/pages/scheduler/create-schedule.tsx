/** The form for a new schedule: timing (cron or one time), overlap and catch-up, and the workflow it starts. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { scheduler, type OverlapPolicy } from '../../api/scheduler';
import { api } from '../../api/trpc';
import { inputDataHint, workflow } from '../../api/workflow';
import { useForm } from '../../ui/forms';
import { parseJsonInput } from '../../ui/json';
import { Field, FormCard, Options } from '../../ui/kit';
import { useBlob } from '../blob/layout';
import { RevisionOptions, useRevisions } from '../blob/revisions';
import { CronBuilder } from './cron-builder';

const overlapPolicies: OverlapPolicy[] = ['skip', 'buffer_one', 'buffer_all', 'cancel_other', 'terminate_other', 'allow_all'];
const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
// Chromium's list leaves out UTC, the zone of many servers and browsers.
const timezones = [...new Set(['UTC', browserZone, ...Intl.supportedValuesOf('timeZone')])];

/** The org's workflow blobs: schedule targets, and names for links to their executions. */
export const useWorkflowBlobs = (org: string) =>
  useQuery({ queryKey: ['blobs', { org_id: org, type: 'workflow' }], queryFn: () => api.blobs.list.query({ org_id: org, type: 'workflow', limit: 100 }) });

const initial = {
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

export function CreateScheduleForm({ revisionId }: { revisionId: string }) {
  const { org } = useBlob();
  const client = useQueryClient();
  const form = useForm(initial);
  const { values } = form;
  const blobs = useWorkflowBlobs(org);
  const targetBlob = values.target_blob || blobs.data?.blobs[0]?.id || '';
  const revisions = useRevisions(targetBlob);
  const targetRevision = values.target_revision || revisions.data?.revisions[0]?.id || '';
  const definitions = useQuery({ queryKey: ['definitions', targetRevision], queryFn: () => workflow.listDefinitions(targetRevision), enabled: Boolean(targetRevision) });
  const alias = values.workflow_alias || definitions.data?.definitions[0]?.alias || '';
  const oneTime = values.repeat === 'one_time';
  const create = useMutation({
    mutationFn: () =>
      scheduler.createSchedule(revisionId, {
        repeat: oneTime ? 'one_time' : 'recurring_cron',
        ...(oneTime ? { invocation_time: values.invocation_time } : { cron_expression: values.cron_expression }),
        timezone: values.timezone,
        overlap_policy: values.overlap_policy as OverlapPolicy,
        catchup_window_seconds: values.catchup_window_seconds ? Number(values.catchup_window_seconds) : undefined,
        description: values.description || undefined,
        invocation_target_type: 'workflow',
        invocation_target: {
          org_id: org,
          blob_id: targetBlob,
          revision_id: targetRevision,
          workflow_alias: alias,
          input_data: parseJsonInput('The input data', values.input_data) as unknown[],
        },
      }),
    onSuccess: () => {
      form.reset();
      return client.invalidateQueries({ queryKey: ['schedules', revisionId] });
    },
  });
  return (
    <FormCard title="New schedule" submit="Create schedule" action={create}>
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
        <CronBuilder revisionId={revisionId} expression={values.cron_expression} timezone={values.timezone} onChange={(cron) => form.set({ ...values, cron_expression: cron })} />
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
        <select className="input" {...form.bind('target_blob')} value={targetBlob}>
          {blobs.data?.blobs.map((b) => (
            <option key={b.id} value={b.id}>
              {b.name}
            </option>
          ))}
        </select>
      </Field>
      <Field label="Workflow revision">
        <select className="input" {...form.bind('target_revision')} value={targetRevision}>
          <RevisionOptions revisions={revisions.data?.revisions} />
        </select>
      </Field>
      <Field label="Definition">
        <select className="input" {...form.bind('workflow_alias')} value={alias}>
          {definitions.data?.definitions.map((d) => (
            <option key={d.id}>{d.alias}</option>
          ))}
        </select>
      </Field>
      <Field label="Input data (JSON)" hint={inputDataHint}>
        <textarea className="input h-20 font-mono text-xs" {...form.bind('input_data')} />
      </Field>
    </FormCard>
  );
}
