/** Starting an upload's processing workflow from the API: idempotent, any replica, any number of times. */
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { App } from '../../../core/app';
import type { ProcessingIds } from '../processing';
import { onnxProcessingWorkflow } from './workflows';

/** One workflow id per upload, so every replica's start lands on the same run. */
export const onnxProcessingWorkflowId = (uploadOperationId: string) => `onnx-processing-${uploadOperationId}`;

/**
 * Starts the workflow, or joins the one already running for this upload. A finished run is not
 * repeated (its outcome is written); a failed or terminated one may be started again.
 */
export async function startProcessingWorkflow(app: App, ids: ProcessingIds): Promise<void> {
  try {
    await app.temporal.client.workflow.start(onnxProcessingWorkflow, {
      taskQueue: app.temporal.taskQueue,
      workflowId: onnxProcessingWorkflowId(ids.uploadOperationId),
      args: [ids],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
    });
  } catch (e) {
    if (!(e instanceof WorkflowExecutionAlreadyStartedError)) throw e;
  }
}
