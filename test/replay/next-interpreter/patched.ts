/**
 * Test fixture: the next version of the interpreter, changed the safe way. New executions take an
 * extra durable timer first; executions already in flight (no patch marker in their history) keep
 * the old path, so a worker with this bundle finishes them.
 */
import { patched, sleep } from '@temporalio/workflow';
import { blobhubExecution as previous } from '../../../engines/workflow/temporal/workflows';

export { onnxProcessingWorkflow, scheduleFireWorkflow, threadItemDelivery } from '../../../workflows';

export async function blobhubExecution(...args: Parameters<typeof previous>) {
  if (patched('replay-fixture-first-timer')) await sleep(10);
  return previous(...args);
}
