/**
 * The Temporal side of a schedule: each BlobHub schedule is one Temporal Schedule (same id) whose
 * action starts the fire workflow on the app's task queue. Its memo names the task queue,
 * the mark by which a deployment tells its own schedules from others' in a shared namespace.
 */
import {
  MONTHS,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type ScheduleDescription,
  type ScheduleOptions,
  type ScheduleSummary,
  type ScheduleSpec as TemporalSpec,
} from '@temporalio/client';
import type { App } from '../../../core/app';
import { newId } from '../../../core/ids';
import { blobSearchAttributes } from '../../../core/search-attributes';
import { translateCron } from '../cron';
import { specOf, type ScheduleRow, type ScheduleSpec } from '../model';
import { localTimeParts } from '../time';
import { scheduleFireWorkflow } from './workflows';

export const overlapToTemporal: Record<ScheduleSpec['overlap_policy'], ScheduleOverlapPolicy> = {
  skip: ScheduleOverlapPolicy.SKIP,
  buffer_one: ScheduleOverlapPolicy.BUFFER_ONE,
  buffer_all: ScheduleOverlapPolicy.BUFFER_ALL,
  cancel_other: ScheduleOverlapPolicy.CANCEL_OTHER,
  terminate_other: ScheduleOverlapPolicy.TERMINATE_OTHER,
  allow_all: ScheduleOverlapPolicy.ALLOW_ALL,
};

/** When the schedule fires: the translated cron, or the one-time instant as an exact calendar. */
export function temporalSpec(
  spec: Pick<ScheduleSpec, 'repeat' | 'cron_expression' | 'invocation_time' | 'timezone' | 'start_date' | 'end_date'>,
): TemporalSpec {
  const window = {
    timezone: spec.timezone,
    startAt: spec.start_date ? new Date(spec.start_date) : undefined,
    endAt: spec.end_date ? new Date(spec.end_date) : undefined,
  };
  if (spec.repeat === 'recurring_cron') return { ...translateCron(spec.cron_expression!), ...window };
  const t = localTimeParts(spec.invocation_time!);
  const once = { year: t.year, month: MONTHS[t.month - 1], dayOfMonth: t.day, hour: t.hour, minute: t.minute, second: t.second, comment: 'one_time' };
  return { calendars: [once], ...window };
}

/** The summary and details each fire workflow shows in the Temporal UI. */
function fireDescription(row: ScheduleRow) {
  const spec = specOf(row);
  const target = spec.invocation_target;
  const when = spec.repeat === 'one_time' ? `once at ${spec.invocation_time}` : `cron \`${spec.cron_expression}\``;
  return {
    staticSummary: `BlobHub schedule ${spec.alias ?? row.id}: runs ${target.workflow_alias} of blob ${target.blob_id}`,
    staticDetails: [
      `Schedule \`${row.id}\`${spec.description ? ` (${spec.description})` : ''} of scheduler blob \`${row.blobId}\`, revision \`${row.revisionId}\`, org \`${row.orgId}\`.`,
      `Runs definition \`${target.workflow_alias}\` of workflow blob \`${target.blob_id}\`, revision \`${target.revision_id}\`, as the schedule's owner \`${row.ownerId}\`.`,
      `Fires ${when} (${spec.timezone}); overlap policy \`${spec.overlap_policy}\`.`,
      "Each fire's execution is its child workflow (workflow id = execution id).",
    ].join('\n\n'),
  };
}

type Options = Omit<ScheduleOptions, 'scheduleId'>;

export function scheduleOptions(app: App, row: ScheduleRow): Options {
  const spec = specOf(row);
  return {
    spec: temporalSpec(spec),
    action: {
      type: 'startWorkflow',
      workflowType: scheduleFireWorkflow,
      // Temporal appends the fire time, so each fire gets its own workflow id.
      workflowId: row.id,
      taskQueue: app.temporal.taskQueue,
      args: [{ scheduleId: row.id }],
      // each fire is found in the Temporal UI by its scheduler blob, and says what it runs
      typedSearchAttributes: blobSearchAttributes(row),
      ...fireDescription(row),
    },
    policies: {
      overlap: overlapToTemporal[spec.overlap_policy],
      catchupWindow: spec.catchup_window_seconds ? `${spec.catchup_window_seconds}s` : undefined,
    },
    state: {
      paused: row.state !== 'active',
      note: row.pauseNote ?? undefined,
      // A one-time schedule fires exactly once, even if its calendar could match again.
      remainingActions: spec.repeat === 'one_time' ? (row.state === 'completed' ? 0 : 1) : undefined,
    },
    memo: { blobhub_org_id: row.orgId, blobhub_blob_id: row.blobId, blobhub_revision_id: row.revisionId, blobhub_task_queue: app.temporal.taskQueue },
  };
}

export const scheduleHandle = (app: App, id: string) => app.temporal.client.schedule.getHandle(id);

export async function createTemporalSchedule(app: App, row: ScheduleRow) {
  await app.temporal.client.schedule.create({ scheduleId: row.id, ...scheduleOptions(app, row) });
}

/** Makes the Temporal Schedule match the row, creating it when missing (used by the reconciler too). */
export async function upsertTemporalSchedule(app: App, row: ScheduleRow) {
  const options = scheduleOptions(app, row);
  try {
    await scheduleHandle(app, row.id).update((previous) => ({
      ...previous,
      spec: options.spec,
      action: options.action,
      policies: { ...previous.policies, ...options.policies },
      state: { ...previous.state, paused: options.state!.paused, note: options.state!.note ?? '', remainingActions: options.state!.remainingActions },
    }));
  } catch (e) {
    if (!(e instanceof ScheduleNotFoundError)) throw e;
    await createTemporalSchedule(app, row);
  }
}

export async function deleteTemporalSchedule(app: App, id: string) {
  try {
    await scheduleHandle(app, id).delete();
  } catch (e) {
    if (!(e instanceof ScheduleNotFoundError)) throw e;
  }
}

export async function describeTemporalSchedule(app: App, id: string): Promise<ScheduleDescription | null> {
  try {
    return await scheduleHandle(app, id).describe();
  } catch (e) {
    if (e instanceof ScheduleNotFoundError) return null;
    throw e;
  }
}

/**
 * The listings of the given schedules, in one call to Temporal's (eventually consistent)
 * visibility: a schedule created or changed a moment ago may be missing or not yet show the change.
 */
export async function listTemporalSchedules(app: App, ids: string[]): Promise<Map<string, ScheduleSummary>> {
  const found = new Map<string, ScheduleSummary>();
  if (ids.length === 0) return found;
  const query = `ScheduleId IN (${ids.map((id) => JSON.stringify(id)).join(', ')})`;
  for await (const summary of app.temporal.client.schedule.list({ query, pageSize: ids.length })) {
    found.set(summary.scheduleId, summary);
    // all there: no need to ask for a next (empty) page
    if (found.size === ids.length) break;
  }
  return found;
}

/**
 * The Temporal Schedules that may be this deployment's: `marked` with its task queue, or made
 * before the mark with BlobHub's memo (whose fire action tells: `firesOnOwnTaskQueue`).
 */
export async function* blobhubTemporalSchedules(app: App): AsyncGenerator<{ id: string; marked: boolean }> {
  for await (const summary of app.temporal.client.schedule.list()) {
    const memo = summary.memo ?? {};
    if (memo.blobhub_task_queue === app.temporal.taskQueue) yield { id: summary.scheduleId, marked: true };
    else if (memo.blobhub_task_queue === undefined && memo.blobhub_org_id !== undefined) yield { id: summary.scheduleId, marked: false };
  }
}

export const firesOnOwnTaskQueue = async (app: App, id: string) => (await describeTemporalSchedule(app, id))?.action.taskQueue === app.temporal.taskQueue;

/**
 * Next fire times as Temporal computes them (time zones and DST included): a paused throwaway
 * Temporal Schedule with the same spec is created, described and deleted.
 */
export async function previewFireTimes(app: App, spec: Parameters<typeof temporalSpec>[0], count: number): Promise<Date[]> {
  const id = `preview-${newId('schedule')}`;
  const handle = await app.temporal.client.schedule.create({
    scheduleId: id,
    spec: temporalSpec(spec),
    action: { type: 'startWorkflow', workflowType: scheduleFireWorkflow, workflowId: id, taskQueue: app.temporal.taskQueue, args: [{ scheduleId: id }] },
    state: { paused: true, note: 'BlobHub preview_schedule' },
  });
  try {
    return (await handle.describe()).info.nextActionTimes.slice(0, count);
  } finally {
    await handle.delete();
  }
}
