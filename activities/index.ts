import type { App } from '../core/app';
import { createOnnxActivities } from '../engines/onnx/temporal/activities';
import { createWorkflowActivities } from '../engines/workflow/activities';
import { createSchedulerActivities } from './scheduler';

/** Every activity the worker registers, bound to the process's App. */
export function createActivities(app: App) {
  return { ...createSchedulerActivities(app), ...createWorkflowActivities(app), ...createOnnxActivities(app) };
}
