import type { App } from '../core/app';
import { createSchedulerActivities } from '../engines/scheduler/temporal/activities';
import { createWorkflowActivities } from '../engines/workflow/temporal/activities';

/** Every activity the worker registers, bound to the process's App. */
export function createActivities(app: App) {
  return { ...createSchedulerActivities(app), ...createWorkflowActivities(app) };
}
