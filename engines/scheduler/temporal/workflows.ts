/**
 * One fire of a BlobHub schedule: the Temporal Schedule starts this workflow, which records the
 * fire and creates the execution (one activity), then stays open while the execution runs so
 * that the schedule's overlap policy applies to executions, not just to fires.
 */
import { ActivityCancellationType, proxyActivities, workflowInfo } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { createSchedulerActivities } from './activities';

type SchedulerActivities = ReturnType<typeof createSchedulerActivities>;

const { schedulerFire } = proxyActivities<SchedulerActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { maximumAttempts: 5 },
});

const { schedulerAwaitExecution } = proxyActivities<SchedulerActivities>({
  startToCloseTimeout: '3650 days',
  heartbeatTimeout: '10 seconds',
  // a cancelled fire (cancel_other) waits until the execution itself has been cancelled
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
});

/** Set by Temporal on every scheduled, triggered or backfilled start. */
const scheduledStartTime = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

export async function scheduleFireWorkflow(input: { scheduleId: string }) {
  const info = workflowInfo();
  const scheduledAt = info.typedSearchAttributes.get(scheduledStartTime) ?? info.startTime;
  // two fires in the same second share a workflow id (Temporal appends the time in seconds), so the run id tells them apart
  const fireId = `${info.workflowId}/${info.runId}`;
  const outcome = await schedulerFire({ scheduleId: input.scheduleId, fireId, scheduledAt: scheduledAt.toISOString() });
  if (outcome.executionId) await schedulerAwaitExecution(outcome.executionId);
  return outcome;
}
