/** Scheduler activities: a fire (record + create the execution), and waiting for that execution. */
import { CancelledFailure, Context } from '@temporalio/activity';
import type { App } from '../../../core/app';
import { fireSchedule } from '../fire';

export function createSchedulerActivities(app: App) {
  return {
    schedulerFire: (input: Parameters<typeof fireSchedule>[1]) => fireSchedule(app, input),

    /** Resolves when the execution ends; when the fire is cancelled or terminated, cancels it. */
    async schedulerAwaitExecution(executionId: string): Promise<void> {
      const context = Context.current();
      const execution = app.temporal.client.workflow.getHandle(executionId);
      const heartbeat = setInterval(() => context.heartbeat(), 2_000);
      try {
        // a failed or cancelled execution still ends the fire normally
        await Promise.race([execution.result().catch(() => undefined), context.cancelled]);
      } catch (e) {
        if (e instanceof CancelledFailure) await execution.cancel().catch(() => undefined);
        throw e;
      } finally {
        clearInterval(heartbeat);
      }
    },
  };
}
