/** The scheduler engine's commands (docs/spec.md §5); the reading ones as `useQuery` options. Result types come from the SDK. */
import type { InvocationTarget, OverlapPolicy, Schedule, ScheduleExecution } from '../../../../sdk/browser';
import { engineCommands } from './engine';

export const SCHEDULER_ENGINE = 'scheduler_blobhub';

export type { InvocationTarget, OverlapPolicy, Schedule, ScheduleExecution };

/** The target by ids, also for a schedule written in BlobHub's client form. */
export const resolvedTargetOf = (s: Schedule): InvocationTarget =>
  ('resolved_invocation_target' in s && s.resolved_invocation_target) || (s.invocation_target as InvocationTarget);

/** What the schedule form sends (to create or update); the server validates and answers field by field. */
export interface ScheduleParams {
  repeat: 'one_time' | 'recurring_cron';
  cron_expression?: string;
  invocation_time?: string;
  timezone: string;
  overlap_policy: OverlapPolicy;
  catchup_window_seconds: number | null;
  description: string | null;
  invocation_target_type: 'workflow';
  invocation_target: { org_id: string; blob_id: string; revision_id: string; workflow_alias: string; input_data?: unknown[] };
}

const { command, query, key } = engineCommands(SCHEDULER_ENGINE);

/** Keys of the engine's queries on a revision, to invalidate them. */
export const schedulerKey = key;
const ref = (scheduleId: string) => ({ schedule_id: scheduleId });

export const scheduler = {
  listSchedules: (revisionId: string) => query<{ schedules: Schedule[] }>(revisionId, 'list_schedules', { limit: 100 }),
  createSchedule: (revisionId: string, params: ScheduleParams) => command<{ schedule: Schedule }>('command', revisionId, 'create_schedule', { ...params }),
  updateSchedule: (revisionId: string, scheduleId: string, changes: Partial<ScheduleParams>) =>
    command<{ schedule: Schedule }>('command', revisionId, 'update_schedule', { ...ref(scheduleId), ...changes }),
  pauseSchedule: (revisionId: string, scheduleId: string, note: string) =>
    command<{ schedule: Schedule }>('command', revisionId, 'pause_schedule', { ...ref(scheduleId), note: note || undefined }),
  unpauseSchedule: (revisionId: string, scheduleId: string) => command<{ schedule: Schedule }>('command', revisionId, 'unpause_schedule', ref(scheduleId)),
  triggerSchedule: (revisionId: string, scheduleId: string) => command<{ schedule: Schedule }>('command', revisionId, 'trigger_schedule', ref(scheduleId)),
  backfillSchedule: (revisionId: string, scheduleId: string, start: string, end: string) =>
    command<{ schedule: Schedule }>('command', revisionId, 'backfill_schedule', { ...ref(scheduleId), start, end }),
  deleteSchedule: (revisionId: string, scheduleId: string) => command<object>('command', revisionId, 'delete_schedule', ref(scheduleId)),
  previewSchedule: (revisionId: string, cronExpression: string, timezone: string) =>
    query<{ next_fire_times: string[] }>(revisionId, 'preview_schedule', { cron_expression: cronExpression, timezone, count: 5 }),
  listExecutions: (revisionId: string, scheduleId: string, startExecutionId?: string) =>
    query<{ executions: ScheduleExecution[]; last_execution_id: string | null }>(revisionId, 'list_executions', {
      ...ref(scheduleId),
      start_execution_id: startExecutionId,
    }),
};
