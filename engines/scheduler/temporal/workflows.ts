/**
 * One fire of a BlobHub schedule: the Temporal Schedule starts this workflow, which records the
 * fire and creates the execution's row (one activity), then runs the execution's workflow as its
 * child and stays open until it ends, so that the schedule's overlap policy applies to executions,
 * not just to fires. Waiting on a child holds no worker slot and outlives any worker.
 */
import {
  ActivityCancellationType,
  CancellationScope,
  ChildWorkflowCancellationType,
  ChildWorkflowFailure,
  executeChild,
  ParentClosePolicy,
  patched,
  proxyActivities,
  workflowInfo,
} from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { executionStartOptions, type ExecutionStart } from '../../workflow/temporal/start-options';
import { blobhubExecution } from '../../workflow/temporal/workflows';
import type { FireInput, FireOutcome, SchedulerActivities } from './contracts';

const { schedulerFire, schedulerPrepareFire } = proxyActivities<SchedulerActivities>({
  startToCloseTimeout: '2 minutes',
  // idempotent (one record and one execution per fire): retried through a database or Temporal
  // outage of up to an hour, rather than leave an execution row whose fire gave up before starting it
  scheduleToCloseTimeout: '1 hour',
  retry: { maximumInterval: '1 minute' },
});

/** Fires begun before the child workflow wait for their execution in this activity. */
const { schedulerAwaitExecution } = proxyActivities<SchedulerActivities>({
  startToCloseTimeout: '3650 days',
  heartbeatTimeout: '10 seconds',
  // a cancelled fire (cancel_other) waits until the execution itself has been cancelled
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
});

/** Set by Temporal on every scheduled, triggered or backfilled start. */
const scheduledStartTime = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

export async function scheduleFireWorkflow(input: { scheduleId: string }): Promise<FireOutcome> {
  const info = workflowInfo();
  const scheduledAt = info.typedSearchAttributes.get(scheduledStartTime) ?? info.startTime;
  // two fires in the same second share a workflow id (Temporal appends the time in seconds), so the run id tells them apart
  const fire: FireInput = { scheduleId: input.scheduleId, fireId: `${info.workflowId}/${info.runId}`, scheduledAt: scheduledAt.toISOString() };
  if (!patched('fire-child-execution')) {
    const outcome = await schedulerFire(fire);
    if (outcome.executionId) await schedulerAwaitExecution(outcome.executionId);
    return outcome;
  }
  const { start, ...outcome } = await schedulerPrepareFire(fire);
  if (start) await runExecution(start);
  return outcome;
}

/**
 * The execution's workflow as this fire's child. Cancelling the fire (cancel_other) cancels the
 * execution and waits for it to end; terminating the fire (terminate_other) asks it to cancel.
 */
async function runExecution(start: ExecutionStart) {
  try {
    await executeChild(blobhubExecution, {
      ...executionStartOptions(start),
      parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
      cancellationType: ChildWorkflowCancellationType.WAIT_CANCELLATION_COMPLETED,
    });
  } catch (e) {
    // a failed or cancelled execution still ends the fire normally, unless the fire itself was cancelled
    if (!(e instanceof ChildWorkflowFailure) || CancellationScope.current().consideredCancelled) throw e;
  }
}
