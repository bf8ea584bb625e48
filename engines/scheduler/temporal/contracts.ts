/**
 * The contracts between the schedule fire workflow and the code outside it (as the `interfaces.ts`
 * of Temporal's samples): what a fire works on and reports, and the activities it calls.
 * Types only: the workflow bundle imports no activity code, and activities.ts implements these.
 */
import type { ExecutionStart } from '../../workflow/temporal/start-options';
import type { ScheduleExecutionRow } from '../model';

export interface FireInput {
  scheduleId: string;
  fireId: string;
  /** ISO time of the slot Temporal fired for */
  scheduledAt: string;
}

export interface FireOutcome {
  status: ScheduleExecutionRow['status'] | 'schedule_deleted';
  executionId?: string;
}

// a type, not an interface: the worker registers activities as an indexable record
export type SchedulerActivities = {
  /** records the fire and creates the execution's row; the workflow starts it as its child */
  schedulerPrepareFire(input: FireInput): Promise<FireOutcome & { start?: ExecutionStart }>;
  /** records the fire and creates the execution with its workflow started (fires begun before the child workflow) */
  schedulerFire(input: FireInput): Promise<FireOutcome>;
  /** resolves when the execution ends; cancels it when the fire is cancelled */
  schedulerAwaitExecution(executionId: string): Promise<void>;
};
