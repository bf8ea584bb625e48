/** Test fixture: the same change as patched.ts without patched(), which executions in flight cannot replay. */
import { sleep } from '@temporalio/workflow';
import { blobhubExecution as previous } from '../../../engines/workflow/temporal/workflows';

export { onnxProcessingWorkflow, scheduleFireWorkflow, threadItemDelivery } from '../../../workflows';

export async function blobhubExecution(...args: Parameters<typeof previous>) {
  await sleep(10);
  return previous(...args);
}
