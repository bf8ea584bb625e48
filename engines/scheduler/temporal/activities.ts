/** Scheduler activities: a fire (record + create the execution), and (fires begun before the child workflow) waiting for that execution. */
import { CancelledFailure, Context } from '@temporalio/activity';
import { cancelledByWorkflow } from '../../../core/activity-cancellation';
import type { App } from '../../../core/app';
import { fireSchedule, prepareFire } from '../fire';
import type { FireInput, SchedulerActivities } from './contracts';

export function createSchedulerActivities(app: App): SchedulerActivities {
  return {
    schedulerPrepareFire: (input: FireInput) => prepareFire(app, input),
    schedulerFire: (input: FireInput) => fireSchedule(app, input),

    /**
     * Resolves when the execution ends; when the fire is cancelled or terminated, cancels it.
     * A worker shutdown is no cancel: the activity fails, and Temporal retries it on another worker.
     */
    async schedulerAwaitExecution(executionId: string): Promise<void> {
      const context = Context.current();
      const execution = app.temporal.client.workflow.getHandle(executionId);
      const heartbeat = setInterval(() => context.heartbeat(), 2_000);
      try {
        // a failed or cancelled execution still ends the fire normally
        await Promise.race([execution.result().catch(() => undefined), context.cancelled]);
      } catch (e) {
        if (e instanceof CancelledFailure && cancelledByWorkflow()) await execution.cancel().catch(() => undefined);
        throw e;
      } finally {
        clearInterval(heartbeat);
      }
    },
  };
}
