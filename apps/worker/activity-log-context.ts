/**
 * Every line an activity logs carries the Temporal workflow and run ids, the activity type and,
 * for an execution's activities, the execution, org and blob ids (from its arguments).
 */
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { withLogContext, type LogContext } from '../../core/log';

/** The ExecutionArgs an execution's activities get, as their argument or inside it (`{execution, …}`). */
interface ExecutionIds {
  executionId: string;
  orgId?: string;
  blobId?: string;
}

const isExecutionIds = (value: unknown): value is ExecutionIds =>
  typeof value === 'object' && value !== null && typeof (value as { executionId?: unknown }).executionId === 'string';

function executionIdsIn(args: unknown[]): ExecutionIds | undefined {
  const [first] = args;
  if (isExecutionIds(first)) return first;
  const nested = typeof first === 'object' && first !== null ? (first as { execution?: unknown }).execution : undefined;
  return isExecutionIds(nested) ? nested : undefined;
}

export const activityLogContext: ActivityInterceptorsFactory = (ctx) => ({
  inbound: {
    execute(input, next) {
      const { workflowExecution, activityType } = ctx.info;
      const execution = executionIdsIn(input.args);
      const context: LogContext = {
        workflow_id: workflowExecution?.workflowId,
        run_id: workflowExecution?.runId,
        activity_type: activityType,
        ...(execution && { execution_id: execution.executionId, org_id: execution.orgId, blob_id: execution.blobId }),
      };
      return withLogContext(context, () => next(input));
    },
  },
});
